/**
 * Work the client owes but nobody waits for (checking, after a signature was
 * returned, the shares it was made from: docs/node-runtime.md §5.4 step 5), run
 * when no operation is in flight, so it never takes the CPU from the next
 * request's shares on a machine whose cores the nodes share. A job waits at most
 * `maxDelayMs`: under steady load it runs anyway, one job per turn of the event loop.
 */
export interface IdleWorkOptions {
  /** Longest a job waits for an idle moment (default 2 s). */
  maxDelayMs?: number
  /** How long the client must stay idle before jobs run (default 20 ms: a caller's next request comes sooner). */
  settleMs?: number
}

interface Job {
  run: () => void
  dueAt: number
}

export class IdleWork {
  private readonly maxDelayMs: number
  private readonly settleMs: number
  private readonly jobs: Job[] = []
  /** Jobs that run only at an idle moment, never forced; one per key. */
  private readonly idleOnly = new Map<string, () => void>()
  private inFlight = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private timerAt = 0
  private closed = false

  constructor (private readonly now: () => number, options: IdleWorkOptions = {}) {
    this.maxDelayMs = options.maxDelayMs ?? 2_000
    this.settleMs = options.settleMs ?? 20
  }

  /** An operation starts; returns its end (idempotent). */
  busy (): () => void {
    this.inFlight++
    let ended = false
    return () => {
      if (ended) return
      ended = true
      this.inFlight--
      this.schedule()
    }
  }

  /** Run `fn` at the next idle moment (or by maxDelayMs); resolves with its result. */
  async run<T> (fn: () => T): Promise<T> {
    if (this.closed) return fn()
    return await new Promise<T>((resolve, reject) => {
      this.jobs.push({
        run: () => { try { resolve(fn()) } catch (err) { reject(err) } },
        dueAt: this.now() + this.maxDelayMs
      })
      this.schedule()
    })
  }

  /**
   * Run `fn` at the next idle moment only (no deadline: under steady load it waits).
   * A second call with the same key before then replaces the first. Errors are the job's own.
   */
  whenIdle (key: string, fn: () => void): void {
    if (this.closed) return
    this.idleOnly.set(key, fn)
    this.schedule()
  }

  /** Run everything still queued now (the client is closing); later jobs run at once. */
  flush (): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    for (const job of this.jobs.splice(0)) job.run()
    this.idleOnly.clear()
  }

  get pending (): number { return this.jobs.length + this.idleOnly.size }

  /** Wake at the next idle moment, or when the oldest job is due, whichever is sooner. */
  private schedule (): void {
    if ((this.jobs.length === 0 && this.idleOnly.size === 0) || this.closed) return
    if (this.jobs.length === 0 && this.inFlight > 0) return // idle-only work waits for the next busy() to end
    const idleAt = this.now() + this.settleMs
    const at = this.jobs.length === 0 ? idleAt : this.inFlight === 0 ? Math.min(idleAt, this.jobs[0].dueAt) : this.jobs[0].dueAt
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return
      clearTimeout(this.timer)
    }
    this.timerAt = at
    this.timer = setTimeout(() => { this.timer = undefined; this.tick() }, Math.max(0, at - this.now()))
  }

  /** One job per turn, so a backlog never blocks the event loop for long. */
  private tick (): void {
    const job = this.jobs[0]
    if (job !== undefined && (this.inFlight === 0 || this.now() >= job.dueAt)) {
      this.jobs.shift()
      job.run()
    } else if (job === undefined && this.inFlight === 0) {
      // Owed checks first; then the idle-only jobs, one per turn as well.
      const next = this.idleOnly.entries().next()
      if (!next.done) {
        this.idleOnly.delete(next.value[0])
        try { next.value[1]() } catch { /* the job's own */ }
      }
    }
    this.schedule()
  }
}
