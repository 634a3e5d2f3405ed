/**
 * An in-process network of NodeRpc endpoints and a PeerDirectory, for unit
 * tests of the node services (the libp2p adapter is libp2p-transport.ts).
 *
 * It behaves like net/rpc where the services can tell: every request and
 * response goes through the definition's codecs (encode → bytes → decode, so a
 * schema or codec bug fails here too), size limits and timeouts apply, the
 * handler sees the caller's PeerId as `remotePeer`, and handler errors travel
 * as net/rpc's do (an RpcError's code and message as a RemoteError, anything
 * else as ERR_INTERNAL with no detail). Delivery is asynchronous (a macrotask
 * per hop), so timers interleave with messages as they would on a network.
 *
 * Tests can take a node offline (its calls and calls to it fail with
 * PeerUnreachableError, its handlers in flight are aborted) and back, or make
 * it silent (requests to and from it are never delivered and never answered:
 * callers wait for their deadline).
 */
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { ed25519PublicKeyFromSeed } from '../crypto/ed25519.js'
import { InvalidArgumentError } from '../errors.js'
import { RpcErrorCode } from '../net/rpc/constants.js'
import type { RpcDefinition } from '../net/rpc/definition.js'
import {
  MessageTooLargeError, PeerUnreachableError, RemoteError, RpcAbortedError, RpcError, RpcNotStartedError,
  RpcStreamError, RpcTimeoutError, UnsupportedProtocolError
} from '../net/rpc/errors.js'
import { MAX_TIMEOUT_MS } from '../net/rpc/constants.js'
import type { NodeHandler, NodeRequestOptions, NodeRpc, PeerDirectory } from './transport.js'

export type MemoryPeerRole = 'node' | 'client'

export interface MemoryNetworkInit {
  /** Delay of each hop (request and response), ms. Default 0 (next macrotask). */
  latencyMs?: number
}

/** What a test may inspect afterwards: handler failures that were not RpcErrors (bugs). */
export interface InternalFailure {
  peer: string
  protocol: string
  error: unknown
}

/** Private keys of the ids memoryPeerIds made, so tests can give nodes their real identity key. */
const memoryKeys = new Map<string, PrivateKey>()

/**
 * Deterministic, real Ed25519 PeerIds (base58, 52 characters, '12D3KooW…') for
 * memory networks: the key of `(seed, i)` comes from sha256("lit/memory-peer/v1"
 * ‖ seed ‖ "/" ‖ i). Sorted order differs from creation order. Each id's private
 * key is kept for {@link memoryPeerKey} (registry countersignatures need it).
 */
export function memoryPeerIds (count: number, seed = 'peer'): string[] {
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const secret = sha256(utf8ToBytes(`lit/memory-peer/v1${seed}/${i}`))
    const key = privateKeyFromRaw(concatBytes(secret, ed25519PublicKeyFromSeed(secret)))
    const id = peerIdFromPrivateKey(key).toString()
    memoryKeys.set(id, key)
    out.push(id)
  }
  return out
}

/** The Ed25519 private key of an id made by memoryPeerIds in this process (undefined for any other id). */
export function memoryPeerKey (peerId: string): PrivateKey | undefined {
  return memoryKeys.get(peerId)
}

function later (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

class Endpoint implements NodeRpc {
  readonly handlers = new Map<string, { definition: RpcDefinition<any, any>, handler: NodeHandler<any, any> }>()
  /** Aborts handlers in flight when the endpoint goes offline or closes. */
  inflight = new AbortController()
  online = true
  silent = false
  closed = false

  constructor (readonly network: MemoryNetwork, readonly self: string, readonly role: MemoryPeerRole) {}

  async handle<Req, Res> (definition: RpcDefinition<Req, Res>, handler: NodeHandler<Req, Res>): Promise<void> {
    if (this.closed) throw new RpcNotStartedError()
    this.handlers.set(definition.protocol, { definition, handler })
  }

  async unhandle (definition: RpcDefinition<any, any>): Promise<void> {
    this.handlers.delete(definition.protocol)
  }

  async request<Req, Res> (definition: RpcDefinition<Req, Res>, peer: string, request: Req, options: NodeRequestOptions = {}): Promise<Res> {
    // eslint-disable-next-line no-useless-call -- MemoryNetwork.call is its own method, not Function.prototype.call
    return await this.network.call(this, definition, peer, request, options)
  }

  /** Stop serving and calling (a closed tab). */
  close (): void {
    this.closed = true
    this.handlers.clear()
    this.inflight.abort()
  }
}

export class MemoryNetwork {
  private readonly latencyMs: number
  private readonly endpoints = new Map<string, Endpoint>()
  private readonly listeners = new Set<() => void>()
  readonly internalFailures: InternalFailure[] = []

  constructor (init: MemoryNetworkInit = {}) {
    this.latencyMs = init.latencyMs ?? 0
  }

  /** A NodeRpc for `peerId` (created online; a second call returns the same endpoint unless it was closed). */
  endpoint (peerId: string, role: MemoryPeerRole = 'node'): NodeRpc & { close(): void } {
    const existing = this.endpoints.get(peerId)
    if (existing !== undefined && !existing.closed) return existing
    const ep = new Endpoint(this, peerId, role)
    this.endpoints.set(peerId, ep)
    this.changed()
    return ep
  }

  /** Online nodes as `viewer` sees them: every online node, or only itself while it is offline. */
  directory (viewer: string): PeerDirectory {
    return {
      onlineNodes: () => this.onlineNodesFor(viewer),
      subscribe: (listener) => {
        this.listeners.add(listener)
        return () => { this.listeners.delete(listener) }
      }
    }
  }

  /** Take a peer offline (handlers in flight abort, calls fail) or bring it back. */
  setOnline (peerId: string, online: boolean): void {
    const ep = this.mustGet(peerId)
    if (ep.online === online) return
    ep.online = online
    if (!online) {
      ep.inflight.abort()
      ep.inflight = new AbortController()
    }
    this.changed()
  }

  /** A silent peer looks online but nothing reaches it and nothing it sends arrives. */
  setSilent (peerId: string, silent: boolean): void {
    this.mustGet(peerId).silent = silent
  }

  isOnline (peerId: string): boolean {
    const ep = this.endpoints.get(peerId)
    return ep !== undefined && ep.online && !ep.closed
  }

  private onlineNodesFor (viewer: string): string[] {
    const me = this.endpoints.get(viewer)
    if (me !== undefined && (!me.online || me.closed)) return me.role === 'node' ? [viewer] : []
    return [...this.endpoints.values()].filter((e) => e.role === 'node' && e.online && !e.closed).map((e) => e.self).sort()
  }

  private mustGet (peerId: string): Endpoint {
    const ep = this.endpoints.get(peerId)
    if (ep === undefined) throw new InvalidArgumentError('peerId', `${peerId} is not on this network`)
    return ep
  }

  private changed (): void {
    for (const l of [...this.listeners]) {
      try { l() } catch { /* a listener's failure is its own */ }
    }
  }

  /** @internal One request, end to end. */
  async call<Req, Res> (from: Endpoint, definition: RpcDefinition<Req, Res>, peer: string, request: Req, options: NodeRequestOptions): Promise<Res> {
    if (from.closed) throw new RpcNotStartedError()
    const timeoutMs = options.timeoutMs ?? definition.timeoutMs
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
      throw new InvalidArgumentError('timeoutMs', `must be an integer in [1, ${MAX_TIMEOUT_MS}]`)
    }
    // Our own request is encoded (and schema-checked) before anything leaves, as net/rpc does.
    const body = definition.request.encode(request)
    if (body.length > definition.maxRequestBytes) throw new MessageTooLargeError('request', definition.maxRequestBytes, `${body.length} bytes`)

    const scope = new AbortController()
    let ended: Error | undefined
    const end = (err: Error): void => { if (ended === undefined) { ended = err; scope.abort(err) } }
    const timer = setTimeout(() => { end(new RpcTimeoutError()) }, timeoutMs)
    const onUserAbort = (): void => { end(new RpcAbortedError()) }
    if (options.signal?.aborted === true) end(new RpcAbortedError())
    else options.signal?.addEventListener('abort', onUserAbort, { once: true })
    const ended$ = new Promise<never>((_resolve, reject) => {
      scope.signal.addEventListener('abort', () => { reject(ended) }, { once: true })
      if (scope.signal.aborted) reject(ended)
    })
    ended$.catch(() => {})
    try {
      return await Promise.race([this.exchange(from, definition, peer, body, scope.signal), ended$])
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onUserAbort)
      scope.abort()
    }
  }

  private async exchange<Req, Res> (from: Endpoint, definition: RpcDefinition<Req, Res>, peer: string, body: Uint8Array, callSignal: AbortSignal): Promise<Res> {
    await later(this.latencyMs)
    const to = this.endpoints.get(peer)
    if (peer === from.self || to === undefined || to.closed || !to.online || !from.online || from.closed) throw new PeerUnreachableError(peer)
    // Silent: the request vanishes; the caller waits for its deadline.
    if (to.silent || from.silent) return await new Promise<never>(() => {})
    const entry = to.handlers.get(definition.protocol)
    if (entry === undefined) throw new UnsupportedProtocolError(definition.protocol)

    // Server side, with the server's own definition (same protocol id): decode strictly, run the handler under its deadline.
    const served = entry.definition
    if (body.length > served.maxRequestBytes) throw new MessageTooLargeError('request', served.maxRequestBytes, 'refused by the peer')
    let decoded: unknown
    try {
      decoded = served.request.decode(body.slice())
    } catch (err) {
      throw new RemoteError(RpcErrorCode.BadRequest, err instanceof Error ? err.message : 'request did not decode', peer)
    }
    const handlerScope = new AbortController()
    const serverTimer = setTimeout(() => { handlerScope.abort(new RpcTimeoutError()) }, served.timeoutMs)
    const onCallEnd = (): void => { handlerScope.abort(new RpcAbortedError('stream closed by the remote')) }
    const onOffline = (): void => { handlerScope.abort(new RpcAbortedError('service stopped')) }
    callSignal.addEventListener('abort', onCallEnd, { once: true })
    const offlineSignal = to.inflight.signal
    offlineSignal.addEventListener('abort', onOffline, { once: true })
    let responseBytes: Uint8Array
    try {
      const aborted = new Promise<never>((_resolve, reject) => {
        handlerScope.signal.addEventListener('abort', () => { reject(handlerScope.signal.reason) }, { once: true })
      })
      aborted.catch(() => {})
      let response: unknown
      try {
        response = await Promise.race([
          Promise.resolve().then(() => entry.handler(decoded, { remotePeer: from.self, signal: handlerScope.signal })),
          aborted
        ])
      } catch (err) {
        if (offlineSignal.aborted) throw new RpcStreamError('peer went offline during the call')
        if (handlerScope.signal.aborted) return await new Promise<never>(() => {}) // the caller's own deadline decides
        if (err instanceof RpcError) throw new RemoteError(err.code, err.message, peer)
        this.internalFailures.push({ peer, protocol: definition.protocol, error: err })
        throw new RemoteError(RpcErrorCode.Internal, 'internal error', peer)
      }
      try {
        responseBytes = served.response.encode(response)
      } catch (err) {
        this.internalFailures.push({ peer, protocol: definition.protocol, error: err })
        throw new RemoteError(RpcErrorCode.Internal, 'internal error', peer)
      }
      if (responseBytes.length > served.maxResponseBytes) {
        throw new MessageTooLargeError('response', served.maxResponseBytes, 'refused by the peer')
      }
    } finally {
      clearTimeout(serverTimer)
      callSignal.removeEventListener('abort', onCallEnd)
      offlineSignal.removeEventListener('abort', onOffline)
    }
    await later(this.latencyMs)
    if (!to.online || to.closed || !from.online) throw new RpcStreamError('peer went offline before answering')
    return definition.response.decode(responseBytes.slice())
  }
}
