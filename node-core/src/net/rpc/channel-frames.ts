/**
 * Channel frames (docs/net.md §2.4): many calls share one long-lived stream
 * per pair of peers, because on WebRTC every libp2p stream is a new data
 * channel, and opening and closing one per call cost more than the call.
 *
 *   frame   = varint length ‖ body                    (same prefix as §2.0)
 *   request = 0x01 ‖ callId u32 BE ‖ protoLen u8 ‖ protocol (ASCII) ‖ request envelope (§2.1)
 *   response= 0x02 ‖ callId u32 BE ‖ response envelope (§2.2, §2.3)
 *   cancel  = 0x03 ‖ callId u32 BE
 *
 * Pure functions over bytes, and an incremental splitter that applies the
 * length limit to each prefix before buffering any of the body.
 */
import { MalformedMessageError } from '../../errors.js'
import { FrameTooLargeError } from './frames.js'

export const CHANNEL_PROTOCOL = '/lit/channel/1.0.0'

/** Definitions whose request and response limits are at most this use a channel; larger ones get a stream per call. */
export const CHANNEL_MAX_BODY = 1024 * 1024
/** Header (kind, id, protocol) plus the largest envelope of a channel body. */
export const CHANNEL_MAX_FRAME = 1 + 4 + 1 + 255 + 2 + CHANNEL_MAX_BODY + 1024
/** Calls one channel serves at once; more are refused with ERR_UNAVAILABLE. */
export const MAX_CALLS_PER_CHANNEL = 256

export const ChannelFrameKind = { Request: 1, Response: 2, Cancel: 3 } as const

export type ChannelFrame =
  | { readonly kind: 'request', readonly callId: number, readonly protocol: string, readonly envelope: Uint8Array }
  | { readonly kind: 'response', readonly callId: number, readonly envelope: Uint8Array }
  | { readonly kind: 'cancel', readonly callId: number }

const PROTOCOL_PATTERN = /^\/[\x21-\x7e]{1,254}$/

function header (kind: number, callId: number, extra: number): Uint8Array {
  if (!Number.isInteger(callId) || callId < 1 || callId > 0xffffffff) throw new MalformedMessageError('channel callId', 'must be in [1, 2^32)')
  const out = new Uint8Array(5 + extra)
  out[0] = kind
  new DataView(out.buffer).setUint32(1, callId)
  return out
}

export function encodeChannelRequest (callId: number, protocol: string, envelope: Uint8Array): Uint8Array {
  if (!PROTOCOL_PATTERN.test(protocol)) throw new MalformedMessageError('channel protocol', 'must be printable ASCII starting with /')
  const proto = new TextEncoder().encode(protocol)
  const out = header(ChannelFrameKind.Request, callId, 1 + proto.length + envelope.length)
  out[5] = proto.length
  out.set(proto, 6)
  out.set(envelope, 6 + proto.length)
  return out
}

export function encodeChannelResponse (callId: number, envelope: Uint8Array): Uint8Array {
  const out = header(ChannelFrameKind.Response, callId, envelope.length)
  out.set(envelope, 5)
  return out
}

export function encodeChannelCancel (callId: number): Uint8Array {
  return header(ChannelFrameKind.Cancel, callId, 0)
}

export function decodeChannelFrame (bytes: Uint8Array): ChannelFrame {
  if (bytes.length < 5) throw new MalformedMessageError('channel frame', 'shorter than 5 bytes')
  const callId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1)
  if (callId === 0) throw new MalformedMessageError('channel callId', 'zero')
  switch (bytes[0]) {
    case ChannelFrameKind.Request: {
      if (bytes.length < 6) throw new MalformedMessageError('channel request', 'missing protocol length')
      const len = bytes[5]
      if (bytes.length < 6 + len) throw new MalformedMessageError('channel request', 'protocol cut short')
      let protocol = ''
      for (const b of bytes.subarray(6, 6 + len)) protocol += String.fromCharCode(b)
      if (!PROTOCOL_PATTERN.test(protocol)) throw new MalformedMessageError('channel protocol', 'not printable ASCII starting with /')
      return { kind: 'request', callId, protocol, envelope: bytes.subarray(6 + len) }
    }
    case ChannelFrameKind.Response:
      return { kind: 'response', callId, envelope: bytes.subarray(5) }
    case ChannelFrameKind.Cancel:
      if (bytes.length !== 5) throw new MalformedMessageError('channel cancel', 'trailing bytes')
      return { kind: 'cancel', callId }
    default:
      throw new MalformedMessageError('channel frame', `unknown kind ${bytes[0]}`)
  }
}

/**
 * Splits a byte stream into varint-prefixed frames. `push` returns the frames
 * completed by a chunk; it throws FrameTooLargeError from a prefix over the
 * limit and MalformedMessageError on a bad prefix (the stream is then unusable).
 */
export class FrameSplitter {
  private length = -1
  private prefixValue = 0
  private prefixBytes = 0
  private body: Uint8Array | undefined
  private filled = 0

  constructor (private readonly maxLength: number) {}

  /** True when no frame is half-read. */
  get idle (): boolean { return this.length < 0 && this.prefixBytes === 0 }

  push (chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    let i = 0
    while (i < chunk.length) {
      if (this.length < 0) {
        const byte = chunk[i++]
        this.prefixValue += (byte & 0x7f) * 2 ** (7 * this.prefixBytes)
        this.prefixBytes++
        if ((byte & 0x80) !== 0) {
          if (this.prefixBytes >= 4) throw new MalformedMessageError('frame length', 'varint longer than 4 bytes')
          continue
        }
        if (byte === 0 && this.prefixBytes > 1) throw new MalformedMessageError('frame length', 'non-minimal varint')
        this.length = this.prefixValue
        if (this.length > this.maxLength) throw new FrameTooLargeError(this.length, this.maxLength)
        this.body = new Uint8Array(this.length)
        this.filled = 0
      }
      const body = this.body as Uint8Array
      const take = Math.min(body.length - this.filled, chunk.length - i)
      body.set(chunk.subarray(i, i + take), this.filled)
      this.filled += take
      i += take
      if (this.filled === body.length) {
        out.push(body)
        this.length = -1
        this.prefixValue = 0
        this.prefixBytes = 0
        this.body = undefined
      }
    }
    return out
  }
}
