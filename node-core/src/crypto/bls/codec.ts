/**
 * Strict wire codecs for threshold BLS and IBE objects. Spec: docs/bls.md §5,
 * docs/ibe.md ("Ciphertext"), docs/wire.md (header and field rules).
 */
import { InvalidArgumentError, MalformedMessageError } from '../../errors.js'
import { BlsG1, BlsG2, type G1Point, type G2Point, mod, pointFromBytes } from '../group.js'
import type { PublicKeySet } from '../key-share.js'
import { invertPublic } from '../inverse.js'
import { MAX_LIST, Reader, WireKind, Writer } from '../wire.js'
import { PUBLIC_KEY_SET_CHECK_DST, hashToScalars } from './hash.js'
import { isValidG2, markCheckedG2, msmG1 } from './points.js'
import { G2_COMPRESSED_BYTES, g2FromBytesOnCurve } from './g2-on-curve.js'
import type { G2Partial } from './partials.js'
import type { BlsSignatureShare } from './signature.js'
import type { BlsDecryptionShare } from './ibe.js'

/** Suite byte of IBE ciphertexts: BLS12-381 (P in G1, Q in G2), H1..H4 of docs/ibe.md, ChaCha20-Poly1305. */
export const IBE_SUITE_BLS12381_CHACHA20POLY1305 = 1
/** Largest plaintext an IBE ciphertext may carry (docs/ibe.md). */
export const IBE_MAX_PLAINTEXT_BYTES = 64 * 1024 * 1024
export const IBE_SIGMA_BYTES = 32
export const AEAD_TAG_BYTES = 16

/** Decoded IBE ciphertext (docs/ibe.md "Ciphertext"). */
export interface IbeCiphertext {
  readonly suite: number
  /** U = r·G1. */
  readonly u: G1Point
  /** V = σ ⊕ H2(e(P, Q)^r), 32 bytes. */
  readonly v: Uint8Array
  /** W = AEAD(H4(σ), M): ciphertext followed by the 16-byte tag. */
  readonly sealed: Uint8Array
}

// ---- shares --------------------------------------------------------------------------------

function encodePartial (kind: number, share: G2Partial, field: string): Uint8Array {
  if (!Number.isInteger(share.id) || share.id < 1 || share.id > 0xffff) throw new InvalidArgumentError(`${field}.id`, 'must be an integer in 1..65535')
  if (!isValidG2(share.point)) throw new InvalidArgumentError(`${field}.point`, 'not a valid G2 subgroup point')
  return new Writer().header(kind).u16(share.id).point(BlsG2, share.point).finish()
}

function decodePartial (kind: number, bytes: Uint8Array, what: string): G2Partial {
  const r = new Reader(bytes, what).header(kind)
  const id = r.participant('id')
  const point = markCheckedG2(r.point(BlsG2, 'point'))
  r.end()
  return { id, point }
}

export function encodeBlsSignatureShare (share: BlsSignatureShare): Uint8Array {
  return encodePartial(WireKind.BlsSignatureShare, share, 'share')
}

export function decodeBlsSignatureShare (bytes: Uint8Array): BlsSignatureShare {
  return decodePartial(WireKind.BlsSignatureShare, bytes, 'BlsSignatureShare')
}

export function encodeBlsDecryptionShare (share: BlsDecryptionShare): Uint8Array {
  return encodePartial(WireKind.BlsDecryptionShare, share, 'share')
}

export function decodeBlsDecryptionShare (bytes: Uint8Array): BlsDecryptionShare {
  return decodePartial(WireKind.BlsDecryptionShare, bytes, 'BlsDecryptionShare')
}

/**
 * A decryption share for the optimistic combine (docs/ibe.md §4.0): strict in every field
 * except that the point is only checked to be on the curve, not in the subgroup. The
 * combiner checks it in full (isValidG2) before it verifies, names or trusts it.
 */
export function decodeBlsDecryptionShareOnCurve (bytes: Uint8Array): BlsDecryptionShare {
  const r = new Reader(bytes, 'BlsDecryptionShare').header(WireKind.BlsDecryptionShare)
  const id = r.participant('id')
  const point = g2FromBytesOnCurve(r.raw(G2_COMPRESSED_BYTES, 'point'), 'BlsDecryptionShare.point')
  r.end()
  return { id, point }
}

// ---- signatures (standard format, no header) -----------------------------------------------

/** A combined signature as the standard 96-byte compressed G2 point (ZCash format). */
export function blsSignatureToBytes (signature: G2Point): Uint8Array {
  if (!isValidG2(signature)) throw new InvalidArgumentError('signature', 'not a valid G2 subgroup point')
  return signature.toBytes()
}

/** Strict: 96 bytes, on the curve, in the subgroup, not the identity. */
export function blsSignatureFromBytes (bytes: Uint8Array): G2Point {
  return markCheckedG2(pointFromBytes(BlsG2, bytes, 'BlsSignature'))
}

// ---- public key set ------------------------------------------------------------------------

export function encodeBlsPublicKeySet (pks: PublicKeySet<G1Point>): Uint8Array {
  if (pks.group.name !== 'bls12-381-g1') throw new InvalidArgumentError('publicKeySet', 'not a BLS12-381 G1 key set')
  const ids = [...pks.participants]
  return new Writer()
    .header(WireKind.BlsPublicKeySet)
    .u16(pks.degree)
    .u32(pks.epoch)
    .point(BlsG1, pks.publicKey)
    .list(ids, (w, id) => {
      const x = pks.verificationShares.get(id)
      if (x === undefined) throw new InvalidArgumentError('publicKeySet', `no verification share for participant ${id}`)
      w.u16(id).point(BlsG1, x)
    })
    .finish()
}

/**
 * Spec 5.1–5.2: strict decoding, including the check that the public key and the
 * verification shares lie on one polynomial of degree ≤ t.
 */
export function decodeBlsPublicKeySet (bytes: Uint8Array): PublicKeySet<G1Point> {
  const what = 'BlsPublicKeySet'
  const r = new Reader(bytes, what).header(WireKind.BlsPublicKeySet)
  const degree = r.u16('degree')
  const epoch = r.u32('epoch')
  const publicKey = r.point(BlsG1, 'publicKey')
  const entries = r.list('participants', (rr, i) => [rr.participant(`participants[${i}].id`), rr.point(BlsG1, `participants[${i}].verificationShare`)] as const, { min: 1, max: MAX_LIST })
  r.end()
  for (let i = 1; i < entries.length; i++) {
    if (entries[i][0] <= entries[i - 1][0]) throw new MalformedMessageError(`${what}.participants`, 'ids must be strictly ascending')
  }
  if (degree + 1 > entries.length) throw new MalformedMessageError(`${what}.degree`, `degree ${degree} needs ${degree + 1} participants, have ${entries.length}`)
  const pks: PublicKeySet<G1Point> = {
    group: BlsG1,
    degree,
    participants: entries.map(([id]) => id),
    publicKey,
    verificationShares: new Map(entries),
    epoch
  }
  if (!consistent(pks, bytes)) throw new MalformedMessageError(what, 'verification shares do not lie on a polynomial of the stated degree through the public key')
  return pks
}

/**
 * Spec 5.2: (P, X_1..X_n) are evaluations at (0, id_1..id_n) of one degree-≤t polynomial
 * in the exponent. Randomised by a hash of the encoding (SCRAPE dual-code test).
 */
export function isConsistentBlsPublicKeySet (pks: PublicKeySet<G1Point>): boolean {
  return consistent(pks, encodeBlsPublicKeySet(pks))
}

function consistent (pks: PublicKeySet<G1Point>, encoding: Uint8Array): boolean {
  const q = BlsG1.order
  const alphas = [0n, ...pks.participants.map(BigInt)]
  const ys = [pks.publicKey, ...pks.participants.map((id) => pks.verificationShares.get(id)!)]
  const m = alphas.length
  // Every polynomial of degree ≤ m − t − 2 = n − t − 1 yields a dual codeword.
  const g = hashToScalars(encoding, m - pks.degree - 1, PUBLIC_KEY_SET_CHECK_DST)
  const coefficients = alphas.map((aj, j) => {
    let den = 1n
    for (let k = 0; k < m; k++) if (k !== j) den = mod(den * (aj - alphas[k]), q)
    let gj = 0n // Horner: g(α_j)
    for (let c = g.length - 1; c >= 0; c--) gj = mod(gj * aj + g[c], q)
    return mod(gj * invertPublic(den, q), q) // ids are public
  })
  return msmG1(ys, coefficients).equals(BlsG1.ZERO)
}

// ---- IBE ciphertext ------------------------------------------------------------------------

/** header ‖ suite ‖ U ‖ V: the AEAD's associated data (docs/ibe.md "Ciphertext"). */
export function ibeCiphertextAad (suite: number, u: G1Point, v: Uint8Array): Uint8Array {
  return new Writer().header(WireKind.IbeCiphertext).u8(suite).point(BlsG1, u).raw(v).finish()
}

export function encodeIbeCiphertext (ct: IbeCiphertext): Uint8Array {
  if (ct.v.length !== IBE_SIGMA_BYTES) throw new InvalidArgumentError('ciphertext.v', `must be ${IBE_SIGMA_BYTES} bytes`)
  return new Writer()
    .header(WireKind.IbeCiphertext)
    .u8(ct.suite)
    .point(BlsG1, ct.u)
    .raw(ct.v)
    .bytes(ct.sealed)
    .finish()
}

export function decodeIbeCiphertext (bytes: Uint8Array): IbeCiphertext {
  const what = 'IbeCiphertext'
  const r = new Reader(bytes, what).header(WireKind.IbeCiphertext)
  const suite = r.u8('suite')
  if (suite !== IBE_SUITE_BLS12381_CHACHA20POLY1305) throw new MalformedMessageError(`${what}.suite`, `unknown suite ${suite}`)
  const u = r.point(BlsG1, 'u')
  const v = r.raw(IBE_SIGMA_BYTES, 'v')
  const sealed = r.bytes('sealed', IBE_MAX_PLAINTEXT_BYTES + AEAD_TAG_BYTES)
  if (sealed.length < AEAD_TAG_BYTES) throw new MalformedMessageError(`${what}.sealed`, `shorter than the ${AEAD_TAG_BYTES}-byte tag`)
  r.end()
  return { suite, u, v, sealed }
}
