/**
 * What the node services need from the network, and nothing more: typed
 * request/response with peers named by PeerId strings, and the set of nodes
 * that are online now. The libp2p adapter (node/libp2p-transport.ts) gives it
 * over real tabs; node/memory-transport.ts gives it in one process for tests,
 * passing every message through the same codecs.
 */
import type { RpcDefinition } from '../net/rpc/definition.js'

export interface NodeHandlerContext {
  /** The authenticated caller (the noise-authenticated connection's peer). */
  readonly remotePeer: string
  /** Aborts on the definition's timeout, a caller reset, or service stop. */
  readonly signal: AbortSignal
}

export type NodeHandler<Req, Res> = (request: Req, context: NodeHandlerContext) => Res | Promise<Res>

export interface NodeRequestOptions {
  signal?: AbortSignal
  timeoutMs?: number
}

export interface NodeRpc {
  /** This peer's id. */
  readonly self: string
  handle<Req, Res>(definition: RpcDefinition<Req, Res>, handler: NodeHandler<Req, Res>): Promise<void>
  unhandle(definition: RpcDefinition<any, any>): Promise<void>
  /**
   * Errors: the net/rpc error classes (RemoteError with the handler's code,
   * RpcTimeoutError, RpcAbortedError, PeerUnreachableError, …).
   */
  request<Req, Res>(definition: RpcDefinition<Req, Res>, peer: string, request: Req, options?: NodeRequestOptions): Promise<Res>
}

/** Which nodes are online (live status, reachable), as this peer sees it now. */
export interface PeerDirectory {
  /** Online node PeerIds, sorted; includes this peer when it is a node. */
  onlineNodes(): string[]
  /** Called whenever the online set may have changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void
}
