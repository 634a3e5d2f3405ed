/**
 * The node's side of the sandbox (docs/actions.md §2.6, §3.10): a few sandbox
 * workers, one run each at a time, a bounded queue, the host-side deadline,
 * and strict parsing of everything a worker says.
 *
 * - `size` workers (default 2), started at construction so the WASM compiles
 *   before the first run; more runs queue (≤ `queueMax`, default 16; a full
 *   queue is `UnavailableError`, RPC `ERR_UNAVAILABLE`).
 * - The deadline is enforced twice (§2.6): the worker's runner stops the
 *   engine at the wall limit; here, `wallTimeMs + 500 ms` after `run` was
 *   posted without `done`, the worker is terminated, the run answers
 *   `ERR_ACTION_LIMIT`/`wallTime` with the logs so far, and a replacement starts.
 *   (Measured: QuickJS polls its interrupt handler only every 10 000 jumps or
 *   calls, so a loop of heavy built-ins — `"x".repeat(1e6).indexOf("y")` — can
 *   overrun the in-worker check by seconds; this host deadline bounds it.)
 * - A message that does not parse, names another run or an unknown call, or a
 *   worker error, fails that run with `ERR_SANDBOX_PROTOCOL` and recycles the worker.
 * - The caller's AbortSignal: a queued run leaves the queue; a running run is
 *   sent `cancel` and the call rejects at once with SandboxCancelledError (the
 *   worker stays busy until its `done` or the deadline).
 */
import { UnavailableError } from '../../net/rpc/errors.js'
import { SandboxCancelledError, SandboxProtocolError, SandboxStoppedError } from './errors.js'
import { checkJsParams } from './js-params.js'
import type { ActionHost, RunErrorOutcome, RunInput, RunResult } from './quickjs-runner.js'
import { parseWorkerMessage, PROTOCOL_VERSION, type NodeToWorker } from './worker-protocol.js'

/** What the pool needs of a worker: a browser Worker, a worker_threads adapter, or inProcessWorker(). */
export interface WorkerLike {
  postMessage(message: unknown): void
  terminate(): void
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface SandboxPoolInit {
  /** Workers, each running one action at a time (§2.6 `sandboxWorkers`). */
  size?: number
  /** Runs waiting for a worker before `UnavailableError`. */
  queueMax?: number
  createWorker: () => WorkerLike
  /** Host deadline = wallTimeMs + this (§2.6). */
  hostGraceMs?: number
}

export const DEFAULT_SANDBOX_WORKERS = 2
export const DEFAULT_SANDBOX_QUEUE = 16
export const HOST_GRACE_MS = 500

interface Job {
  runId: string
  input: RunInput
  host: ActionHost
  signal: AbortSignal | undefined
  resolve: (r: RunResult) => void
  reject: (e: unknown) => void
  logs: string[]
  logBytes: number
  seenCalls: Set<number>
  postedAt: number
  timer?: ReturnType<typeof setTimeout>
  onAbort?: () => void
  /** The caller has gone (aborted); the worker's answer is dropped. */
  detached: boolean
}

interface Slot {
  worker: WorkerLike
  job: Job | undefined
}

let runCounter = 0

export class SandboxPool {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private readonly createWorker: () => WorkerLike
  private readonly queueMax: number
  private readonly graceMs: number
  private stopped = false

  constructor (init: SandboxPoolInit) {
    const size = init.size ?? DEFAULT_SANDBOX_WORKERS
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('SandboxPool: size must be a positive integer')
    this.createWorker = init.createWorker
    this.queueMax = init.queueMax ?? DEFAULT_SANDBOX_QUEUE
    this.graceMs = init.hostGraceMs ?? HOST_GRACE_MS
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: undefined as unknown as WorkerLike, job: undefined }
      this.attach(slot)
      this.slots.push(slot)
    }
  }

  /** Workers busy and runs queued, for status pages and tests. */
  get load (): { workers: number, busy: number, queued: number } {
    return { workers: this.slots.length, busy: this.slots.filter((s) => s.job !== undefined).length, queued: this.queue.length }
  }

  /**
   * Run one action. Resolves with its outcome (limits and failures are normal
   * outcomes, §2.8); rejects with JsParamsKeyError (refused key),
   * UnavailableError (queue full), SandboxCancelledError (signal) or
   * SandboxStoppedError.
   */
  async run (input: RunInput, host: ActionHost, options: { signal?: AbortSignal } = {}): Promise<RunResult> {
    checkJsParams(input.jsParams)
    if (this.stopped) throw new SandboxStoppedError()
    const signal = options.signal
    if (signal?.aborted === true) throw new SandboxCancelledError()
    const idle = this.slots.some((s) => s.job === undefined)
    if (!idle && this.queue.length >= this.queueMax) throw new UnavailableError(`action queue full (${this.queueMax} waiting)`)
    return await new Promise<RunResult>((resolve, reject) => {
      const job: Job = {
        runId: `r${++runCounter}-${Math.floor(performance.now())}`,
        input,
        host,
        signal,
        resolve,
        reject,
        logs: [],
        logBytes: 0,
        seenCalls: new Set(),
        postedAt: 0,
        detached: false
      }
      if (signal !== undefined) {
        job.onAbort = () => this.cancel(job)
        signal.addEventListener('abort', job.onAbort, { once: true })
      }
      this.queue.push(job)
      this.next()
    })
  }

  /** Terminates every worker; queued and running runs reject with SandboxStoppedError. */
  stop (): void {
    if (this.stopped) return
    this.stopped = true
    for (const job of this.queue.splice(0)) this.settle(job, new SandboxStoppedError())
    for (const slot of this.slots) {
      if (slot.job !== undefined) this.settle(slot.job, new SandboxStoppedError())
      slot.job = undefined
      slot.worker.onmessage = null
      slot.worker.onerror = null
      slot.worker.terminate()
    }
  }

  private attach (slot: Slot): void {
    const worker = this.createWorker()
    slot.worker = worker
    worker.onmessage = (ev) => { if (slot.worker === worker) this.onMessage(slot, ev.data) }
    worker.onerror = () => {
      if (slot.worker !== worker) return
      this.fail(slot, 'the sandbox worker crashed')
    }
  }

  /** Terminate a worker and start its replacement (the slot is then idle). */
  private recycle (slot: Slot): void {
    const old = slot.worker
    old.onmessage = null
    old.onerror = null
    old.terminate()
    slot.job = undefined
    if (!this.stopped) this.attach(slot)
  }

  private next (): void {
    for (const slot of this.slots) {
      if (slot.job !== undefined) continue
      const job = this.queue.shift()
      if (job === undefined) return
      this.dispatch(slot, job)
    }
  }

  private dispatch (slot: Slot, job: Job): void {
    slot.job = job
    job.postedAt = performance.now()
    const { code, jsParams, limits, auth } = job.input
    const message: NodeToWorker = { v: PROTOCOL_VERSION, type: 'run', runId: job.runId, code, jsParams, limits, auth }
    job.timer = setTimeout(() => this.onDeadline(slot, job), limits.wallTimeMs + this.graceMs)
    slot.worker.postMessage(message)
  }

  /** §2.6: no `done` by wall + grace: terminate, answer the limit, replace. */
  private onDeadline (slot: Slot, job: Job): void {
    if (slot.job !== job) return
    const used = Math.round(performance.now() - job.postedAt)
    const max = job.input.limits.wallTimeMs
    this.finish(job, { kind: 'error', code: 'ERR_ACTION_LIMIT', message: `the action went over its wallTime limit (${used} > ${max}); sandbox worker terminated`, limit: 'wallTime', used, max }, undefined, used)
    this.recycle(slot)
    this.next()
  }

  private onMessage (slot: Slot, data: unknown): void {
    const job = slot.job
    if (job === undefined) {
      // Nothing runs on this worker: anything it says is out of protocol.
      this.recycle(slot)
      this.next()
      return
    }
    let m
    try {
      m = parseWorkerMessage(data, job.input.limits)
      if (m.runId !== job.runId) throw new SandboxProtocolError(`message for unknown run ${m.runId}`)
    } catch (err) {
      this.fail(slot, err instanceof Error ? err.message : String(err))
      return
    }
    switch (m.type) {
      case 'log': {
        const bytes = new TextEncoder().encode(m.text).length + 1
        job.logBytes += bytes
        if (job.logBytes > job.input.limits.consoleBytes) {
          this.fail(slot, 'the worker sent more log text than consoleBytes')
          return
        }
        job.logs.push(m.text + '\n')
        return
      }
      case 'call': {
        if (job.seenCalls.has(m.callId)) {
          this.fail(slot, `call ${m.callId} repeated`)
          return
        }
        job.seenCalls.add(m.callId)
        const worker = slot.worker
        const answer = (reply: NodeToWorker): void => {
          if (slot.worker === worker && slot.job === job) worker.postMessage(reply)
        }
        new Promise<unknown>((resolve) => resolve(job.host.call(m.method, m.args))).then(
          (value) => answer({ v: PROTOCOL_VERSION, type: 'result', runId: job.runId, callId: m.callId, ok: true, value: value ?? null }),
          (err: unknown) => answer({
            v: PROTOCOL_VERSION,
            type: 'result',
            runId: job.runId,
            callId: m.callId,
            ok: false,
            error: { name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) }
          })
        )
        return
      }
      case 'done': {
        const outcome = m.outcome.kind === 'ok' ? (m.response !== undefined ? { kind: 'ok' as const, response: m.response } : { kind: 'ok' as const }) : m.outcome
        this.finish(job, outcome, m.stats.memPeakBytes, m.stats.runMs)
        slot.job = undefined
        this.next()
      }
    }
  }

  /** ERR_SANDBOX_PROTOCOL for the slot's run (if any), and a fresh worker. */
  private fail (slot: Slot, message: string): void {
    const job = slot.job
    if (job !== undefined) {
      this.finish(job, { kind: 'error', code: 'ERR_SANDBOX_PROTOCOL', message: message.slice(0, 512) }, undefined, performance.now() - job.postedAt)
    }
    this.recycle(slot)
    this.next()
  }

  private finish (job: Job, outcome: RunResult['outcome'] | RunErrorOutcome, memPeakBytes: number | undefined, runMs: number): void {
    const stats: RunResult['stats'] = { runMs }
    if (memPeakBytes !== undefined) stats.memPeakBytes = memPeakBytes
    this.settle(job, { outcome, logs: job.logs.join(''), stats })
  }

  /** Resolve (a result) or reject (an error) once; drop the job's timer and abort listener. */
  private settle (job: Job, result: RunResult | Error): void {
    if (job.timer !== undefined) clearTimeout(job.timer)
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort)
    if (job.detached) return
    job.detached = true
    if (result instanceof Error) job.reject(result)
    else job.resolve(result)
  }

  private cancel (job: Job): void {
    const queued = this.queue.indexOf(job)
    if (queued >= 0) this.queue.splice(queued, 1)
    const slot = this.slots.find((s) => s.job === job)
    if (slot !== undefined) slot.worker.postMessage({ v: PROTOCOL_VERSION, type: 'cancel', runId: job.runId, reason: 'cancelled by the caller' } satisfies NodeToWorker)
    // The worker stays busy until its `done` (or the deadline); only the caller is released now.
    const timer = job.timer
    job.timer = undefined
    this.settle(job, new SandboxCancelledError())
    job.timer = timer
  }
}
