/**
 * Typed request/response over libp2p streams (docs/net.md §3): one request and
 * one response per stream, each a length-prefixed envelope frame.
 *
 * The service only needs a narrow slice of a libp2p node (handle, unhandle,
 * dialProtocol, logger). The remote peer handed to handlers is always the
 * authenticated connection's peer (noise), never anything from the message.
 */
import type { Connection, Libp2p, PeerId, Startable, Stream, Logger } from '@libp2p/interface'
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
import { FrameEndedError, FrameTooLargeError, readFrame, writeFrame } from './frames.js'
import { CallScope, raceAbort } from './scope.js'

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
  private started = false

  constructor (components: RpcComponents) {
    this.components = components
    this.log = components.logger.forComponent('lit:net:rpc')
  }

  readonly [Symbol.toStringTag] = 'lit:net:rpc'

  isStarted (): boolean { return this.started }

  async start (): Promise<void> {
    this.started = true
  }

  /** Unregisters every handler and ends every call in flight (callers get RpcAbortedError). */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const protocols = [...this.protocols]
    this.protocols.clear()
    if (protocols.length > 0) await this.components.unhandle(protocols)
    for (const scope of this.scopes) scope.end('stopped')
    this.scopes.clear()
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
  }

  async unhandle (definition: RpcDefinition<unknown, unknown>): Promise<void> {
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

      // Spec 3.3: decode strictly; a malformed body is the caller's fault.
      let request: Req
      try {
        request = definition.request.decode(body)
      } catch (err) {
        if (err instanceof MalformedMessageError) {
          await refuse(RpcErrorCode.BadRequest, err.message)
          return
        }
        this.log.error('%s request decoder threw %s (expected MalformedMessageError)', definition.protocol, nameOf(err))
        await refuse(RpcErrorCode.BadRequest, 'request did not decode')
        return
      }

      // Spec 3.4: run the handler under the call's deadline.
      let frame: Uint8Array
      try {
        const response = await raceAbort(Promise.resolve().then(() => handler(request, { remotePeer, connection, signal })), signal)
        const encoded = definition.response.encode(response)
        if (encoded.length > definition.maxResponseBytes) {
          this.log.error('%s handler produced %d bytes, limit %d', definition.protocol, encoded.length, definition.maxResponseBytes)
          frame = encodeErrorFrame(RpcErrorCode.ResponseTooLarge, `response exceeds ${definition.maxResponseBytes} bytes`)
        } else {
          frame = encodeOkFrame(encoded)
        }
      } catch (err) {
        if (scope.reason != null) throw err
        frame = this.errorFrameFor(definition, err)
      }
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
