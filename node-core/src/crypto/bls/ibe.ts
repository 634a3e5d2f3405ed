/**
 * Threshold identity-based encryption: Boneh–Franklin FullIdent with the Fujisaki–Okamoto
 * transform, payload sealed with ChaCha20-Poly1305. Spec: docs/ibe.md.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { equalBytes } from '@noble/curves/utils.js'
import { InvalidArgumentError } from '../../errors.js'
import { BlsG1, BlsG2, type G1Point, type G2Point } from '../group.js'
import type { KeyShare, PublicKeySet } from '../key-share.js'
import { secureRng, type Rng } from '../random.js'
import type { ParticipantId } from '../shares.js'
import { IBE_MAX_PLAINTEXT_BYTES, IBE_SIGMA_BYTES, IBE_SUITE_BLS12381_CHACHA20POLY1305, type IbeCiphertext, decodeIbeCiphertext, encodeIbeCiphertext, ibeCiphertextAad } from './codec.js'
import { DecryptionFailedError } from './errors.js'
import { aeadKey, gtMask, hashIdentityToG2, nonceScalar } from './hash.js'
import { type CombineOptions, combinePartials, evaluatePartial, findInvalidPartials, interpolatePartialsUnchecked, verifyPartial } from './partials.js'
import { isValidG1, isValidG2 } from './points.js'

/** d_i = x_i·H1(identity) from participant `id` (docs/ibe.md §2). */
export interface BlsDecryptionShare {
  readonly id: ParticipantId
  readonly point: G2Point
}

/** One key per message (H4 of a fresh 256-bit σ), so a fixed nonce never repeats under a key. */
const ZERO_NONCE = new Uint8Array(12)

function assertIdentity (identity: string): void {
  if (typeof identity !== 'string' || identity.length === 0) throw new InvalidArgumentError('identity', 'must be a non-empty string')
}

function xor32 (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(IBE_SIGMA_BYTES)
  for (let i = 0; i < IBE_SIGMA_BYTES; i++) out[i] = a[i] ^ b[i]
  return out
}

/** Spec 1: encrypt `plaintext` to the network key `publicKey` under `identity`; returns the encoded ciphertext. */
export function ibeEncrypt (publicKey: G1Point, identity: string, plaintext: Uint8Array, opts: { rng?: Rng } = {}): Uint8Array {
  assertIdentity(identity)
  if (!isValidG1(publicKey)) throw new InvalidArgumentError('publicKey', 'not a valid G1 subgroup point')
  if (!(plaintext instanceof Uint8Array)) throw new InvalidArgumentError('plaintext', 'must be a Uint8Array')
  if (plaintext.length > IBE_MAX_PLAINTEXT_BYTES) throw new InvalidArgumentError('plaintext', `longer than ${IBE_MAX_PLAINTEXT_BYTES} bytes`)
  const rng = opts.rng ?? secureRng
  const q = hashIdentityToG2(identity) // Spec 1.1
  let sigma: Uint8Array
  let r: bigint
  do { // Spec 1.2
    sigma = rng(IBE_SIGMA_BYTES)
    r = nonceScalar(sigma, plaintext)
  } while (r === 0n)
  // Spec 1.3: r is secret (it unmasks σ), hence constant-time multiplications.
  const u = BlsG1.BASE.multiply(r)
  const v = xor32(sigma, gtMask(bls12_381.pairing(publicKey.multiply(r), q)))
  // Spec 1.4
  const suite = IBE_SUITE_BLS12381_CHACHA20POLY1305
  const sealed = chacha20poly1305(aeadKey(sigma), ZERO_NONCE, ibeCiphertextAad(suite, u, v)).encrypt(plaintext)
  return encodeIbeCiphertext({ suite, u, v, sealed }) // Spec 1.5
}

/** Spec 2: this node's decryption share for `identity` (release only after the node's policy check). */
export function ibeDecryptionShare (keyShare: KeyShare<G1Point>, identity: string): BlsDecryptionShare {
  assertIdentity(identity)
  return evaluatePartial(keyShare, hashIdentityToG2(identity))
}

/** Spec 3: is `share` participant share.id's decryption share for `identity`? */
export function verifyBlsDecryptionShare (publicKeySet: PublicKeySet<G1Point>, identity: string, share: BlsDecryptionShare): boolean {
  assertIdentity(identity)
  return verifyPartial(publicKeySet, hashIdentityToG2(identity), share)
}

/** Ids of the invalid decryption shares (one batch pairing check when all are good). */
export function findInvalidBlsDecryptionShares (publicKeySet: PublicKeySet<G1Point>, identity: string, shares: readonly BlsDecryptionShare[], opts: CombineOptions = {}): ParticipantId[] {
  assertIdentity(identity)
  return findInvalidPartials(publicKeySet, hashIdentityToG2(identity), shares, opts)
}

/** Spec 4: verify the shares, name bad ones, interpolate the identity key d = x·H1(identity). */
export function combineBlsDecryptionShares (publicKeySet: PublicKeySet<G1Point>, identity: string, shares: readonly BlsDecryptionShare[], opts: CombineOptions = {}): { key: G2Point, culprits: ParticipantId[] } {
  assertIdentity(identity)
  const { point, culprits } = combinePartials(publicKeySet, hashIdentityToG2(identity), shares, opts)
  return { key: point, culprits }
}

/** Spec 5.2–5.5 on an already decoded ciphertext. */
function open (key: G2Point, ct: IbeCiphertext): Uint8Array {
  return openWith(bls12_381.pairing(ct.u, key), ct) // Spec 5.2
}

/** Spec 5.2–5.5 given e(U, d). */
function openWith (pairing: ReturnType<typeof bls12_381.pairing>, ct: IbeCiphertext): Uint8Array {
  const sigma = xor32(ct.v, gtMask(pairing)) // Spec 5.2
  let plaintext: Uint8Array
  try { // Spec 5.3
    plaintext = chacha20poly1305(aeadKey(sigma), ZERO_NONCE, ibeCiphertextAad(ct.suite, ct.u, ct.v)).decrypt(ct.sealed)
  } catch {
    throw new DecryptionFailedError()
  }
  const r = nonceScalar(sigma, plaintext) // Spec 5.4: FO re-encryption check of U
  if (r === 0n || !equalBytes(BlsG1.BASE.multiply(r).toBytes(), ct.u.toBytes())) {
    plaintext.fill(0)
    throw new DecryptionFailedError()
  }
  return plaintext // Spec 5.5
}

/** Spec 5: decrypt with the identity key d = x·H1(identity) (e.g. from combineBlsDecryptionShares). */
export function ibeDecrypt (key: G2Point, ciphertext: Uint8Array): Uint8Array {
  if (!isValidG2(key)) throw new InvalidArgumentError('key', 'not a valid G2 subgroup point')
  return open(key, decodeIbeCiphertext(ciphertext)) // Spec 5.1
}

/**
 * Decode the ciphertext (Spec 5.1; or take one decodeIbeCiphertext returned), combine the
 * decryption shares (Spec 4, naming bad ones) and decrypt (Spec 5.2–5.5). Throws
 * MalformedMessageError, NotEnoughSharesError or DecryptionFailedError; never returns
 * unauthenticated plaintext.
 */
export function combineAndDecrypt (publicKeySet: PublicKeySet<G1Point>, identity: string, ciphertext: Uint8Array | IbeCiphertext, shares: readonly BlsDecryptionShare[], opts: CombineOptions = {}): { plaintext: Uint8Array, culprits: ParticipantId[] } {
  const ct = ciphertext instanceof Uint8Array ? decodeIbeCiphertext(ciphertext) : ciphertext
  assertIdentity(identity)
  // Spec 4.0 (optimistic): interpolate t+1 shares without pairing or subgroup checks and
  // open. A wrong share gives a wrong key, which the AEAD tag and the FO check of open()
  // refuse, so a plaintext returned here is as authentic as one from verified shares; the
  // checks (and hashing the identity to G2) are spent only when that fails, to name the bad
  // shares. Any error here (noble may refuse a point outside the subgroup) means the same.
  const quick = opts.verifyFirst === true ? undefined : interpolatePartialsUnchecked(publicKeySet, shares)
  if (quick !== undefined && !quick.sum.equals(BlsG2.ZERO)) {
    try {
      // e(U, scale·sum) = e(scale·U, sum): the one full-size multiplication lands in G1 (public values).
      const u = quick.scale === 1n ? ct.u : ct.u.multiplyUnsafe(quick.scale)
      return { plaintext: openWith(bls12_381.pairing(u, quick.sum), ct), culprits: quick.culprits }
    } catch {
      // fall through to the checked combine
    }
  }
  const { key, culprits } = combineBlsDecryptionShares(publicKeySet, identity, shares, opts)
  return { plaintext: open(key, ct), culprits }
}
