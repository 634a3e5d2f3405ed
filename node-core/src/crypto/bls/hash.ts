/**
 * Hash functions and domain-separation tags for threshold BLS and IBE.
 * Spec: docs/bls.md ("Domain separation"), docs/ibe.md ("Hashes and domain-separation tags").
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { expand_message_xmd, hash_to_field } from '@noble/curves/abstract/hash-to-curve.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { G2Point } from '../group.js'
import { markCheckedG2 } from './points.js'

/** IETF BLS basic scheme, = noble's `bls12_381.longSignatures` default: combined signatures verify anywhere. */
export const BLS_SIGNATURE_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_'
/** Identity → G2 for IBE. Differs from the signature DST so signature shares never decrypt. */
export const IBE_IDENTITY_DST = 'LIT-BROWSER-IBE-V1-ID_BLS12381G2_XMD:SHA-256_SSWU_RO_'
export const IBE_MASK_DST = 'LIT-BROWSER-IBE-V1-H2-MASK'
export const IBE_NONCE_SCALAR_DST = 'LIT-BROWSER-IBE-V1-H3-R'
export const IBE_KEY_DST = 'LIT-BROWSER-IBE-V1-H4-KEY'
export const PUBLIC_KEY_SET_CHECK_DST = 'LIT-BROWSER-BLS-V1-PKS-CHECK'

const Fr = bls12_381.fields.Fr
const Fp12 = bls12_381.fields.Fp12
type Gt = ReturnType<typeof bls12_381.pairing>

const utf8 = new TextEncoder()

/** H(m) for signatures (docs/bls.md §1.1). */
export function hashMessageToG2 (message: Uint8Array): G2Point {
  return markCheckedG2(bls12_381.G2.hashToCurve(message, { DST: BLS_SIGNATURE_DST }) as G2Point)
}

/**
 * The last IDENTITY_CACHE_SIZE identities hashed, most recent last. H1 is most of a
 * decryption share's cost (~60%), and the same ciphertext is often opened again (several
 * readers of one text, a reload). Points are immutable, so sharing them is safe.
 */
export const IDENTITY_CACHE_SIZE = 256
const identityPoints = new Map<string, G2Point>()

/** H1(identity) for IBE (docs/ibe.md), memoised for the last IDENTITY_CACHE_SIZE identities. */
export function hashIdentityToG2 (identity: string): G2Point {
  const cached = identityPoints.get(identity)
  if (cached !== undefined) {
    identityPoints.delete(identity)
    identityPoints.set(identity, cached)
    return cached
  }
  const q = markCheckedG2(bls12_381.G2.hashToCurve(utf8.encode(identity), { DST: IBE_IDENTITY_DST }) as G2Point)
  identityPoints.set(identity, q)
  if (identityPoints.size > IDENTITY_CACHE_SIZE) identityPoints.delete(identityPoints.keys().next().value!)
  return q
}

/** H2: a GT element (after final exponentiation, hence uniquely encoded) → 32-byte mask. */
export function gtMask (gt: Gt): Uint8Array {
  return expand_message_xmd(Fp12.toBytes(gt), IBE_MASK_DST, 32, sha256)
}

/** H3: (σ, M) → scalar r in Fr; may be 0 only with probability ~2^-255 (caller re-draws). */
export function nonceScalar (sigma: Uint8Array, plaintext: Uint8Array): bigint {
  const input = new Uint8Array(sigma.length + 32)
  input.set(sigma, 0)
  input.set(sha256(plaintext), sigma.length)
  return hashToScalars(input, 1, IBE_NONCE_SCALAR_DST)[0]
}

/** H4: σ → 32-byte AEAD key. */
export function aeadKey (sigma: Uint8Array): Uint8Array {
  return expand_message_xmd(sigma, IBE_KEY_DST, 32, sha256)
}

/** `count` uniform scalars mod r (RFC 9380 hash_to_field, 128-bit security margin). */
export function hashToScalars (input: Uint8Array, count: number, dst: string): bigint[] {
  return hash_to_field(input, count, { DST: dst, p: Fr.ORDER, m: 1, k: 128, expand: 'xmd', hash: sha256 }).map((e) => e[0])
}
