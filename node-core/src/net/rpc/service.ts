/**
 * Typed request/response over libp2p streams (docs/net.md §3): one request and
 * one response per stream, each a length-prefixed envelope frame.
 *
 * The service only needs a narrow slice of a libp2p node (handle, unhandle,
 * dialProtocol, logger). The remote peer handed to handlers is always the
 * authenticated connection's peer (noise), never anything from the message.
 */
import { isPeerId, type Connection, type Libp2p, type PeerId, type Startable, type Stream, type StreamMessageEvent, type Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError, MalformedMessageError } from '../../errors.js'
import { MAX_TIMEOUT_MS, RpcErrorCode } from './constants.js'
import type { RpcDefinition } from './definition.js'
import {
  decodeRequestFrame, decodeResponseFrame, encodeErrorFrame, encodeOkFrame, encodeRequestFrame,
  requestFrameLimit, responseFrameLimit
} from './envelope.js'
import {
  MessageTooLargeError, PeerUnreachableError, RemoteError, RpcError, RpcNotStartedError, RpcStreamError,
  UnsupportedProtocolError
} from './errors.js'
import { FrameEndedError, FrameTooLargeError, encodeFrame, readFrame, writeFrame } from './frames.js'
import { CallScope, raceAbort } from './scope.js'
import {
  CHANNEL_MAX_BODY, CHANNEL_MAX_FRAME, CHANNEL_PROTOCOL, FrameSplitter, MAX_CALLS_PER_CHANNEL,
  decodeChannelFrame, encodeChannelResponse
} from './channel-frames.js'
import { ChannelClient } from './channel-client.js'

/** What the service needs from a libp2p node. A full `Libp2p` satisfies it. */
export type RpcComponents = Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'logger'>

/** A peer to call: its id (libp2p finds or reuses a connection) or addresses. */
export type RpcTarget = PeerId | Multiaddr | Multiaddr[]

export interface HandlerContext {
  /** The authenticated peer on the other end of the connection. */
  readonly remotePeer: PeerId
  readonly connection: Connection
  /** Aborts on the definition's timeout, when the caller resets the stream, or when the service stops. */
  readonly signal: AbortSignal
}

/**
 * Serves one request. Throw an RpcError (UnauthorizedError, NotFoundError, …)
 * to send a typed error back; anything else is reported as ERR_INTERNAL.
 */
export type RpcHandler<Req, Res> = (request: Req, context: HandlerContext) => Res | Promise<Res>

export interface RpcServiceOptions {
  /**
   * Carry calls between two peers on one long-lived channel stream (docs/net.md
   * §3.7) instead of a stream per call. Default true; peers without the channel
   * protocol, relayed (limited) connections and definitions with limits above
   * CHANNEL_MAX_BODY always get a stream per call.
   */
  channels?: boolean
}

/** How long opening a channel may take before the call fails as it would on a dial. */
const CHANNEL_OPEN_TIMEOUT_MS = 10_000
/** After a peer turned the channel protocol down, use streams with it this long before asking again. */
const NO_CHANNEL_RETRY_MS = 60_000
/** Channel streams a peer may have open to us at once. */
const MAX_CHANNEL_STREAMS = 4
/** Error code a channel answers for a protocol nobody handles (a stream would fail multistream-select). */
const ERR_UNSUPPORTED_PROTOCOL = 'ERR_UNSUPPORTED_PROTOCOL'

/** callOnChannel's answer when the peer's channel has no handler for the protocol. */
const NOT_ROUTED = Symbol('not routed')

interface Route { definition: RpcDefinition<any, any>, handler: RpcHandler<any, any> }

export interface RequestOptions {
  signal?: AbortSignal
  /** Override the definition's timeout for this call. */
  timeoutMs?: number
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

function nameOf (err: unknown): string {
  return err instanceof Error ? err.name : typeof err
}

export class RpcService implements Startable {
  private readonly components: RpcComponents
  private readonly log: Logger
  private readonly protocols = new Set<string>()
  private readonly scopes = new Set<CallScope>()
  private readonly routes = new Map<string, Route>()
  private readonly useChannels: boolean
  private readonly channels = new Map<string, ChannelClient>()
  private readonly opening = new Map<string, Promise<ChannelClient | undefined>>()
  private readonly noChannelUntil = new Map<string, number>()
  private readonly inboundChannels = new Set<Stream>()
  private started = false

  constructor (components: RpcComponents, options: RpcServiceOptions = {}) {
    this.components = components
    this.log = components.logger.forComponent('lit:net:rpc')
    this.useChannels = options.channels ?? true
  }

  readonly [Symbol.toStringTag] = 'lit:net:rpc'

  isStarted (): boolean { return this.started }

  async start (): Promise<void> {
    if (this.started) return
    if (this.useChannels) {
      try {
        await this.components.handle(CHANNEL_PROTOCOL, (stream, connection) => { this.serveChannel(stream, connection) }, {
          maxInboundStreams: MAX_CHANNEL_STREAMS, maxOutboundStreams: MAX_CHANNEL_STREAMS, runOnLimitedConnection: false
        })
        this.protocols.add(CHANNEL_PROTOCOL)
      } catch (err) {
        // A second service on one libp2p node: the first serves inbound channels; this one still calls over channels,
        // and a call its peer's channel cannot route falls back to a stream of its own protocol.
        if (nameOf(err) !== 'DuplicateProtocolHandlerError') throw err
        this.log('another service serves %s on this node', CHANNEL_PROTOCOL)
      }
    }
    this.started = true
  }

  /** Unregisters every handler and ends every call in flight (callers get RpcAbortedError). */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const protocols = [...this.protocols]
    this.protocols.clear()
    this.routes.clear()
    if (protocols.length > 0) await this.components.unhandle(protocols)
    for (const scope of this.scopes) scope.end('stopped')
    this.scopes.clear()
    for (const channel of this.channels.values()) channel.close()
    this.channels.clear()
    for (const stream of this.inboundChannels) stream.abort(new Error('service stopped'))
    this.inboundChannels.clear()
  }

  private openScope (timeoutMs: number, signal?: AbortSignal): CallScope {
    const scope = new CallScope(timeoutMs, signal)
    this.scopes.add(scope)
    return scope
  }

  private closeScope (scope: CallScope): void {
    scope.dispose()
    this.scopes.delete(scope)
  }

  // ---------------------------------------------------------------- server

  /** Serve `definition` with `handler` until unhandle() or stop(). */
  async handle<Req, Res> (definition: RpcDefinition<Req, Res>, handler: RpcHandler<Req, Res>): Promise<void> {
    if (!this.started) throw new RpcNotStartedError()
    await this.components.handle(definition.protocol, (stream, connection) => this.serve(definition, handler, stream, connection), {
      maxInboundStreams: definition.maxInboundStreams,
      maxOutboundStreams: definition.maxOutboundStreams,
      runOnLimitedConnection: definition.runOnLimitedConnection
    })
    this.protocols.add(definition.protocol)
    this.routes.set(definition.protocol, { definition, handler })
  }

  async unhandle (definition: RpcDefinition<unknown, unknown>): Promise<void> {
    this.routes.delete(definition.protocol)
    if (!this.protocols.delete(definition.protocol)) return
    await this.components.unhandle(definition.protocol)
  }

  /**
   * One inbound stream. Never throws: whatever goes wrong ends this stream
   * (error frame or reset) and leaves the connection and other streams alone.
   */
  private async serve<Req, Res> (
    definition: RpcDefinition<Req, Res>, handler: RpcHandler<Req, Res>, stream: Stream, connection: Connection
  ): Promise<void> {
    const remotePeer = connection.remotePeer
    const scope = this.openScope(definition.timeoutMs)
    const onClose = (): void => { scope.end('closed') }
    stream.addEventListener('close', onClose)
    const { signal } = scope
    const reply = async (frame: Uint8Array): Promise<void> => {
      await writeFrame(stream, frame, signal)
      await stream.close({ signal })
    }
    const refuse = async (code: string, message: string): Promise<void> => {
      this.log('%s from %p refused: %s %s', definition.protocol, remotePeer, code, message)
      // Whatever else the peer sends is dropped unread, so it cannot overflow the buffer and reset our answer.
      await stream.closeRead({ signal })
      await reply(encodeErrorFrame(code, message))
    }

    try {
      // Spec 3.2: read exactly one request frame.
      let body: Uint8Array
      try {
        // Spec 3.2: the limit applies to the length prefix, so an oversized body is refused before it is buffered.
        const frame = await readFrame(stream, requestFrameLimit(definition.maxRequestBytes), signal)
        // One request per stream: anything after it is dropped unread.
        await stream.closeRead({ signal })
        body = decodeRequestFrame(frame)
      } catch (err) {
        if (scope.reason != null) throw err
        if (err instanceof FrameTooLargeError) {
          await refuse(RpcErrorCode.RequestTooLarge, `request exceeds ${definition.maxRequestBytes} bytes`)
          return
        }
        if (err instanceof MalformedMessageError || err instanceof FrameEndedError) {
          await refuse(RpcErrorCode.BadRequest, err.message)
          return
        }
        throw err
      }

      // Spec 3.3, 3.4
      const frame = await this.respond(definition, handler, body, { remotePeer, connection, signal }, scope)
      // Spec 3.5
      await reply(frame)
    } catch (err) {
      this.log('%s stream from %p reset: %s', definition.protocol, remotePeer, scope.reason ?? nameOf(err))
      stream.abort(asError(scope.error() ?? err))
    } finally {
      stream.removeEventListener('close', onClose)
      this.closeScope(scope)
    }
  }

  /**
   * Decode a request body strictly, run the handler under the call's scope and
   * encode its answer (Spec 3.3, 3.4): the response frame, ok or error. Throws
   * only when the scope ended (the caller then sends nothing).
   */
  private async respond<Req, Res> (
    definition: RpcDefinition<Req, Res>, handler: RpcHandler<Req, Res>, body: Uint8Array, context: HandlerContext, scope: CallScope
  ): Promise<Uint8Array> {
    let request: Req
    try {
      request = definition.request.decode(body)
    } catch (err) {
      if (err instanceof MalformedMessageError) return encodeErrorFrame(RpcErrorCode.BadRequest, err.message)
      this.log.error('%s request decoder threw %s (expected MalformedMessageError)', definition.protocol, nameOf(err))
      return encodeErrorFrame(RpcErrorCode.BadRequest, 'request did not decode')
    }
    try {
      const response = await raceAbort(Promise.resolve().then(() => handler(request, context)), context.signal)
      const encoded = definition.response.encode(response)
      if (encoded.length > definition.maxResponseBytes) {
        this.log.error('%s handler produced %d bytes, limit %d', definition.protocol, encoded.length, definition.maxResponseBytes)
        return encodeErrorFrame(RpcErrorCode.ResponseTooLarge, `response exceeds ${definition.maxResponseBytes} bytes`)
      }
      return encodeOkFrame(encoded)
    } catch (err) {
      if (scope.reason != null) throw err
      return this.errorFrameFor(definition, err)
    }
  }

  /**
   * One inbound channel (Spec 3.7): many calls on one stream. Never throws. A
   * frame that breaks the framing resets this channel only; a bad call gets an
   * error response and the channel goes on.
   */
  private serveChannel (stream: Stream, connection: Connection): void {
    const remotePeer = connection.remotePeer
    const splitter = new FrameSplitter(CHANNEL_MAX_FRAME)
    const calls = new Map<number, CallScope>()
    this.inboundChannels.add(stream)
    const send = (callId: number, envelope: Uint8Array): void => {
      if (stream.status !== 'open' || stream.writeStatus !== 'writable') return
      // The write buffer absorbs bursts; a peer that never reads is bounded by its own call limit.
      stream.send(encodeFrame(encodeChannelResponse(callId, envelope)))
    }
    const end = (): void => {
      this.inboundChannels.delete(stream)
      stream.removeEventListener('message', onMessage)
      for (const scope of calls.values()) scope.end('closed')
      calls.clear()
    }
    const onMessage = (evt: StreamMessageEvent): void => {
      const data = evt.data
      try {
        for (const chunk of data instanceof Uint8Array ? [data] : [...data]) {
          for (const bytes of splitter.push(chunk)) onFrame(bytes)
        }
      } catch (err) {
        this.log('channel from %p reset: %s', remotePeer, err instanceof Error ? err.message : String(err))
        end()
        stream.abort(asError(err))
      }
    }
    const onFrame = (bytes: Uint8Array): void => {
      const frame = decodeChannelFrame(bytes)
      if (frame.kind === 'cancel') {
        calls.get(frame.callId)?.end('aborted')
        return
      }
      if (frame.kind !== 'request') throw new MalformedMessageError('channel frame', 'a server only takes requests and cancels')
      if (calls.has(frame.callId)) throw new MalformedMessageError('channel callId', 'already in flight')
      const route = this.routes.get(frame.protocol)
      if (route === undefined) {
        send(frame.callId, encodeErrorFrame(ERR_UNSUPPORTED_PROTOCOL, `no handler for ${frame.protocol}`))
        return
      }
      const { definition, handler } = route
      if (calls.size >= MAX_CALLS_PER_CHANNEL) {
        send(frame.callId, encodeErrorFrame(RpcErrorCode.Unavailable, `more than ${MAX_CALLS_PER_CHANNEL} calls in flight on this channel`))
        return
      }
      if (frame.envelope.length > requestFrameLimit(definition.maxRequestBytes)) {
        send(frame.callId, encodeErrorFrame(RpcErrorCode.RequestTooLarge, `request exceeds ${definition.maxRequestBytes} bytes`))
        return
      }
      let body: Uint8Array
      try {
        body = decodeRequestFrame(frame.envelope)
      } catch (err) {
        send(frame.callId, encodeErrorFrame(RpcErrorCode.BadRequest, err instanceof Error ? err.message : 'bad envelope'))
        return
      }
      const scope = this.openScope(definition.timeoutMs)
      calls.set(frame.callId, scope)
      void this.respond(definition, handler, body, { remotePeer, connection, signal: scope.signal }, scope)
        .then((response) => { send(frame.callId, response) }, (err) => {
          this.log('%s call %d from %p ended: %s', definition.protocol, frame.callId, remotePeer, scope.reason ?? nameOf(err))
        })
        .finally(() => {
          if (calls.get(frame.callId) === scope) calls.delete(frame.callId)
          this.closeScope(scope)
        })
    }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', end, { once: true })
    stream.addEventListener('remoteCloseWrite', () => { void stream.close().catch(() => {}) }, { once: true })
  }

  /** A handler's error as a frame: RpcErrors travel as they are, anything else becomes ERR_INTERNAL. */
  private errorFrameFor (definition: RpcDefinition<unknown, unknown>, err: unknown): Uint8Array {
    if (err instanceof RpcError) {
      try {
        return encodeErrorFrame(err.code, err.message)
      } catch {
        this.log.error('%s handler threw an RpcError with an invalid code', definition.protocol)
      }
    } else {
      // Local diagnosis only; the caller learns nothing but the code.
      this.log.error('%s handler failed - %e', definition.protocol, err)
    }
    return encodeErrorFrame(RpcErrorCode.Internal, 'internal error')
  }

  // ---------------------------------------------------------------- client

  /** Send one request and wait for its response. Errors: see docs/net.md §4. */
  async request<Req, Res> (
    definition: RpcDefinition<Req, Res>, peer: RpcTarget, request: Req, options: RequestOptions = {}
  ): Promise<Res> {
    if (!this.started) throw new RpcNotStartedError()
    const timeoutMs = options.timeoutMs ?? definition.timeoutMs
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
      throw new InvalidArgumentError('timeoutMs', `must be an integer in [1, ${MAX_TIMEOUT_MS}]`)
    }
    // Spec 3.1: refuse our own oversized request before opening anything.
    const body = definition.request.encode(request)
    if (body.length > definition.maxRequestBytes) {
      throw new MessageTooLargeError('request', definition.maxRequestBytes, `${body.length} bytes`)
    }
    const target = String(peer)
    const scope = this.openScope(timeoutMs, options.signal)
    const { signal } = scope
    let stream: Stream | undefined
    try {
      if (this.useChannels && isPeerId(peer) && definition.maxRequestBytes <= CHANNEL_MAX_BODY && definition.maxResponseBytes <= CHANNEL_MAX_BODY) {
        const early = scope.error()
        if (early != null) throw early
        let channel: ChannelClient | undefined
        try {
          channel = await raceAbort(this.channelFor(peer), signal)
        } catch (err) {
          throw scope.error() ?? err
        }
        if (channel !== undefined) {
          const answer = await this.callOnChannel(channel, definition, target, body, scope)
          // The peer's channel knows no such handler: ask with a stream, whose negotiation gives the definitive answer.
          if (answer !== NOT_ROUTED) return answer
        }
      }

      const early = scope.error()
      if (early != null) throw early
      try {
        stream = await this.components.dialProtocol(peer, definition.protocol, {
          signal,
          maxOutboundStreams: definition.maxOutboundStreams,
          runOnLimitedConnection: definition.runOnLimitedConnection
        })
      } catch (err) {
        throw scope.error() ?? this.dialError(definition, target, err)
      }

      let frame: Uint8Array
      try {
        await writeFrame(stream, encodeRequestFrame(body), signal)
        // One request per stream: half-close so the server sees the end of it.
        await stream.close({ signal })
        frame = await readFrame(stream, responseFrameLimit(definition.maxResponseBytes), signal)
      } catch (err) {
        throw scope.error() ?? this.streamError(definition, err)
      }

      // Spec 3.6
      const response = decodeResponseFrame(frame)
      if (!response.ok) throw this.remoteError(definition, target, response.code, response.message)
      return definition.response.decode(response.body)
    } catch (err) {
      stream?.abort(asError(err))
      throw err
    } finally {
      this.closeScope(scope)
    }
  }

  private async callOnChannel<Req, Res> (
    channel: ChannelClient, definition: RpcDefinition<Req, Res>, target: string, body: Uint8Array, scope: CallScope
  ): Promise<Res | typeof NOT_ROUTED> {
    let envelope: Uint8Array
    try {
      envelope = await channel.call(definition.protocol, encodeRequestFrame(body), responseFrameLimit(definition.maxResponseBytes), definition.maxResponseBytes, scope.signal)
    } catch (err) {
      throw scope.error() ?? err
    }
    const response = decodeResponseFrame(envelope)
    if (!response.ok) {
      if (response.code === ERR_UNSUPPORTED_PROTOCOL) return NOT_ROUTED
      throw this.remoteError(definition, target, response.code, response.message)
    }
    return definition.response.decode(response.body)
  }

  /** The open channel to `peer`, a new one, or undefined when this peer gets a stream per call. */
  private async channelFor (peer: PeerId): Promise<ChannelClient | undefined> {
    const key = peer.toString()
    const open = this.channels.get(key)
    if (open?.usable === true) return open
    if ((this.noChannelUntil.get(key) ?? 0) > Date.now()) return undefined
    let opening = this.opening.get(key)
    if (opening === undefined) {
      opening = this.openChannel(peer, key).finally(() => { this.opening.delete(key) })
      this.opening.set(key, opening)
    }
    return await opening
  }

  private async openChannel (peer: PeerId, key: string): Promise<ChannelClient | undefined> {
    let stream: Stream
    try {
      // Not on limited (relayed) connections: a long-lived stream there would eat the relay's data allowance.
      stream = await this.components.dialProtocol(peer, CHANNEL_PROTOCOL, {
        signal: AbortSignal.timeout(CHANNEL_OPEN_TIMEOUT_MS), runOnLimitedConnection: false
      })
    } catch (err) {
      const name = nameOf(err)
      if (name === 'UnsupportedProtocolError' || name === 'LimitedConnectionError' || name === 'TooManyOutboundProtocolStreamsError') {
        this.noChannelUntil.set(key, Date.now() + (name === 'UnsupportedProtocolError' ? NO_CHANNEL_RETRY_MS : CHANNEL_OPEN_TIMEOUT_MS))
        return undefined
      }
      throw new PeerUnreachableError(key, { cause: err })
    }
    const client: ChannelClient = new ChannelClient(stream, this.log, () => {
      if (this.channels.get(key) === client) this.channels.delete(key)
    })
    if (!this.started) {
      client.close()
      throw new RpcNotStartedError()
    }
    this.channels.set(key, client)
    return client
  }

  private dialError (definition: RpcDefinition<unknown, unknown>, target: string, err: unknown): Error {
    const name = nameOf(err)
    if (name === 'UnsupportedProtocolError') return new UnsupportedProtocolError(definition.protocol, { cause: err })
    if (name === 'TooManyOutboundProtocolStreamsError' || name === 'LimitedConnectionError' || name === 'StreamStateError') {
      return new RpcStreamError(`could not open a ${definition.protocol} stream: ${name}`, { cause: err })
    }
    return new PeerUnreachableError(target, { cause: err })
  }

  private streamError (definition: RpcDefinition<unknown, unknown>, err: unknown): Error {
    if (err instanceof FrameTooLargeError) {
      return new MessageTooLargeError('response', definition.maxResponseBytes, `peer announced ${err.length} bytes`, { cause: err })
    }
    if (err instanceof MalformedMessageError) return err
    return new RpcStreamError(`${definition.protocol} stream failed: ${nameOf(err)}`, { cause: err })
  }

  private remoteError (definition: RpcDefinition<unknown, unknown>, target: string, code: string, message: string): Error {
    if (code === RpcErrorCode.RequestTooLarge) {
      return new MessageTooLargeError('request', definition.maxRequestBytes, `refused by the peer: ${message}`)
    }
    if (code === RpcErrorCode.ResponseTooLarge) {
      return new MessageTooLargeError('response', definition.maxResponseBytes, `refused by the peer: ${message}`)
    }
    return new RemoteError(code, message, target)
  }
}
