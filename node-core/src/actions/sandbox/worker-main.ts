/**
 * The sandbox worker's logic (docs/actions.md §2.2, §2.6, §3.10), apart from
 * the browser entry (sandbox-worker.ts) so it also runs in-process in Node
 * (in-process-worker.ts). One run at a time: `run` → runAction with a host
 * that posts `call` and awaits `result`; console lines stream as `log`;
 * the end is one `done`.
 *
 * The QuickJS module is loaded once and reloaded when (a) the memory limit
 * changes (the cap is per module, quickjs-module.ts), (b) a run broke it
 * (`isModuleBroken`), or (c) its WASM memory grew more than 32 MiB above the
 * initial 16 MiB (§2.6: WASM memory never shrinks).
 */
import { DEFAULT_ACTION_LIMITS, type ActionLimits } from '../limits.js'
import { GuestError } from './errors.js'
import type { HostMethod } from './host-args.js'
import { QUICKJS_INITIAL_MEMORY_BYTES, type LoadedQuickJS } from './quickjs-module.js'
import { disposeWarmContext, isModuleBroken, prepareWarmContext, runAction, type RunResult, type WarmContext } from './quickjs-runner.js'
import { parseNodeMessage, PROTOCOL_VERSION, type DoneMessage, type NodeToWorker, type RunMessage, type WorkerToNode } from './worker-protocol.js'

/** §2.6: recycle a module whose memory grew past this much above its initial size. */
export const RECYCLE_ABOVE_BYTES = 32 * 1024 * 1024

/** What the worker needs of its global scope (a DedicatedWorkerGlobalScope, or an in-process stand-in). */
export interface SandboxScope {
  postMessage(message: WorkerToNode): void
  onmessage: ((ev: { data: unknown }) => void) | null
}

export type QuickJSLoader = (opts: { memoryBytes: number }) => Promise<LoadedQuickJS>

interface Current {
  runId: string
  abort: AbortController
  nextCallId: number
  calls: Map<number, { resolve: (v: unknown) => void, reject: (e: unknown) => void }>
}

/**
 * Serve runs on `scope`. The module is compiled at once (§2.6: at node start,
 * not on the first run) for the default memory limit.
 */
export function serveSandbox (scope: SandboxScope, load: QuickJSLoader): void {
  let loaded: Promise<LoadedQuickJS> | undefined = load({ memoryBytes: DEFAULT_ACTION_LIMITS.memoryBytes })
  loaded.catch(() => {})
  let current: Current | undefined
  // The next run's context, made while the worker is idle (quickjs-runner.ts WarmContext).
  let warm: WarmContext | undefined
  const prepareNext = (q: LoadedQuickJS): void => {
    setTimeout(() => {
      if (current !== undefined || warm !== undefined || isModuleBroken(q.module)) return
      warm = prepareWarmContext(q.module)
    }, 0)
  }
  loaded.then(prepareNext, () => {})

  const moduleFor = async (limits: ActionLimits): Promise<LoadedQuickJS> => {
    if (loaded !== undefined) {
      const q = await loaded.catch(() => undefined)
      const stale = q === undefined || q.memoryBytes !== limits.memoryBytes || isModuleBroken(q.module) ||
        q.memory.buffer.byteLength > QUICKJS_INITIAL_MEMORY_BYTES + RECYCLE_ABOVE_BYTES
      if (!stale) return q
    }
    loaded = load({ memoryBytes: limits.memoryBytes })
    return await loaded
  }

  const post = (m: WorkerToNode): void => scope.postMessage(m)

  const run = async (m: RunMessage): Promise<void> => {
    const cur: Current = { runId: m.runId, abort: new AbortController(), nextCallId: 1, calls: new Map() }
    current = cur
    let result: RunResult
    try {
      const q = await moduleFor(m.limits)
      const ready = warm
      warm = undefined
      if (ready !== undefined && ready.module !== q.module) disposeWarmContext(ready)
      result = await runAction(q.module, { code: m.code, jsParams: m.jsParams, auth: m.auth, limits: m.limits }, {
        call: async (method: HostMethod, args: unknown) => await new Promise((resolve, reject) => {
          const callId = cur.nextCallId++
          cur.calls.set(callId, { resolve, reject })
          post({ v: PROTOCOL_VERSION, type: 'call', runId: cur.runId, callId, method, args })
        })
      }, cur.abort.signal, {
        onLog: (level, line) => post({ v: PROTOCOL_VERSION, type: 'log', runId: cur.runId, level, text: line }),
        ...(ready !== undefined && ready.module === q.module ? { warm: ready } : {})
      })
      prepareNext(q)
    } catch (err) {
      result = {
        outcome: { kind: 'error', code: 'ERR_ACTION_FAILED', message: `sandbox: ${err instanceof Error ? err.message : String(err)}`.slice(0, 512) },
        logs: '',
        stats: { runMs: 0 }
      }
    } finally {
      current = undefined
    }
    const { outcome, stats } = result
    const done: DoneMessage = outcome.kind === 'ok'
      ? { v: PROTOCOL_VERSION, type: 'done', runId: m.runId, outcome: { kind: 'ok' }, ...(outcome.response !== undefined ? { response: outcome.response } : {}), stats }
      : { v: PROTOCOL_VERSION, type: 'done', runId: m.runId, outcome, stats }
    post(done)
  }

  scope.onmessage = (ev) => {
    let m: NodeToWorker
    try {
      m = parseNodeMessage(ev.data)
    } catch {
      return
    }
    switch (m.type) {
      case 'run':
        if (current !== undefined) {
          post({ v: PROTOCOL_VERSION, type: 'done', runId: m.runId, outcome: { kind: 'error', code: 'ERR_SANDBOX_PROTOCOL', message: 'sandbox worker is busy' }, stats: { runMs: 0 } })
          return
        }
        void run(m)
        return
      case 'result': {
        const call = current?.runId === m.runId ? current.calls.get(m.callId) : undefined
        if (call === undefined) return
        current!.calls.delete(m.callId)
        if (m.ok) call.resolve(m.value)
        else call.reject(new GuestError(String(m.error?.name ?? 'Error').slice(0, 64), String(m.error?.message ?? '').slice(0, 1000)))
        return
      }
      case 'cancel':
        if (current?.runId === m.runId) current.abort.abort()
    }
  }
}
