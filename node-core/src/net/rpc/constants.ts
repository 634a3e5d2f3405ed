/**
 * Wire constants and limits of the request/response layer. The byte layout
 * they describe is specified in docs/net.md §2.
 */

/** Every protocol id is `/lit/<name>/<major>.0.0` (docs/net.md §1). */
export const PROTOCOL_PREFIX = '/lit'

/** First byte of every request and response frame; bump on any layout change. */
export const ENVELOPE_VERSION = 1

/** Second byte of a response frame. */
export const ResponseStatus = {
  Ok: 0,
  Error: 1
} as const

/**
 * Error codes a handler may send back (any `ERR_[A-Z0-9_]+` is allowed on the
 * wire; these are the ones this layer itself produces or that most services share).
 */
export const RpcErrorCode = {
  BadRequest: 'ERR_BAD_REQUEST',
  Unauthorized: 'ERR_UNAUTHORIZED',
  NotFound: 'ERR_NOT_FOUND',
  Unavailable: 'ERR_UNAVAILABLE',
  Internal: 'ERR_INTERNAL',
  /** The server refused the request from its length prefix. */
  RequestTooLarge: 'ERR_REQUEST_TOO_LARGE',
  /** The server's handler produced a response over the limit; nothing of it was sent. */
  ResponseTooLarge: 'ERR_RESPONSE_TOO_LARGE'
} as const

/** Wire shape of an error code: ASCII, at most MAX_ERROR_CODE_BYTES. */
export const ERROR_CODE_PATTERN = /^ERR_[A-Z0-9_]{1,60}$/
export const MAX_ERROR_CODE_BYTES = 64
/** Error messages are truncated to this many UTF-8 bytes before sending. */
export const MAX_ERROR_MESSAGE_BYTES = 512

/** Largest body any definition may declare (requests and responses alike). */
export const MAX_MESSAGE_BYTES_LIMIT = 16 * 1024 * 1024
/** Longest timeout any definition may declare. */
export const MAX_TIMEOUT_MS = 10 * 60 * 1000

/** Per-connection concurrent streams for one protocol, unless a definition says otherwise. */
export const DEFAULT_MAX_INBOUND_STREAMS = 64
export const DEFAULT_MAX_OUTBOUND_STREAMS = 64

/** Name segments: lower-case, digits, '-', '.', '_'; segments joined by '/'. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}(\/[a-z0-9][a-z0-9._-]{0,63}){0,3}$/
