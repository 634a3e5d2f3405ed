/**
 * A sandbox "worker" in the same thread (for vitest and Node-side nodes): the
 * worker logic of worker-main.ts behind the WorkerLike interface the pool
 * uses. Messages are structured-cloned and delivered on a later task, as
 * between a page and a real Worker. `terminate()` drops every later message
 * both ways and cancels the run; it cannot stop a synchronous loop at once the
 * way a real Worker's termination does (the runner's interrupt handler does).
 * Not an isolation boundary: the real isolation is QuickJS itself (§2.2).
 */
import type { WorkerLike } from './sandbox-pool.js'
import { serveSandbox, type QuickJSLoader, type SandboxScope } from './worker-main.js'
import { loadQuickJS } from './quickjs-module.js'
import { PROTOCOL_VERSION } from './worker-protocol.js'

export function inProcessWorker (load: QuickJSLoader = async (o) => await loadQuickJS(o)): WorkerLike {
  let alive = true
  let lastRunId: string | undefined
  const scope: SandboxScope = {
    onmessage: null,
    postMessage (m) {
      const copy = structuredClone(m)
      setTimeout(() => { if (alive) worker.onmessage?.({ data: copy }) }, 0)
    }
  }
  const worker: WorkerLike = {
    onmessage: null,
    onerror: null,
    postMessage (m: unknown) {
      if (!alive) return
      const copy = structuredClone(m)
      const runId = (copy as { type?: string, runId?: string }).type === 'run' ? (copy as { runId: string }).runId : undefined
      if (runId !== undefined) lastRunId = runId
      setTimeout(() => { if (alive) scope.onmessage?.({ data: copy }) }, 0)
    },
    terminate () {
      if (!alive) return
      if (lastRunId !== undefined) scope.onmessage?.({ data: { v: PROTOCOL_VERSION, type: 'cancel', runId: lastRunId, reason: 'terminated' } })
      alive = false
    }
  }
  serveSandbox(scope, load)
  return worker
}
