/**
 * The envelope around request and response bodies (docs/net.md §2). Pure
 * functions over bytes; the length prefix (unsigned varint) is added by the
 * stream layer.
 *
 *   request  frame = version(1) ‖ body
 *   response frame = version(1) ‖ status(1) ‖ (status = ok:    body
 *                                               status = error: codeLen(1) ‖ code(ASCII) ‖ message(UTF-8))
 */
import { MalformedMessageError } from '../../errors.js'
import {
  ENVELOPE_VERSION, ERROR_CODE_PATTERN, MAX_ERROR_CODE_BYTES, MAX_ERROR_MESSAGE_BYTES, ResponseStatus
} from './constants.js'

export type ResponseFrame =
  | { readonly ok: true, readonly body: Uint8Array }
  | { readonly ok: false, readonly code: string, readonly message: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Largest request frame a definition allows: version byte + body. */
export function requestFrameLimit (maxRequestBytes: number): number {
  return 1 + maxRequestBytes
}

/** Largest response frame: version + status + the larger of the body limit and a maximal error. */
export function responseFrameLimit (maxResponseBytes: number): number {
  return 2 + Math.max(maxResponseBytes, 1 + MAX_ERROR_CODE_BYTES + MAX_ERROR_MESSAGE_BYTES)
}

// Spec 2.1
export function encodeRequestFrame (body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + body.length)
  frame[0] = ENVELOPE_VERSION
  frame.set(body, 1)
  return frame
}

// Spec 2.1
export function decodeRequestFrame (frame: Uint8Array): Uint8Array {
  if (frame.length < 1) throw new MalformedMessageError('request envelope', 'empty frame')
  if (frame[0] !== ENVELOPE_VERSION) throw new MalformedMessageError('request envelope', `unsupported envelope version ${frame[0]}`)
  return frame.subarray(1)
}

// Spec 2.2
export function encodeOkFrame (body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(2 + body.length)
  frame[0] = ENVELOPE_VERSION
  frame[1] = ResponseStatus.Ok
  frame.set(body, 2)
  return frame
}

/** Cut UTF-8 to at most `max` bytes without splitting a character. */
function truncateUtf8 (bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes
  let end = max
  // bytes[end] is the first byte left out; if it continues a character, drop that character's start too.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return bytes.subarray(0, end)
}

// Spec 2.3
export function encodeErrorFrame (code: string, message: string): Uint8Array {
  if (!ERROR_CODE_PATTERN.test(code)) throw new MalformedMessageError('error code', 'must match ERR_[A-Z0-9_]+')
  const codeBytes = encoder.encode(code)
  const messageBytes = truncateUtf8(encoder.encode(message), MAX_ERROR_MESSAGE_BYTES)
  const frame = new Uint8Array(3 + codeBytes.length + messageBytes.length)
  frame[0] = ENVELOPE_VERSION
  frame[1] = ResponseStatus.Error
  frame[2] = codeBytes.length
  frame.set(codeBytes, 3)
  frame.set(messageBytes, 3 + codeBytes.length)
  return frame
}

// Spec 2.2, 2.3
export function decodeResponseFrame (frame: Uint8Array): ResponseFrame {
  const what = 'response envelope'
  if (frame.length < 2) throw new MalformedMessageError(what, 'shorter than 2 bytes')
  if (frame[0] !== ENVELOPE_VERSION) throw new MalformedMessageError(what, `unsupported envelope version ${frame[0]}`)
  if (frame[1] === ResponseStatus.Ok) return { ok: true, body: frame.subarray(2) }
  if (frame[1] !== ResponseStatus.Error) throw new MalformedMessageError(what, `unknown status ${frame[1]}`)
  if (frame.length < 3) throw new MalformedMessageError(what, 'missing error code length')
  const codeLength = frame[2]
  if (codeLength > MAX_ERROR_CODE_BYTES || frame.length < 3 + codeLength) {
    throw new MalformedMessageError(what, 'bad error code length')
  }
  let code: string
  let message: string
  try {
    code = decoder.decode(frame.subarray(3, 3 + codeLength))
    message = decoder.decode(frame.subarray(3 + codeLength))
  } catch {
    throw new MalformedMessageError(what, 'error text is not valid UTF-8')
  }
  if (!ERROR_CODE_PATTERN.test(code)) throw new MalformedMessageError(what, 'bad error code')
  if (frame.length - 3 - codeLength > MAX_ERROR_MESSAGE_BYTES) throw new MalformedMessageError(what, 'error message too long')
  return { ok: false, code, message }
}
