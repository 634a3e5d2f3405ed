/**
 * Errors of threshold ECDSA (spec: docs/ecdsa.md). Each has a stable `name`
 * and `code`; protocol aborts reuse ProtocolAbortError with a specific code.
 */
import { LitError } from '../../errors.js'

/** Codes used with ProtocolAbortError by the presign protocol and combiner. */
export const EcdsaAbortCode = {
  /** A dealer's private share does not match its Feldman commitment. */
  BadShare: 'ERR_PRESIGN_BAD_SHARE',
  /** A round-2 proof (w_j, Y_j) does not verify. */
  BadProof: 'ERR_PRESIGN_BAD_PROOF',
  /** Parties saw different round-1 broadcasts (a dealer equivocated, or an echo lied). */
  InconsistentBroadcast: 'ERR_PRESIGN_INCONSISTENT_BROADCAST',
  /** Parties stayed silent past the round deadline. */
  Timeout: 'ERR_PRESIGN_TIMEOUT',
  /** w = a·k = 0 or R = identity: the run produced no usable presignature. */
  Degenerate: 'ERR_PRESIGN_DEGENERATE',
  /** Fewer than 2t+1 valid signature shares. */
  NotEnoughShares: 'ERR_SIGN_NOT_ENOUGH_SHARES'
} as const

/** A presignature was used to sign before. Signing twice with one nonce leaks the key. */
export class PresignatureReusedError extends LitError {
  constructor (id: string) {
    super(`presignature ${id} was already used`, 'ERR_PRESIGNATURE_REUSED')
  }
}

/** A presignature (or its re-randomised nonce) is unusable: r = 0, R = identity, w = 0. */
export class DegeneratePresignatureError extends LitError {
  constructor (reason: string) {
    super(`degenerate presignature: ${reason}`, 'ERR_PRESIGNATURE_DEGENERATE')
  }
}

/** The combined signature failed verification although every share checked out (a bug, never expected). */
export class SignatureVerificationError extends LitError {
  constructor (reason: string) {
    super(`combined ECDSA signature does not verify: ${reason}`, 'ERR_SIGNATURE_INVALID')
  }
}
