/**
 * Threshold BLS signatures and threshold IBE on BLS12-381 (network key in G1, shares in G2).
 * Specs: docs/bls.md, docs/ibe.md.
 */
export { BLS_SIGNATURE_DST, IBE_IDENTITY_DST, hashMessageToG2, hashIdentityToG2 } from './hash.js'
export { NotEnoughSharesError, DecryptionFailedError } from './errors.js'
export type { CombineOptions, G2Partial } from './partials.js'
export {
  type BlsSignatureShare,
  blsSignShare,
  verifyBlsSignatureShare,
  findInvalidBlsSignatureShares,
  combineBlsSignatureShares,
  verifyBlsSignature
} from './signature.js'
export {
  type BlsDecryptionShare,
  ibeEncrypt,
  ibeDecryptionShare,
  verifyBlsDecryptionShare,
  findInvalidBlsDecryptionShares,
  combineBlsDecryptionShares,
  ibeDecrypt,
  combineAndDecrypt
} from './ibe.js'
export {
  type IbeCiphertext,
  IBE_SUITE_BLS12381_CHACHA20POLY1305,
  IBE_MAX_PLAINTEXT_BYTES,
  encodeBlsSignatureShare,
  decodeBlsSignatureShare,
  encodeBlsDecryptionShare,
  decodeBlsDecryptionShare,
  decodeBlsDecryptionShareOnCurve,
  blsSignatureToBytes,
  blsSignatureFromBytes,
  encodeBlsPublicKeySet,
  decodeBlsPublicKeySet,
  isConsistentBlsPublicKeySet,
  encodeIbeCiphertext,
  decodeIbeCiphertext
} from './codec.js'
export { ACCESS_CONTROL_IDENTITY_PREFIX, canonicalJson, hashAccessControlConditions, accessControlIdentity, identityForData } from './identity.js'
