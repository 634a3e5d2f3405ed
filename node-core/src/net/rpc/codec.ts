/**
 * Codecs turn typed values into bytes and back. `decode` receives bytes from
 * an untrusted peer: it must validate strictly (exact shape, ranges, no
 * trailing data) and throw MalformedMessageError on anything else.
 */
import { MalformedMessageError } from '../../errors.js'
import type { Schema } from './schema.js'

export interface Codec<T> {
  encode(value: T): Uint8Array
  /** Strict: throws MalformedMessageError for anything that is not a valid encoding. */
  decode(bytes: Uint8Array): T
}

/** Raw bytes, no interpretation (for bodies that carry their own wire format). */
export const bytesCodec: Codec<Uint8Array> = {
  encode: (value) => value,
  decode: (bytes) => bytes
}

/** An empty body (for requests or responses that carry no data). */
export const emptyCodec: Codec<undefined> = {
  encode: () => new Uint8Array(0),
  decode: (bytes) => {
    if (bytes.length !== 0) throw new MalformedMessageError('empty body', `${bytes.length} unexpected bytes`)
    return undefined
  }
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * JSON for small control messages, checked by a schema on decode (unknown
 * fields, wrong types and out-of-range values are refused). Also checked on
 * encode, so a node never sends what its peers would refuse.
 */
export function jsonCodec<T> (schema: Schema<T>, what = 'json message'): Codec<T> {
  return {
    encode (value) {
      schema.parse(value, what)
      return utf8Encoder.encode(JSON.stringify(value))
    },
    decode (bytes) {
      let text: string
      try {
        text = utf8Decoder.decode(bytes)
      } catch {
        throw new MalformedMessageError(what, 'not valid UTF-8')
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        throw new MalformedMessageError(what, 'not valid JSON')
      }
      return schema.parse(value, what)
    }
  }
}
