/**
 * The PKP registry: ownership and permissions agreed by consistent broadcast
 * with certificates (spec: docs/registry.md). Pure: no networking, no storage.
 */
export * from './constants.js'
export * from './types.js'
export * from './errors.js'
export { faultTolerance, quorumSize, committeeHash, validateCommittee, isNodeId } from './committee.js'
export { cidKey } from './cid.js'
export {
  REGISTRY_DOMAIN, REGISTRY_TYPES, typedDataOf, operationHash, signOperation, recoverOperationSigner,
  tokenIdOfPublicKey, registryTokenId, unsigned
} from './operation.js'
export { parseOperation, parseSignedOperation, parseCertificate } from './operation-codec.js'
export { type VoteStore, MemoryVoteStore } from './vote-store.js'
export { countersignMessage } from './countersign-message.js'
export { countersign, verifyCountersignature, type CountersignContext } from './countersign.js'
export { buildCertificate, verifyCertificate, isCertified } from './certificate.js'
export { checkTransition } from './transitions.js'
export { applyCertified, RegistryState, type RegistryView } from './registry-state.js'
export { catchUp, type CatchUpOptions, type CatchUpResult, type RejectedCertificate } from './catch-up.js'
export { authorizeSign, ownsPkp, isPermittedOnPkp, type SignRequest, type AuthorizeResult } from './permissions.js'
