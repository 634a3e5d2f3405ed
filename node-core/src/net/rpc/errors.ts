/**
 * Errors of the message layer (docs/net.md §4).
 *
 * Two families:
 * - `RpcError` and its subclasses are thrown by *handlers*; their `code` and
 *   `message` travel to the caller, who receives them as a `RemoteError`. Any
 *   other error a handler throws is logged locally and reported as
 *   `ERR_INTERNAL` with a fixed message, so no stack trace or internal detail
 *   ever leaves the node.
 * - The remaining classes are raised on the *caller's* side.
 */
import { LitError } from '../../errors.js'
import { RpcErrorCode } from './constants.js'

/** An error a handler deliberately reports to the remote caller (code and message are public). */
export class RpcError extends LitError {}

/** The request parsed but makes no sense (or failed to parse). */
export class BadRequestError extends RpcError {
  constructor (message = 'bad request') { super(message, RpcErrorCode.BadRequest) }
}

/** The authenticated peer may not do this. */
export class UnauthorizedError extends RpcError {
  constructor (message = 'unauthorized') { super(message, RpcErrorCode.Unauthorized) }
}

/** The thing asked for does not exist here. */
export class NotFoundError extends RpcError {
  constructor (message = 'not found') { super(message, RpcErrorCode.NotFound) }
}

/** The node cannot serve this now (busy, not ready, stopping); retrying later may work. */
export class UnavailableError extends RpcError {
  constructor (message = 'unavailable') { super(message, RpcErrorCode.Unavailable) }
}

/** The handler failed for a reason it does not disclose. */
export class InternalError extends RpcError {
  constructor (message = 'internal error') { super(message, RpcErrorCode.Internal) }
}

/** The peer's handler answered with an error; `code` is the peer's code (e.g. ERR_UNAUTHORIZED). */
export class RemoteError extends LitError {
  /** The remote peer, as a string peer id. */
  readonly remotePeer: string

  constructor (code: string, message: string, remotePeer: string) {
    super(message === '' ? `remote error ${code}` : message, code)
    this.remotePeer = remotePeer
  }
}

/** The call did not finish within the definition's `timeoutMs`. */
export class RpcTimeoutError extends LitError {
  constructor (message = 'request timed out', options?: { cause?: unknown }) {
    super(message, 'ERR_RPC_TIMEOUT', options)
  }
}

/** The caller's AbortSignal fired, or the service was stopped, before the call finished. */
export class RpcAbortedError extends LitError {
  constructor (message = 'request aborted', options?: { cause?: unknown }) {
    super(message, 'ERR_RPC_ABORTED', options)
  }
}

/** The peer does not speak this protocol name/version (multistream-select failed). */
export class UnsupportedProtocolError extends LitError {
  readonly protocol: string

  constructor (protocol: string, options?: { cause?: unknown }) {
    super(`peer does not support ${protocol}`, 'ERR_UNSUPPORTED_PROTOCOL', options)
    this.protocol = protocol
  }
}

/**
 * A request or response exceeds the definition's limit. Raised before sending
 * (our own message), while reading (the peer's message, refused from its length
 * prefix before the body is buffered), or when the peer refused ours.
 */
export class MessageTooLargeError extends LitError {
  readonly direction: 'request' | 'response' | 'broadcast'
  readonly limit: number

  constructor (direction: 'request' | 'response' | 'broadcast', limit: number, detail?: string, options?: { cause?: unknown }) {
    super(`${direction} exceeds ${limit} bytes${detail != null ? ` (${detail})` : ''}`, 'ERR_MESSAGE_TOO_LARGE', options)
    this.direction = direction
    this.limit = limit
  }
}

/** No connection to the peer could be opened. */
export class PeerUnreachableError extends LitError {
  constructor (peer: string, options?: { cause?: unknown }) {
    super(`peer ${peer} is unreachable`, 'ERR_PEER_UNREACHABLE', options)
  }
}

/** The stream failed (reset, closed early) after it was opened and before a full response arrived. */
export class RpcStreamError extends LitError {
  constructor (message = 'stream ended before a response arrived', options?: { cause?: unknown }) {
    super(message, 'ERR_RPC_STREAM', options)
  }
}

/** A call was made on a service that is not started. */
export class RpcNotStartedError extends LitError {
  constructor (message = 'service is not started') {
    super(message, 'ERR_NOT_STARTED')
  }
}
