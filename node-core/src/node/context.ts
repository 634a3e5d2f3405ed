/**
 * What the node services share (the composition root, lit-node.ts, builds it).
 * Each service takes only the slice it needs (`Pick<NodeContext, …>`), in the
 * style of js-libp2p components.
 */
import type { RpcDefinition } from '../net/rpc/definition.js'
import type { NodeStore } from '../store/node-store.js'
import type { AuthSigVerifier } from './caller-auth.js'
import type { Clock } from './clock.js'
import { toRpcError } from './errors.js'
import type { NodeFaults } from './faults.js'
import { describeError, nodeLogger, type LogSink } from './log.js'
import type { OperationTracker } from './op-status.js'
import type { NodeRegistry } from './registry-service.js'
import type { SessionHub } from './session-hub.js'
import type { NodeHandler, NodeRpc, PeerDirectory } from './transport.js'

export interface NodeContext {
  readonly rpc: NodeRpc
  readonly directory: PeerDirectory
  readonly store: NodeStore
  readonly hub: SessionHub
  readonly ops: OperationTracker
  readonly clock: Clock
  readonly auth: AuthSigVerifier
  /** The certified PKP registry (docs/registry.md): owners and permissions. */
  readonly registry: NodeRegistry
  readonly faults: NodeFaults
  readonly log: LogSink
  /** Something the node page shows may have changed. */
  readonly changed: () => void
}

/**
 * Register a handler whose failures always leave as RpcErrors (docs/node-runtime.md §3):
 * typed local errors map to their codes; anything unexpected is logged here and
 * sent as ERR_INTERNAL without detail. The handler never crashes the node.
 */
export async function serve<Req, Res> (
  ctx: Pick<NodeContext, 'rpc' | 'log'>, definition: RpcDefinition<Req, Res>, handler: NodeHandler<Req, Res>
): Promise<void> {
  const log = nodeLogger(ctx.log, definition.name)
  await ctx.rpc.handle(definition, async (req, hctx) => {
    try {
      return await handler(req, hctx)
    } catch (err) {
      throw toRpcError(err, (e) => { log.error(`handler failed: ${describeError(e)}`) })
    }
  })
}

/** Random bytes as lower-case hex (ids, sessions). */
export function randomHex (bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** Strictly ascending and distinct (the order committees and member lists are kept in). */
export function isSortedDistinct (list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (!(list[i - 1] < list[i])) return false
  return true
}

export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) { resolve(); return }
    const timer = setTimeout(done, ms)
    function done (): void { signal?.removeEventListener('abort', done); clearTimeout(timer); resolve() }
    signal?.addEventListener('abort', done, { once: true })
  })
}
