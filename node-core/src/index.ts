/**
 * Public entry of node-core that is safe everywhere (Node and browser): types,
 * pure functions and constants. Browser-only pieces are in ./browser.ts; the
 * Node relay in ./net/relay.ts.
 */
export { LitError, InvalidArgumentError, MalformedMessageError, ProtocolAbortError } from './errors.js'
export {
  STATUS_TOPIC, STATUS_INTERVAL_MS, STATUS_TTL_MS, RELAY_INFO_PATH, DEFAULT_RELAY_PORT, backoffDelay,
  type RelayInfo, type BackoffPolicy
} from './net/config.js'
export {
  buildMeshView, classifyLink, decodeStatus, encodeStatus, liveStatuses,
  type LinkKind, type LinkStatus, type MeshEdge, type MeshNode, type MeshView, type PeerRole, type PeerStatus, type ReceivedStatus
} from './net/status.js'
export type { MeshSnapshot, RelayState, RelayStatus, LocalLink, DialRecord } from './net/mesh.js'

// Threshold cryptography core (pure, no I/O). Specs in docs/.
export { Secp256k1, BlsG1, BlsG2, type Group, type GroupName } from './crypto/group.js'
export { secureRng, type Rng } from './crypto/random.js'
export { type KeyShare, type PublicKeySet, defaultEcdsaDegree, maxEcdsaDegree, defaultBlsDegree } from './crypto/key-share.js'
export type { ProtocolSession, Action } from './protocols/types.js'
export { DkgSession, runDkgInMemory, encodeKeyShare, decodeKeyShare, encodePublicKeySet, decodePublicKeySet } from './protocols/dkg/index.js'
export { PresignSession, runPresignInMemory, honestMajorityEcdsa, type ThresholdEcdsaScheme } from './protocols/presign/index.js'
export {
  Presignature, signShare, verifySignatureShare, combineSignatureShares, encodeSignatureShare, decodeSignatureShare,
  PresignatureReusedError, type SignRequest, type SignatureShare, type EcdsaSignature
} from './crypto/ecdsa/index.js'
export {
  blsSignShare, verifyBlsSignatureShare, combineBlsSignatureShares, verifyBlsSignature,
  ibeEncrypt, ibeDecryptionShare, verifyBlsDecryptionShare, combineAndDecrypt, accessControlIdentity, identityForData,
  NotEnoughSharesError, DecryptionFailedError
} from './crypto/bls/index.js'
