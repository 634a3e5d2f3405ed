/**
 * DKG errors. Set-up mistakes are InvalidArgumentError (errors.ts); bytes that
 * do not decode, or that belong to another session, are MalformedMessageError;
 * the classes here refuse well-formed messages that break the session's rules
 * and always name the sender. A run that cannot finish throws
 * ProtocolAbortError with code ERR_DKG_ABORT and the culprits.
 */
import { LitError, ProtocolAbortError } from '../../errors.js'
import type { ParticipantId } from '../../crypto/shares.js'

/** A well-formed message that the session refuses; `from` is the sender as the transport saw it. */
export class DkgMessageError extends LitError {
  readonly from: ParticipantId

  constructor (from: ParticipantId, message: string, code: string) {
    super(`message from ${from}: ${message}`, code)
    this.from = from
  }
}

/** The sender is not a participant of this session (or is this party itself). */
export class UnknownSenderError extends DkgMessageError {
  constructor (from: ParticipantId) {
    super(from, 'sender is not another participant of this session', 'ERR_UNKNOWN_SENDER')
  }
}

/** A second message of the same kind from the same sender: the first one counts. */
export class DuplicateMessageError extends DkgMessageError {
  constructor (from: ParticipantId, kind: string) {
    super(from, `duplicate ${kind}`, 'ERR_DUPLICATE_MESSAGE')
  }
}

/** A message that arrives after its round closed, after the session ended, or that breaks a rule of its round. */
export class UnexpectedMessageError extends DkgMessageError {
  constructor (from: ParticipantId, reason: string) {
    super(from, reason, 'ERR_UNEXPECTED_MESSAGE')
  }
}

/** A round function was called out of order, or with a secret package that was already consumed. */
export class DkgStateError extends LitError {
  constructor (message: string) {
    super(message, 'ERR_DKG_STATE')
  }
}

export const DKG_ABORT = 'ERR_DKG_ABORT'

export function dkgAbort (message: string, culprits: Iterable<ParticipantId>): ProtocolAbortError {
  return new ProtocolAbortError(`DKG aborted: ${message}`, [...culprits], DKG_ABORT)
}
