/**
 * Length-prefixed frames on a libp2p stream (docs/net.md §2.0): an unsigned
 * LEB128 varint (minimal, at most 4 bytes) followed by that many bytes.
 *
 * Our own reader rather than @libp2p/utils' lpStream, for one reason: the
 * limit must be applied to the *prefix*. lpStream's byte buffer aborts the
 * whole stream when a chunk larger than its buffer arrives, before the prefix
 * is even parsed, so the peer would get a reset instead of a typed refusal.
 * Here the prefix is parsed from the first bytes, a too-large length is refused
 * at once, and at most `maxLength` bytes are ever copied.
 */
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { MalformedMessageError } from '../../errors.js'

/** Largest varint prefix: 4 bytes encode up to 2^28 - 1, above any limit we allow. */
const MAX_PREFIX_BYTES = 4

/** The peer announced a frame longer than the limit (nothing of it was buffered). */
export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError'
  constructor (readonly length: number, readonly limit: number) {
    super(`frame of ${length} bytes exceeds ${limit}`)
  }
}

/** The peer closed its writable end before a whole frame arrived. */
export class FrameEndedError extends Error {
  override name = 'FrameEndedError'
  constructor (readonly received: number) {
    super(`stream ended after ${received} bytes, before a whole frame`)
  }
}

/** The stream was reset or aborted while reading. */
export class FrameStreamError extends Error {
  override name = 'FrameStreamError'
}

export function encodeFrame (frame: Uint8Array): Uint8Array {
  const prefix: number[] = []
  let n = frame.length
  do {
    const byte = n & 0x7f
    n = Math.floor(n / 128)
    prefix.push(n > 0 ? byte | 0x80 : byte)
  } while (n > 0)
  const out = new Uint8Array(prefix.length + frame.length)
  out.set(prefix, 0)
  out.set(frame, prefix.length)
  return out
}

/** Write one frame, waiting for the stream to drain if its buffer is full. */
export async function writeFrame (stream: Stream, frame: Uint8Array, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  if (!stream.send(encodeFrame(frame))) await stream.onDrain({ signal })
}

/**
 * Read exactly one frame of at most `maxLength` bytes. Bytes after the frame
 * in the same chunk are ignored (one frame per direction per stream).
 */
export async function readFrame (stream: Stream, maxLength: number, signal: AbortSignal): Promise<Uint8Array> {
  signal.throwIfAborted()
  return await new Promise<Uint8Array>((resolve, reject) => {
    let length = -1
    let prefixValue = 0
    let prefixBytes = 0
    let body: Uint8Array | undefined
    let filled = 0
    let received = 0
    let done = false

    const cleanup = (): void => {
      done = true
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('remoteCloseWrite', onEnd)
      stream.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
    }
    const fail = (err: unknown): void => { cleanup(); reject(err) }

    /** The peer will send nothing more: fail unless buffered bytes are still to be dispatched. */
    const onEnd = (): void => {
      if (!done && stream.readBufferLength === 0) fail(new FrameEndedError(received))
    }
    const onClose = (evt: StreamCloseEvent): void => {
      if (evt.error != null) fail(new FrameStreamError(evt.error.message, { cause: evt.error }))
      else onEnd()
    }
    const onAbort = (): void => { fail(signal.reason) }

    const consume = (chunk: Uint8Array): boolean => {
      let i = 0
      while (length < 0 && i < chunk.length) {
        const byte = chunk[i++]
        prefixValue += (byte & 0x7f) * 2 ** (7 * prefixBytes)
        prefixBytes++
        if ((byte & 0x80) === 0) {
          if (byte === 0 && prefixBytes > 1) {
            fail(new MalformedMessageError('frame length', 'non-minimal varint')); return true
          }
          length = prefixValue
          // Spec 2.0: refuse from the prefix, before buffering any of the body.
          if (length > maxLength) { fail(new FrameTooLargeError(length, maxLength)); return true }
          body = new Uint8Array(length)
        } else if (prefixBytes >= MAX_PREFIX_BYTES) {
          fail(new MalformedMessageError('frame length', 'varint longer than 4 bytes')); return true
        }
      }
      if (body == null) return false
      const take = Math.min(body.length - filled, chunk.length - i)
      body.set(chunk.subarray(i, i + take), filled)
      filled += take
      if (filled === body.length) {
        cleanup()
        resolve(body)
        return true
      }
      return false
    }

    const onMessage = (evt: StreamMessageEvent): void => {
      if (done) return
      const data = evt.data
      const chunks = data instanceof Uint8Array ? [data] : [...data]
      for (const chunk of chunks) {
        received += chunk.length
        if (consume(chunk)) return
      }
      if (stream.remoteWriteStatus === 'closed') onEnd()
    }

    stream.addEventListener('message', onMessage)
    stream.addEventListener('remoteCloseWrite', onEnd)
    stream.addEventListener('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
    if (stream.status !== 'open' && stream.readBufferLength === 0) {
      fail(stream.status === 'closed' ? new FrameEndedError(0) : new FrameStreamError(`stream ${stream.status}`))
    } else if (stream.remoteWriteStatus === 'closed') {
      onEnd()
    }
  })
}
