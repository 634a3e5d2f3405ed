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

// ---- Client SDK (docs/node-runtime.md §9; node-core/src/client/) ------------------------------
export { LitClient, DEFAULT_TIMEOUTS, type LitClientInit, type ClientTimeouts, type CallOptions, type ConnectOptions } from './client/lit-client.js'
export {
  NotEnoughNodesError, UnauthorizedError, TimeoutError, BadShareError, NotFoundError, NoNetworkKeyError, AbortedError,
  MintFailedError, PlaintextMismatchError, ClientErrorCode, FaultCode, RegistryRefusedError, PkpNotRegisteredError, PendingOperationError,
  type NodeFault
} from './client/errors.js'
export type { AuthSigFactory } from './client/auth-cache.js'
export { defaultAuthSigFactory, authSigFactory, type AuthSigFactoryOptions } from './client/default-auth.js'
export type {
  NetworkNode, NetworkInfo, MintedPkp, PkpSummary, MintPhase, MintProgress, MintOptions, PkpSignRequest, ShareFault,
  PkpSignature, EncryptRequest, EncryptResponse, DecryptRequest, DecryptResponse, MintRegistryStatus, PkpPermissions,
  RegistryOperationResult, RegistryHistoryEntry, PkpRegistryEntry
} from './client/types.js'
export {
  callerIs, currentActionIs, anyone, ownsPkp, permittedOnPkp, callerIn, type AccessControlCondition, type AccessControlConditions
} from './node/access-conditions.js'
// Lit Actions (docs/actions.md §6)
export {
  type ExecuteJsRequest, type ExecuteJsResult, type ExecuteJsProgress, type ActionSignature, type ActionNodeAnswer, type ActionFault,
  type UploadedAction
} from './client/execute-js.js'
export {
  ActionLimitError, ActionFailedError, ActionNotFoundError, ResponseDisagreementError, SignatureDisagreementError, MissingSignatureError,
  type AnswerGroup
} from './client/action-errors.js'
export { actionCid } from './actions/cid.js'
// ---- end of the client SDK block ---------------------------------------------------------------

// ---- Node services (docs/node-runtime.md; node-core/src/node/) ---------------------------------
export {
  LitNode, DEFAULT_LIT_NODE_CONFIG, type LitNodeInit, type LitNodeConfig, type LitNodeSnapshot, type NodeNetworkKeyView, type NodePkpView
} from './node/lit-node.js'
export type { NodeRpc, PeerDirectory, NodeHandler, NodeHandlerContext, NodeRequestOptions } from './node/transport.js'
export { MemoryNetwork, memoryPeerIds, memoryPeerKey, type MemoryNetworkInit, type MemoryPeerRole } from './node/memory-transport.js'
export { SessionHub, committeePeers, DEFAULT_ROUND_TIMEOUT_MS, type SessionHubInit, type SessionRun } from './node/session-hub.js'
export {
  SessionFailedError, SessionTimeoutError, SessionCancelledError, SessionReplayError, ERR_PRESIGNATURE_USED
} from './node/errors.js'
export { type AuthSigVerifier, assertMayUsePkp, pkpUseDecision, type PkpUseDecision } from './node/caller-auth.js'
export { RegistryService, REGISTRY_EPOCH, type NodeRegistry } from './node/registry-service.js'
export { peerIdMemberKeys, memberSignerFromKey } from './node/registry-keys.js'
export { faultsFromQuery, type NodeFaults } from './node/faults.js'
export { poolTargetFromQuery, actionFetchAllowFromQuery, actionWallMsFromQuery } from './node/tab-options.js'
export type { GenesisState } from './node/genesis.js'
export type { OperationView, OperationKind } from './node/op-status.js'
export type { LogSink, LogLevel } from './node/log.js'
export type { Clock } from './node/clock.js'
export { tokenIdOf, ethAddressOf } from './node/pkp-keys.js'
export * as rpcDefinitions from './node/rpc-definitions.js'
// SIWE auth signatures (docs/node-runtime.md §6)
export { createAuthSig, verifyAuthSig, AuthVerifier, AuthError, InvalidAuthSigError, domainAllowed, defaultAuthDomains } from './auth/index.js'
// ---- end of the node services block ------------------------------------------------------------
