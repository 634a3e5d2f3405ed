/**
 * Threshold ECDSA over secp256k1, honest majority (DJNPØ20 family), with
 * presignatures and individually verifiable signature shares. Spec: docs/ecdsa.md.
 */
export { EcdsaAbortCode, PresignatureReusedError, DegeneratePresignatureError, SignatureVerificationError } from './errors.js'
export { type DleqProof, type DleqContext, type DleqInstance, proveDleq, verifyDleq, batchVerifyDleq, dleqChallenge } from './dleq.js'
export { msmPublicStraus, msmIsIdentity, mulPublicAffine } from './msm.js'
export { invertPublic, interpolateAt } from './scalar.js'
export {
  type OpeningProof, type OpeningStatement, type SummedCommitments, openingChallenge, proveOpening, verifyOpenings
} from './opening-proof.js'
export {
  type PresignRound1Message, type PresignRound1Share, type PresignRound2Message,
  encodeRound1, decodeRound1, encodeRound1Share, decodeRound1Share, encodeRound2, decodeRound2, MAX_SESSION_ID_BYTES,
  UNCOMPRESSED_POINT_BYTES
} from './messages.js'
export {
  type PresignContext, type PresignRound1Secret, type PresignRound2Secret, type PresignPartyPoints,
  validatePresignContext, presignRound1, presignRound2, presignFinish, round1Digest
} from './presign.js'
export {
  Presignature, type PresignaturePublic, type PresignPartyPublic,
  encodePresignaturePublic, decodePresignaturePublic, readPresignatureHeader, type PresignatureHeader, presignatureIdHex
} from './presignature.js'
export {
  type SignRequest, type SignatureShare, type EcdsaSignature, type CombineResult, type SigningNonce, type CombineOptions as SignatureCombineOptions,
  validateSignRequest, rerandomiser, signingNonce, signShare, verifySignatureShare, verifySignatureShares, combineSignatureShares,
  encodeSignatureShare, decodeSignatureShare, assertShareFrom, MAX_ENTROPY_BYTES
} from './sign.js'
