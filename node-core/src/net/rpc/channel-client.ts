/**
 * The caller's end of a channel (docs/net.md §3.7): one outbound stream to a
 * peer that carries many calls, each with its own call id, deadline and
 * cancellation. The stream ending, or the peer breaking the framing, fails
 * every call in flight with RpcStreamError; the service then opens a new one.
 */
import type { Logger, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import {
  CHANNEL_MAX_FRAME, FrameSplitter, decodeChannelFrame, encodeChannelCancel, encodeChannelRequest
} from './channel-frames.js'
import { RpcStreamError } from './errors.js'
import { encodeFrame } from './frames.js'
import { MessageTooLargeError } from './errors.js'

interface PendingCall {
  /** Largest response envelope this call accepts. */
  limit: number
  maxResponseBytes: number
  resolve: (envelope: Uint8Array) => void
  reject: (err: Error) => void
}

export class ChannelClient {
  private readonly pending = new Map<number, PendingCall>()
  private readonly splitter = new FrameSplitter(CHANNEL_MAX_FRAME)
  private nextId = 1
  private failure: Error | undefined

  constructor (private readonly stream: Stream, private readonly log: Logger, private readonly onEnd: () => void) {
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('close', this.onClose)
    stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
  }

  /** False once the channel has failed or closed; calls then go to a new channel. */
  get usable (): boolean { return this.failure === undefined && this.stream.status === 'open' }

  get inFlight (): number { return this.pending.size }

  /**
   * Send one request envelope and resolve with the response envelope. On abort
   * the call is forgotten and a cancel frame tells the server to stop working on it.
   */
  async call (protocol: string, envelope: Uint8Array, limit: number, maxResponseBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    if (this.failure !== undefined) throw this.failure
    signal.throwIfAborted()
    const callId = this.allocateId()
    const result = new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(callId, { limit, maxResponseBytes, resolve, reject })
    })
    const onAbort = (): void => {
      const call = this.pending.get(callId)
      if (call === undefined) return
      this.pending.delete(callId)
      call.reject(signal.reason)
      this.sendQuietly(encodeChannelCancel(callId))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      if (!this.stream.send(encodeFrame(encodeChannelRequest(callId, protocol, envelope)))) await this.stream.onDrain({ signal })
      return await result
    } catch (err) {
      this.pending.delete(callId)
      throw err
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  close (): void {
    this.fail(new RpcStreamError('channel closed'))
    void this.stream.close().catch(() => { this.stream.abort(new Error('channel closed')) })
  }

  private allocateId (): number {
    // Ids wrap after 2^32 - 1 calls; one still in flight is skipped.
    for (;;) {
      const id = this.nextId
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1
      if (!this.pending.has(id)) return id
    }
  }

  private sendQuietly (frame: Uint8Array): void {
    try {
      if (this.stream.status === 'open') this.stream.send(encodeFrame(frame))
    } catch {}
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    if (this.failure !== undefined) return
    const data = evt.data
    try {
      for (const chunk of data instanceof Uint8Array ? [data] : [...data]) {
        for (const bytes of this.splitter.push(chunk)) this.deliver(bytes)
      }
    } catch (err) {
      this.log('channel to %p broke its framing: %s', this.stream.id, err instanceof Error ? err.message : String(err))
      this.fail(new RpcStreamError('peer broke the channel framing', { cause: err }))
      this.stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private deliver (bytes: Uint8Array): void {
    const frame = decodeChannelFrame(bytes)
    if (frame.kind !== 'response') throw new RpcStreamError(`unexpected ${frame.kind} frame from the server`)
    const call = this.pending.get(frame.callId)
    // A response to a call we gave up (cancelled, timed out) is dropped.
    if (call === undefined) return
    this.pending.delete(frame.callId)
    if (frame.envelope.length > call.limit) {
      call.reject(new MessageTooLargeError('response', call.maxResponseBytes, `peer announced ${frame.envelope.length} bytes`))
      return
    }
    call.resolve(frame.envelope)
  }

  private readonly onRemoteCloseWrite = (): void => {
    this.fail(new RpcStreamError('channel ended by the peer'))
    void this.stream.close().catch(() => {})
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    this.fail(new RpcStreamError(evt.error != null ? `channel reset: ${evt.error.message}` : 'channel closed', { cause: evt.error }))
  }

  private fail (err: Error): void {
    if (this.failure !== undefined) return
    this.failure = err
    this.stream.removeEventListener('message', this.onMessage)
    for (const call of this.pending.values()) call.reject(err)
    this.pending.clear()
    this.onEnd()
  }
}
