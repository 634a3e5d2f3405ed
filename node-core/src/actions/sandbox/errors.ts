/**
 * Errors of the Lit Action sandbox (docs/actions.md §2, §3).
 *
 * Two kinds:
 * - errors for the node's code (LitError subclasses with `name` and `code`):
 *   a refused jsParams key, a cancelled run, a worker that broke the protocol;
 * - `GuestError`: an error the runner throws *into* the action (the action sees
 *   an Error with exactly this `name` and `message`, and may catch it).
 */
import { LitError } from '../../errors.js'
import { BadRequestError } from '../../net/rpc/errors.js'

/** actions.md §3.2: a jsParams key that is not an identifier or would shadow a §3.1 global; refused before running. */
export class JsParamsKeyError extends BadRequestError {
  readonly key: string

  constructor (key: string, reason: string) {
    super(key === '' ? reason : `jsParams key ${JSON.stringify(key.slice(0, 64))} ${reason}`)
    this.key = key
  }
}

/** actions.md §3.10: a worker message that does not parse, or names an unknown run or call. */
export class SandboxProtocolError extends LitError {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_SANDBOX_PROTOCOL', options)
  }
}

/** The caller's AbortSignal fired before the run ended (the client cancelled the request). */
export class SandboxCancelledError extends LitError {
  constructor (message = 'action run cancelled') {
    super(message, 'ERR_ABORTED')
  }
}

/** The pool was stopped: no new run is taken and queued runs are refused. */
export class SandboxStoppedError extends LitError {
  constructor (message = 'sandbox pool stopped') {
    super(message, 'ERR_SANDBOX_STOPPED')
  }
}

/**
 * An error raised inside the action by the host side of a call (argument
 * checks of §3.3–§3.7, DuplicateSigNameError, a host refusal passed through).
 * Only `name` and `message` cross into the engine (no host stack, §3.9).
 */
export class GuestError extends Error {
  constructor (name: string, message: string) {
    super(message)
    this.name = name
  }
}
