/** Distributed key generation (Joint-Feldman with complaints). Spec: docs/dkg.md. */
export { DKG_PROTOCOL } from './constants.js'
export * from './types.js'
export * from './errors.js'
export { pokChallenge, provePok, verifyPok } from './pok.js'
export { messageDigest, NO_DIGEST } from './digest.js'
export {
  GROUP_CODES, GROUPS_BY_CODE, peekKind,
  encodeDkgRound1, decodeDkgRound1, encodeDkgShare, decodeDkgShare,
  encodeDkgComplaint, decodeDkgComplaint, encodeDkgAnswer, decodeDkgAnswer,
  encodeDkgResult, decodeDkgResult,
  encodePublicKeySet, decodePublicKeySet, encodeKeyShare, decodeKeyShare, isConsistentPublicKeySet
} from './codec.js'
export {
  assertDkgContext, commitmentDigest, dkgRound1, dkgRound2, dkgRound3, dkgRound4, dkgFinish,
  DkgRound1Secret, DkgRound2Secret, DkgRound3Secret, DkgRound4Secret
} from './rounds.js'
export type { DkgRound1Output, DkgRound2Output, DkgRound3Output, DkgRound4Output } from './rounds.js'
export { DkgSession, DKG_TRANSITIONS, type DkgPhase } from './session.js'
export { runDkgInMemory } from './run.js'
