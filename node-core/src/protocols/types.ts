/**
 * The shape every multi-party protocol takes (after cait-sith's `Protocol`):
 * a session is a pure state machine. The transport feeds it messages with the
 * sender's participant id (taken from the authenticated connection, never from
 * the message body) and forwards whatever it asks to send. Nothing in here
 * knows about libp2p, storage or the DOM.
 */
import type { ParticipantId } from '../crypto/shares.js'

export type Action<Output> =
  /** Send the same bytes to every other participant (a broadcast round). */
  | { kind: 'send-all', data: Uint8Array }
  /** Send bytes to exactly one participant (confidential: the transport must encrypt). */
  | { kind: 'send-private', to: ParticipantId, data: Uint8Array }
  /** The protocol finished with this output; the session accepts nothing more. */
  | { kind: 'return', output: Output }

export interface ProtocolSession<Output> {
  /** Participants of this run, sorted, including `me`. */
  readonly participants: readonly ParticipantId[]
  readonly me: ParticipantId
  /**
   * Advance as far as possible with what has been received and return the
   * actions to perform. Call after construction and after every `message`.
   * Throws ProtocolAbortError (with culprits) when the run cannot finish.
   */
  poke (): Array<Action<Output>>
  /**
   * Deliver bytes from `from`. Malformed or unexpected messages throw
   * MalformedMessageError/ProtocolAbortError naming `from`; the session's state
   * is unchanged by a message it refuses.
   */
  message (from: ParticipantId, data: Uint8Array): void
  /**
   * The transport's deadline for the current round passed: treat every message
   * still missing as never coming (the silent senders become culprits, or are
   * excluded where the protocol can go on without them). Optional: protocols
   * that cannot continue without everyone simply abort on the next poke.
   */
  expire? (): void
  /**
   * Whether `data` belongs to a round after the one the session waits on now
   * (its sender has closed this round already). Optional. The transport's round
   * deadline runs from the last message of the current round only: if later
   * rounds' messages put it off, a party whose deadline fired a little late is
   * pushed back a whole deadline by the others' next messages, and the others
   * then close their next round before its message of that round arrives.
   */
  isEarly? (data: Uint8Array): boolean
}

/** Returned when a run completes: each participant's output by id. */
export type RunResult<Output> = Map<ParticipantId, Output>
