/**
 * Long operations a node runs (mint, genesis, presign, sign, decrypt), for
 * `op/status` polling by clients and for the node page's "recent operations".
 * Bounded: the oldest finished entries are forgotten first.
 */
import { NotFoundError } from '../net/rpc/errors.js'
import type { Clock } from './clock.js'
import { OperationStatus } from './rpc-definitions.js'
import type { NodeRpc } from './transport.js'

export type OperationKind = 'genesis' | 'mint' | 'presign' | 'lease' | 'sign' | 'decrypt' | 'action'

export interface OperationView {
  id: string
  kind: OperationKind
  /** e.g. 'dkg-round2', 'done', 'failed' (≤ 32 characters: it travels in op/status). */
  phase: string
  detail?: string
  /** The caller or allocator, when there is one. */
  peer?: string
  startedAt: number
  endedAt?: number
}

export interface Operation {
  readonly id: string
  setPhase(phase: string, detail?: string): void
  done(detail?: string): void
  fail(reason: string): void
}

export const MAX_OPERATIONS = 256

/** Milliseconds as operation details show them (one decimal). */
export function detailMs (x: number): string {
  return x.toFixed(1)
}

export class OperationTracker {
  private readonly ops = new Map<string, OperationView>()
  private readonly listeners = new Set<() => void>()

  constructor (private readonly clock: Clock, private readonly limit = MAX_OPERATIONS) {}

  /** Start tracking (a second begin with the same id replaces the entry). */
  begin (id: string, kind: OperationKind, peer?: string): Operation {
    const view: OperationView = { id, kind, phase: 'started', peer, startedAt: this.clock.now() }
    this.ops.delete(id)
    this.ops.set(id, view)
    this.trim()
    this.emit()
    const update = (phase: string, detail: string | undefined, end: boolean): void => {
      if (view.endedAt !== undefined) return
      view.phase = phase.slice(0, 32)
      view.detail = detail?.slice(0, 256)
      if (end) view.endedAt = this.clock.now()
      this.emit()
    }
    return {
      id,
      setPhase: (phase, detail) => { update(phase, detail, false) },
      done: (detail) => { update('done', detail, true) },
      fail: (reason) => { update('failed', reason, true) }
    }
  }

  get (id: string): OperationView | undefined {
    const v = this.ops.get(id)
    return v === undefined ? undefined : { ...v }
  }

  /** Newest first. */
  recent (limit = 20): OperationView[] {
    return [...this.ops.values()].reverse().slice(0, limit).map((v) => ({ ...v }))
  }

  subscribe (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private trim (): void {
    if (this.ops.size <= this.limit) return
    for (const [id, v] of this.ops) {
      if (this.ops.size <= this.limit) break
      if (v.endedAt !== undefined) this.ops.delete(id)
    }
    // Everything still running: forget the oldest anyway rather than grow without bound.
    for (const id of this.ops.keys()) {
      if (this.ops.size <= this.limit) break
      this.ops.delete(id)
    }
  }

  private emit (): void {
    for (const l of this.listeners) l()
  }
}

/** Serve `op/status`: the phase of a mint or genesis this node takes part in (opId = mintId / genesisId). */
export async function serveOperationStatus (rpc: NodeRpc, ops: OperationTracker): Promise<void> {
  await rpc.handle(OperationStatus, (req) => {
    const op = ops.get(req.opId)
    if (op === undefined || (op.kind !== 'mint' && op.kind !== 'genesis')) throw new NotFoundError('no such operation here')
    return op.detail === undefined ? { phase: op.phase } : { phase: op.phase, detail: op.detail }
  })
}

/** The op/status phase of a DKG in progress (the client's MintPhase names). */
export function dkgPhase (state: string): string {
  switch (state) {
    case 'start': case 'round1': return 'dkg-round1'
    case 'round2': return 'dkg-round2'
    case 'round3': return 'dkg-round3'
    case 'round4': return 'dkg-round4'
    case 'done': return 'verify'
    default: return state
  }
}
