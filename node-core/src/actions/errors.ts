/**
 * Errors of Lit Action code storage (docs/actions.md §1.6, §2.7, §7). Both are
 * RpcErrors: a node handler that lets one escape answers with its `code` and
 * `message` (node/errors.ts `toRpcError` passes RpcErrors unchanged), which is
 * how `ERR_ACTION_NOT_FOUND` and a refused code size reach the client.
 */
import { RpcError } from '../net/rpc/errors.js'

/** The wire code of an action whose code no one could supply in time (actions.md §7). */
export const ERR_ACTION_NOT_FOUND = 'ERR_ACTION_NOT_FOUND'
/** The wire code of an action over one of its limits (actions.md §2.8). */
export const ERR_ACTION_LIMIT = 'ERR_ACTION_LIMIT'

/** The code of `ipfsId` is not stored here and no peer sent it within `codeFetchMs` (actions.md §1.6 step 3). */
export class ActionNotFoundError extends RpcError {
  readonly ipfsId: string

  constructor (ipfsId: string, reason = 'not stored here and no peer supplied it in time') {
    super(`action ${ipfsId} not found: ${reason}`, ERR_ACTION_NOT_FOUND)
    this.ipfsId = ipfsId
  }
}

/**
 * Action code refused for its size or shape before anything runs (actions.md §1.6
 * step 3, §2.7 `codeBytes`): declared or read bytes over the code limit, too
 * many blocks, or a DAG deeper than a root and its leaves.
 */
export class ActionCodeLimitError extends RpcError {
  /** Always 'code' (the §2.7 limit name). */
  readonly limit = 'code' as const
  /** The bound that was exceeded, in the unit of `what`. */
  readonly max: number
  /** What was measured, when known. */
  readonly used: number | undefined
  /** Which bound: bytes, blocks or depth. */
  readonly what: 'bytes' | 'blocks' | 'depth'

  constructor (what: 'bytes' | 'blocks' | 'depth', max: number, used?: number) {
    super(`action code over its limit: ${used !== undefined ? `${used} ` : 'more '}${what} (max ${max})`, ERR_ACTION_LIMIT)
    this.what = what
    this.max = max
    this.used = used
  }
}
