/**
 * The project's error base. Every error a caller may need to tell apart has a
 * stable `name` (the class) and `code` (a SCREAMING_SNAKE string that survives
 * serialisation across the wire and across the worker boundary).
 */
export class LitError extends Error {
  readonly code: string

  constructor (message: string, code: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** A caller passed arguments that can never work (set-up error, not a run-time fault). */
export class InvalidArgumentError extends LitError {
  constructor (field: string, reason: string) {
    super(`invalid ${field}: ${reason}`, 'ERR_INVALID_ARGUMENT')
  }
}

/** Bytes from outside (network, storage) that do not parse as what they claim to be. */
export class MalformedMessageError extends LitError {
  readonly field: string

  constructor (field: string, reason: string) {
    super(`malformed ${field}: ${reason}`, 'ERR_MALFORMED_MESSAGE')
    this.field = field
  }
}

/**
 * A protocol run failed because of identifiable parties. `culprits` are
 * participant ids (never connection ids); honest parties can exclude them and retry.
 */
export class ProtocolAbortError extends LitError {
  readonly culprits: readonly number[]

  constructor (message: string, culprits: readonly number[], code = 'ERR_PROTOCOL_ABORT') {
    super(`${message} (culprits: ${culprits.join(', ') || 'none'})`, code)
    this.culprits = [...culprits].sort((a, b) => a - b)
  }
}
