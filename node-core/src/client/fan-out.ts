/**
 * Drives a {@link ShareCollector} over real requests: asks every node in
 * parallel, feeds answers and failures to the collector, wakes it at the times
 * it names, and cancels what is still in flight once it has decided. All the
 * deciding is in the collector (pure, tested with a fake clock); this file only
 * does the waiting.
 */
import { AbortedError } from './errors.js'
import type { CollectorStep, ShareCollector } from './share-collector.js'

export interface FanOutInit<S, R> {
  collector: ShareCollector<S, R>
  /** One request to `node`; resolves to the answer's share bytes. Must honour `signal`. */
  ask: (node: string, signal: AbortSignal) => Promise<Uint8Array>
  /** The caller's signal: aborts everything with AbortedError. */
  signal?: AbortSignal
  operation: string
  now: () => number
}

/** Resolves with the collector's result, or rejects with its typed error (or AbortedError). */
export async function fanOut<S, R> (init: FanOutInit<S, R>): Promise<Extract<CollectorStep<R>, { kind: 'done' }>> {
  const { collector, signal } = init
  if (signal?.aborted === true) throw new AbortedError(init.operation, { cause: signal.reason })
  const inFlight = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  let settle!: { resolve: (v: Extract<CollectorStep<R>, { kind: 'done' }>) => void, reject: (e: unknown) => void }
  const result = new Promise<Extract<CollectorStep<R>, { kind: 'done' }>>((resolve, reject) => { settle = { resolve, reject } })
  let over = false

  const finish = (): void => {
    over = true
    if (timer !== undefined) clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    // Stragglers are not needed any more (their nodes keep serving others).
    inFlight.abort()
  }
  const evaluate = (): void => {
    if (over) return
    try {
      const step = collector.step(init.now())
      if (step.kind === 'done') {
        finish()
        settle.resolve(step)
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

  for (const node of collector.pending()) {
    init.ask(node, inFlight.signal).then(
      (answer) => { if (!over) { collector.addShare(node, answer, init.now()); evaluate() } },
      (err: unknown) => { if (!over) { collector.addFailure(node, err); evaluate() } }
    )
  }
  evaluate()
  return await result
}
