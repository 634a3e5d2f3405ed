/**
 * Drives a {@link ShareCollector} over real requests: asks every node in
 * parallel, feeds answers and failures to the collector, wakes it at the times
 * it names, and cancels what is still in flight once it has decided. All the
 * deciding is in the collector (pure, tested with a fake clock); this file only
 * does the waiting.
 */
import { AbortedError } from './errors.js'
import { FaultCode, toNodeFault, type NodeFault } from './errors.js'
import type { CollectorStep, ShareCollector } from './share-collector.js'

export interface FanOutInit<S, R> {
  collector: ShareCollector<S, R>
  /** One request to `node`; resolves to the answer's share bytes. Must honour `signal`. */
  ask: (node: string, signal: AbortSignal) => Promise<Uint8Array>
  /** The caller's signal: aborts everything with AbortedError. */
  signal?: AbortSignal
  operation: string
  now: () => number
  /**
   * Keep asking the nodes that had not answered when the result was made, until
   * this time, and check their late shares (`late` names the bad ones). Without
   * it stragglers are cancelled at once and `late` is empty.
   */
  auditUntil?: number
  /**
   * Ask only this many nodes at first (default: all). Another is asked for each
   * one that fails or whose share is refused, and all the rest once `hedgeMs`
   * passed without a result: on a shared machine every extra node asked is CPU
   * taken from the ones whose answers are awaited.
   */
  askFirst?: number
  hedgeMs?: number
  /**
   * Where the check of the shares the result was made from runs (ShareCollector.auditUsed):
   * default, the next turn of the event loop; a client passes its IdleWork (idle-work.ts).
   */
  deferCheck?: <T>(check: () => T) => Promise<T>
}

export type FanOutResult<R> = Extract<CollectorStep<R>, { kind: 'done' }> & {
  /** Faults of answers that came after the result: resolves once every node answered or auditUntil passed. */
  late: Promise<NodeFault[]>
}

/** Resolves with the collector's result, or rejects with its typed error (or AbortedError). */
export async function fanOut<S, R> (init: FanOutInit<S, R>): Promise<FanOutResult<R>> {
  const { collector, signal } = init
  if (signal?.aborted === true) throw new AbortedError(init.operation, { cause: signal.reason })
  const inFlight = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  let settle!: { resolve: (v: Extract<CollectorStep<R>, { kind: 'done' }>) => void, reject: (e: unknown) => void }
  const result = new Promise<Extract<CollectorStep<R>, { kind: 'done' }>>((resolve, reject) => { settle = { resolve, reject } })
  let over = false
  // After the result: the nodes still being heard, the faults of their late answers, and when the audit ends.
  let auditing: { waiting: Set<string>, faults: NodeFault[], timer: ReturnType<typeof setTimeout>, resolve: (f: NodeFault[]) => void } | undefined
  let late: Promise<NodeFault[]> = Promise.resolve([])

  const finish = (): void => {
    over = true
    if (timer !== undefined) clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    // Stragglers are not needed any more (their nodes keep serving others).
    inFlight.abort()
  }
  const endAudit = (): void => {
    if (auditing === undefined) return
    clearTimeout(auditing.timer)
    for (const node of auditing.waiting) auditing.faults.push({ node, code: FaultCode.Timeout, reason: 'no answer before the deadline' })
    auditing.resolve(auditing.faults)
    auditing = undefined
    inFlight.abort()
  }
  const heardLate = (node: string, answer: Uint8Array | undefined, err?: unknown): void => {
    if (auditing === undefined || !auditing.waiting.delete(node)) return
    const fault = answer !== undefined ? collector.audit(node, answer) : toNodeFault(node, err)
    if (fault !== undefined) auditing.faults.push(fault)
    if (auditing.waiting.size === 0) endAudit()
  }
  const evaluate = (): void => {
    if (over) return
    try {
      const step = collector.step(init.now())
      if (step.kind === 'done') {
        const stragglers = collector.pending().filter((node) => asked.has(node))
        if (init.auditUntil !== undefined && stragglers.length > 0 && init.now() < init.auditUntil) {
          over = true
          if (timer !== undefined) clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          late = new Promise<NodeFault[]>((resolve) => {
            auditing = { waiting: new Set(stragglers), faults: [], resolve, timer: setTimeout(endAudit, Math.max(0, init.auditUntil! - init.now())) }
          })
        } else {
          finish()
        }
        // A straggler still being heard is not a fault (yet): `late` tells. A node never asked is none at all.
        const notFaults = (f: NodeFault): boolean => f.code === FaultCode.NoAnswer && (!asked.has(f.node) || (auditing !== undefined && stragglers.includes(f.node)))
        settle.resolve({ ...step, faults: step.faults.filter(f => !notFaults(f)) })
        return
      }
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(evaluate, Math.max(0, step.until - init.now()))
    } catch (err) {
      finish()
      settle.reject(err)
    }
  }
  const onAbort = (): void => {
    if (over) return
    finish()
    settle.reject(new AbortedError(init.operation, { cause: signal?.reason }))
  }
  signal?.addEventListener('abort', onAbort, { once: true })

  const reserve = collector.pending()
  const asked = new Set<string>()
  const answered = new Set<string>()
  const askNode = (node: string): void => {
    asked.add(node)
    init.ask(node, inFlight.signal).then(
      (answer) => { answered.add(node); if (!over) { collector.addShare(node, answer, init.now()); evaluate(); topUp() } else heardLate(node, answer) },
      (err: unknown) => { answered.add(node); if (!over) { collector.addFailure(node, err); evaluate(); topUp() } else heardLate(node, undefined, err) }
    )
  }
  // Keep enough requests in flight to reach `needed` good shares if they all answer well.
  const topUp = (): void => {
    if (over) return
    let waiting = 0
    for (const node of asked) if (!answered.has(node)) waiting++
    while (reserve.length > 0 && waiting < collector.needed - collector.good) { askNode(reserve.shift()!); waiting++ }
  }
  let hedge: ReturnType<typeof setTimeout> | undefined
  if (init.askFirst !== undefined && init.askFirst < reserve.length) {
    for (const node of reserve.splice(0, Math.max(init.askFirst, collector.needed))) askNode(node)
    if (init.hedgeMs !== undefined) hedge = setTimeout(() => { if (!over) while (reserve.length > 0) askNode(reserve.shift()!) }, init.hedgeMs)
  } else {
    for (const node of reserve.splice(0)) askNode(node)
  }
  evaluate()
  // The requests are on their way (sent by the tasks ask() started): the collector's own work meanwhile.
  const preparing = setTimeout(() => { if (!over) collector.prepare() }, 0)
  void result.finally(() => { clearTimeout(preparing); if (hedge !== undefined) clearTimeout(hedge) }).catch(() => {})
  const done = await result
  // Shares the result was made from but not checked one by one: checked later, not before answering.
  const usedChecked = init.deferCheck !== undefined
    ? init.deferCheck(() => collector.auditUsed()).catch((): NodeFault[] => [])
    : new Promise<NodeFault[]>((resolve) => { setTimeout(() => { resolve(collector.auditUsed()) }, 0) })
  return { ...done, late: Promise.all([usedChecked, late]).then(([used, stragglers]) => [...used, ...stragglers]) }
}
