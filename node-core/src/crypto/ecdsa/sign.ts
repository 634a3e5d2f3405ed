/**
 * One-round signing from a presignature, share verification and combination.
 * Spec: docs/ecdsa.md §5 (numbers below refer to it).
 *
 * With δ a public re-randomiser, R' = δ·R and the signature nonce is k' = δ·k;
 * signer j sends s_j = (m·α_j + r·β_j)/δ, a degree-2t share of
 * s = k'⁻¹·(m + r·x). Anyone holding the public presignature can check s_j:
 *   δ·w·s_j·G == m·A_j + r·Q_j,   Q_j = Y_j + E_j   (= w·(m·A'_j + r·Bt_j))
 * Many shares and the combined signature are checked in one multi-scalar
 * multiplication (msm.ts) with 128-bit random weights.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { bytesToHex, utf8ToBytes as utf8 } from '@noble/hashes/utils.js'
import { InvalidArgumentError, MalformedMessageError, ProtocolAbortError } from '../../errors.js'
import { Secp256k1, mod, type SecpPoint } from '../group.js'
import { type ParticipantId, assertParticipantIds } from '../shares.js'
import { Reader, WireKind, Writer } from '../wire.js'
import { DegeneratePresignatureError, EcdsaAbortCode, SignatureVerificationError } from './errors.js'
import type { Presignature, PresignaturePublic, PresignPartyPublic } from './presignature.js'
import { msmIsIdentity, mulPublicAffine } from './msm.js'
import { interpolateAt, invertPublic, invertPublicBatch } from './scalar.js'
import { Transcript } from './transcript.js'

const n = Secp256k1.order
export const MAX_ENTROPY_BYTES = 64

/** What all signers and the client agree on before anyone signs (Spec 5.1). */
export interface SignRequest {
  /** 32-byte message hash (ECDSA's e; for Ethereum: keccak256 of the message). */
  readonly messageHash: Uint8Array
  /** Sorted ids of the signers, ⊆ the presignature's participants, at least 2t+1. */
  readonly signers: readonly ParticipantId[]
  /** Public entropy from the requester (0..64 bytes), mixed into the re-randomiser. */
  readonly entropy: Uint8Array
}

/** One signer's share of the signature. Public. */
export interface SignatureShare {
  readonly presignatureId: Uint8Array
  readonly signer: ParticipantId
  readonly s: bigint
}

/** A standard secp256k1 ECDSA signature, low-s normalised. */
export interface EcdsaSignature {
  readonly r: bigint
  readonly s: bigint
  /** 0..3: bit 0 = parity of R'.y (after low-s), bit 1 = R'.x ≥ n. */
  readonly recoveryId: number
  /** 0x-prefixed 65 bytes r ‖ s ‖ v with v = 27 + recoveryId (Ethereum style). */
  readonly signature: `0x${string}`
  /** Compressed (33-byte) public key the signature verifies under. */
  readonly publicKey: Uint8Array
}

/** Result of combining: the signature and the signers whose shares were refused. */
export interface CombineResult {
  readonly signature: EcdsaSignature
  readonly culprits: readonly ParticipantId[]
}

/** Spec 5.1: set-up checks on a request against a presignature. */
export function validateSignRequest (pub: PresignaturePublic, req: SignRequest): void {
  if (!(req.messageHash instanceof Uint8Array) || req.messageHash.length !== 32) throw new InvalidArgumentError('messageHash', 'must be 32 bytes')
  if (!(req.entropy instanceof Uint8Array) || req.entropy.length > MAX_ENTROPY_BYTES) throw new InvalidArgumentError('entropy', `must be at most ${MAX_ENTROPY_BYTES} bytes`)
  assertParticipantIds(req.signers, 'signers')
  for (let i = 1; i < req.signers.length; i++) if (req.signers[i] <= req.signers[i - 1]) throw new InvalidArgumentError('signers', 'must be sorted ascending')
  const need = 2 * pub.degree + 1
  if (req.signers.length < need) throw new InvalidArgumentError('signers', `${req.signers.length} signers, need 2t+1 = ${need}`)
  for (const id of req.signers) if (!pub.participants.includes(id)) throw new InvalidArgumentError('signers', `${id} took no part in the presignature`)
}

/** The public values every party derives from (presignature, request): δ, R', r, m. */
export interface SigningNonce {
  readonly delta: bigint
  readonly Rprime: SecpPoint
  readonly r: bigint
  readonly m: bigint
  /** R'.y odd → 1, R'.x ≥ n → +2 (before low-s normalisation). */
  readonly recoveryId: number
}

/** Spec 5.2: δ = H(presignature id, message hash, signers, entropy), never zero. */
export function rerandomiser (pub: PresignaturePublic, req: SignRequest): bigint {
  for (let ctr = 0; ; ctr++) {
    const d = new Transcript('sign/rerandomise').bytes('presignature', pub.id).point('R', pub.R)
      .bytes('message', req.messageHash).ids('signers', req.signers).bytes('entropy', req.entropy).u32('counter', ctr).challenge()
    if (d !== 0n) return d
  }
}

/** Spec 5.2–5.3. Throws DegeneratePresignatureError when r = 0. */
export function signingNonce (pub: PresignaturePublic, req: SignRequest): SigningNonce {
  const delta = rerandomiser(pub, req)
  const affine = mulPublicAffine(pub.R, delta) // δ and R are public
  if (affine === null) throw new DegeneratePresignatureError('R′ = δ·R is the identity')
  const { x, y } = affine
  const Rprime = Secp256k1.Point.fromAffine(affine)
  const r = mod(x, n)
  if (r === 0n) throw new DegeneratePresignatureError('r = x(R′) mod n is zero')
  // ECDSA's bits2int for a 256-bit hash and 256-bit n, then reduce.
  const m = mod(bytesToNumberBE(req.messageHash), n)
  const recoveryId = Number(y & 1n) | (x >= n ? 2 : 0)
  return { delta, Rprime, r, m, recoveryId }
}

/**
 * Spec 5.4: this signer's share. Consumes the presignature (it can never sign
 * again, even if this call then fails); PresignatureReusedError on reuse.
 */
export function signShare (presignature: Presignature, req: SignRequest): SignatureShare {
  const pub = presignature.public
  validateSignRequest(pub, req)
  if (!req.signers.includes(presignature.me)) throw new InvalidArgumentError('signers', `this party (${presignature.me}) is not among the signers`)
  // Take (and wipe) the secrets before anything that could throw later, so a
  // presignature that has seen a request is never used for another.
  const { alpha, beta } = presignature.take()
  const nonce = signingNonce(pub, req)
  const s = mod(invertPublic(nonce.delta) * mod(nonce.m * alpha + nonce.r * beta, n), n) // δ is public
  return { presignatureId: pub.id, signer: presignature.me, s }
}

/** Spec 5.5: Q_j = Y_j + E_j (= w·β_j·G), the point s_j's check multiplies by r. */
function qPoint (party: PresignPartyPublic): SecpPoint {
  return party.E.equals(Secp256k1.ZERO) ? party.Y : party.Y.add(party.E)
}

/** Why a share is refused before any curve arithmetic (null: well-formed for this request). */
function malformedShare (pub: PresignaturePublic, req: SignRequest, share: SignatureShare): string | null {
  if (!equalBytes(share.presignatureId, pub.id)) return 'another presignature'
  if (!req.signers.includes(share.signer) || !pub.parties.has(share.signer)) return 'not a signer'
  if (typeof share.s !== 'bigint' || share.s < 0n || share.s >= n) return 's out of range'
  return null
}

/** Spec 5.5: δ·w·s_j·G == m·A_j + r·Q_j. Uses public data only. */
export function verifySignatureShare (pub: PresignaturePublic, req: SignRequest, share: SignatureShare, nonce: SigningNonce = signingNonce(pub, req)): boolean {
  if (malformedShare(pub, req, share) !== null) return false
  const party = pub.parties.get(share.signer)!
  // m·A_j + r·Q_j − δ·w·s_j·G must be the identity (one multi-scalar multiplication).
  return msmIsIdentity([party.A, qPoint(party)], [nonce.m, nonce.r], mod(-nonce.delta * pub.w % n * share.s, n))
}

/**
 * Spec 5.5, many shares at once (plus, for combine, the signature): the terms
 * Σ_j ρ_j·(m·A_j + r·Q_j − δ·w·s_j·G) [+ ρ_0·(s·R′ − m·G − r·X)] of one
 * multi-scalar multiplication. ρ_j = σ_j/r with σ_j 128-bit and hashed from
 * `seed` (which covers the request and every share, so the weights are fixed
 * only after the shares are): Q_j then carries the short scalar σ_j and only
 * A_j a full one. Some σ_j ≠ 0 times a non-zero error term makes the sum
 * vanish with probability at most 2^-128 (n is prime).
 */
function batchTerms (
  pub: PresignaturePublic, nonce: SigningNonce, shares: readonly SignatureShare[], seed: Uint8Array, foldA = false
): { points: SecpPoint[], scalars: bigint[], base: bigint, weight: (label: string) => bigint, rInv: bigint } {
  const weight = (label: string): bigint => new Transcript('sign/verify-shares/weight').bytes('seed', seed).bytes('term', utf8(label)).challenge() >> 128n
  const rInv = invertPublic(nonce.r) // r is public and non-zero
  const mOverR = mod(nonce.m * rInv, n)
  const points: SecpPoint[] = []
  const scalars: bigint[] = []
  const aCoefficients = new Map<ParticipantId, bigint>()
  let g = 0n
  for (const sh of shares) {
    const party = pub.parties.get(sh.signer)!
    const sigma = weight(`signer ${sh.signer}`)
    points.push(qPoint(party))
    scalars.push(sigma)
    aCoefficients.set(sh.signer, sigma * mOverR % n)
    g += sigma * sh.s
  }
  const aTerms = foldA && shares.length > pub.degree + 1 ? foldOntoFirst(aCoefficients, pub.degree + 1) : aCoefficients
  for (const [id, c] of aTerms) { points.push(pub.parties.get(id)!.A); scalars.push(c) }
  return { points, scalars, base: mod(-(mod(g, n) * (nonce.delta * pub.w % n) % n) * rInv, n), weight, rInv }
}

/**
 * Σ_j c_j·A_j rewritten over the first `size` ids T, for points A_j = f(j)·G of one
 * polynomial f of degree < size: A_j = Σ_{i∈T} L_i(j)·A_i (Lagrange basis of T),
 * so c'_i = c_i + Σ_{j∉T} c_j·L_i(j). Ids are public; the result has `size` terms.
 */
function foldOntoFirst (coefficients: ReadonlyMap<ParticipantId, bigint>, size: number): Map<ParticipantId, bigint> {
  const ids = [...coefficients.keys()].sort((a, b) => a - b)
  const T = ids.slice(0, size).map(BigInt)
  const out = new Map<ParticipantId, bigint>(ids.slice(0, size).map((id) => [id, coefficients.get(id)!] as const))
  // 1 / Π_{k∈T, k≠i} (i − k), once per basis element, with one inversion for all
  const denInv = invertPublicBatch(T.map((i) => T.reduce((acc, k) => (k === i ? acc : acc * (i - k) % n), 1n)))
  for (const jId of ids.slice(size)) {
    const j = BigInt(jId)
    const cj = coefficients.get(jId)!
    T.forEach((i, idx) => {
      let num = 1n
      for (const k of T) if (k !== i) num = num * (j - k) % n
      const id = Number(i)
      out.set(id, mod(out.get(id)! + cj * mod(num * denInv[idx], n), n))
    })
  }
  return out
}

function shareSeed (label: string, pub: PresignaturePublic, req: SignRequest, shares: readonly SignatureShare[]): Transcript {
  const t = new Transcript(label).bytes('presignature', pub.id).bytes('message', req.messageHash)
    .ids('signers', req.signers).bytes('entropy', req.entropy)
  for (const sh of shares) t.u32('signer', sh.signer).scalar('s', sh.s)
  return t
}

/**
 * Spec 5.5, many shares at once: returns the signers whose shares do NOT verify
 * (empty: all good). One multi-scalar multiplication checks
 *   Σ_j ρ_j·(m·A_j + r·Q_j − δ·w·s_j·G) = 0
 * with ρ_j = σ_j/r and 128-bit σ_j hashed from the request and every share (so
 * fixed only after the shares are); a false accept has probability ≤ 2^-128.
 * Only when the batch fails is each share checked on its own, so an honest
 * signer is never named because of someone else's share.
 */
export function verifySignatureShares (
  pub: PresignaturePublic, req: SignRequest, shares: readonly SignatureShare[], nonce: SigningNonce = signingNonce(pub, req)
): ParticipantId[] {
  const bad = new Set<ParticipantId>()
  const seen = new Set<ParticipantId>()
  const candidates: SignatureShare[] = []
  for (const sh of shares) {
    if (seen.has(sh.signer) || malformedShare(pub, req, sh) !== null) bad.add(sh.signer)
    else candidates.push(sh)
    seen.add(sh.signer)
  }
  const good = candidates.filter((sh) => !bad.has(sh.signer))
  if (good.length > 0) {
    const { points, scalars, base } = batchTerms(pub, nonce, good, shareSeed('sign/verify-shares', pub, req, good).digest())
    if (!msmIsIdentity(points, scalars, base)) for (const sh of good) if (!verifySignatureShare(pub, req, sh, nonce)) bad.add(sh.signer)
  }
  return [...bad].sort((a, b) => a - b)
}

/**
 * Spec 5.6: combine shares into a verified signature. Fast path: interpolate s
 * from the first 2t+1 shares, then ONE multi-scalar multiplication checks every
 * share (5.5) and the signature itself (s·R′ = m·G + r·X, ECDSA's equation with
 * R′ known) with independent 128-bit weights. Otherwise each share is checked,
 * the bad ones are named, and the good ones are combined if 2t+1 remain (the
 * result then checked with noble's verify); else ProtocolAbortError.
 * `nonce` may be passed when the caller already computed it for this request.
 */
export interface CombineOptions {
  /**
   * With exactly 2t+1 well-formed shares, verify only the signature and leave the
   * per-share check to the caller (Spec 5.6.2′). Default false: every share is checked.
   */
  checkSharesLater?: boolean
  /**
   * The presignature's public key with a multiplication table attached
   * (`point.precompute(8, false)`, made once per key by the caller). When it equals
   * `pub.publicKey`, the 5.6.2′ check becomes R′ = (m/s)·G + (r/s)·X with two table
   * multiplications instead of a three-term MSM (0.8 vs 2.0 ms in Node 22 here).
   */
  publicKeyTable?: SecpPoint
}

export function combineSignatureShares (
  pub: PresignaturePublic, req: SignRequest, shares: readonly SignatureShare[], nonce?: SigningNonce,
  opts: CombineOptions = {}
): CombineResult {
  validateSignRequest(pub, req)
  nonce ??= signingNonce(pub, req)
  const need = 2 * pub.degree + 1
  // Malformed-by-context shares (wrong presignature, unknown or repeated signer) are culprits outright.
  const culprits = new Set<ParticipantId>()
  const byId = new Map<ParticipantId, bigint>()
  for (const sh of shares) {
    if (!req.signers.includes(sh.signer)) throw new InvalidArgumentError('shares', `share from ${sh.signer}, who is not a signer`)
    if (byId.has(sh.signer) || culprits.has(sh.signer)) { culprits.add(sh.signer); byId.delete(sh.signer); continue }
    if (malformedShare(pub, req, sh) !== null) { culprits.add(sh.signer); continue }
    byId.set(sh.signer, sh.s)
  }
  const ids = [...byId.keys()].sort((a, b) => a - b)
  const asShares = (list: readonly ParticipantId[]): SignatureShare[] => list.map((id) => ({ presignatureId: pub.id, signer: id, s: byId.get(id)! }))

  if (opts.checkSharesLater === true && culprits.size === 0 && ids.length === need) {
    // Spec 5.6.2′: the signature equation s·R′ = m·G + r·X alone (three terms instead of
    // every share's). It proves the signature; it proves the shares right except for errors
    // that cancel exactly in s, which take two colluders and change nothing in the result.
    // The caller then checks the shares with verifySignatureShares off the critical path.
    const s = interpolateAt(new Map(ids.map((id) => [id, byId.get(id)!] as const)))
    if (s !== 0n && signatureEquationHolds(pub, nonce, s, opts.publicKeyTable)) {
      return { signature: finishSignature(pub, nonce, s).signature, culprits: [] }
    }
  }
  if (culprits.size === 0 && ids.length >= need) {
    const s = interpolateAt(new Map(ids.slice(0, need).map((id) => [id, byId.get(id)!] as const)))
    if (s !== 0n) {
      const all = asShares(ids)
      const seed = shareSeed('sign/combine', pub, req, all).scalar('s', s).digest()
      // A_j = C_a(j) lie on one degree-t polynomial (Spec 3.5), so the A terms fold
      // onto t+1 points; the signature term below makes the result valid regardless.
      const { points, scalars, base, weight, rInv } = batchTerms(pub, nonce, all, seed, true)
      // ρ_0·(s·R′ − m·G − r·X) with ρ_0 = σ_0/r: X carries the short scalar.
      // −X with +σ_0 keeps X's scalar short (n − σ_0 would be a full-width one).
      const sigma0 = weight('signature')
      points.push(nonce.Rprime, pub.publicKey.negate())
      scalars.push(sigma0 * s % n * rInv % n, sigma0)
      const g = mod(base - sigma0 * nonce.m % n * rInv, n)
      if (msmIsIdentity(points, scalars, g)) return { signature: finishSignature(pub, nonce, s).signature, culprits: [] }
    }
  }

  // Slow path (Spec 5.6.3): check the shares (batched, then one by one to name the bad ones).
  const failing = new Set(verifySignatureShares(pub, req, asShares(ids), nonce))
  const good = new Map<ParticipantId, bigint>()
  for (const id of ids) {
    if (failing.has(id)) culprits.add(id)
    else good.set(id, byId.get(id)!)
  }
  const named = [...culprits].sort((a, b) => a - b)
  if (good.size < need) {
    throw new ProtocolAbortError(`sign: ${good.size} valid shares, need 2t+1 = ${need}`, named, EcdsaAbortCode.NotEnoughShares)
  }
  const s = interpolateAt(new Map([...good].slice(0, need)))
  const sig = s === 0n ? null : finishSignature(pub, nonce, s)
  if (sig === null || !secp256k1.verify(sig.compact, req.messageHash, sig.signature.publicKey, { prehash: false })) {
    throw new SignatureVerificationError('every share verified but the signature does not')
  }
  return { signature: sig.signature, culprits: named }
}

/** s·R′ = m·G + r·X (ECDSA's equation with R′ known), for s ≠ 0. */
function signatureEquationHolds (pub: PresignaturePublic, nonce: SigningNonce, s: bigint, table?: SecpPoint): boolean {
  if (table === undefined || !table.equals(pub.publicKey)) return msmIsIdentity([nonce.Rprime, pub.publicKey], [s, n - nonce.r], n - nonce.m)
  // Equivalently R′ = (m/s)·G + (r/s)·X: G's table is noble's own, X's the caller's. All values public.
  const sInv = invertPublic(s)
  return Secp256k1.BASE.multiplyUnsafe(mod(nonce.m * sInv, n)).add(table.multiplyUnsafe(mod(nonce.r * sInv, n))).equals(nonce.Rprime)
}

/** Spec 5.6.2: low-s, recovery id, encoding. The caller has verified s (or verifies `compact`). */
function finishSignature (pub: PresignaturePublic, nonce: SigningNonce, sRaw: bigint): { signature: EcdsaSignature, compact: Uint8Array } {
  let s = sRaw
  let recoveryId = nonce.recoveryId
  if (s > n >> 1n) { s = n - s; recoveryId ^= 1 }
  const compact = new Uint8Array(64)
  compact.set(numberToBytesBE(nonce.r, 32), 0)
  compact.set(numberToBytesBE(s, 32), 32)
  const publicKey = pub.publicKey.toBytes(true)
  const signature = `0x${bytesToHex(compact)}${(27 + recoveryId).toString(16).padStart(2, '0')}` as const
  return { signature: { r: nonce.r, s, recoveryId, signature, publicKey }, compact }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Strict codec: WireKind.SignatureShare = presignature id (32) ‖ signer (u16) ‖ s (scalar). */
export function encodeSignatureShare (share: SignatureShare): Uint8Array {
  if (share.presignatureId.length !== 32) throw new InvalidArgumentError('presignatureId', 'must be 32 bytes')
  return new Writer().header(WireKind.SignatureShare).raw(share.presignatureId).u16(share.signer).scalar(Secp256k1, share.s).finish()
}

export function decodeSignatureShare (bytes: Uint8Array): SignatureShare {
  const r = new Reader(bytes, 'SignatureShare').header(WireKind.SignatureShare)
  const presignatureId = r.raw(32, 'presignatureId')
  const signer = r.participant('signer')
  const s = r.scalar(Secp256k1, 's', { allowZero: true })
  r.end()
  return { presignatureId, signer, s }
}

/** For callers that got a share over a connection: the body's signer must be the sender. */
export function assertShareFrom (share: SignatureShare, from: ParticipantId): void {
  if (share.signer !== from) throw new MalformedMessageError('SignatureShare.signer', `claims ${share.signer} but came from ${from}`)
}
