/**
 * Wall-clock and CPU timing of a function over repeated runs.
 *
 * Wall time comes from `performance.now()`. CPU time comes from
 * `process.cpuUsage()` (user + system, whole process): for single-threaded
 * synchronous work it tracks wall time, and a gap between the two shows time
 * spent waiting (I/O, timers) — or, when CPU exceeds wall, work on other threads
 * such as the garbage collector.
 */
import { median, percentile } from './stats.js'

export interface TimeItOptions {
  /** Measured runs (default 10). */
  runs?: number
  /** Unmeasured runs first, to warm the JIT and caches (default 1). */
  warmup?: number
  /** Called before each run, outside the measured span (fresh inputs, e.g. new keys). */
  before?: (run: number) => void | Promise<void>
}

export interface Timing {
  /** Median wall time per run, ms. */
  medianMs: number
  /** 95th percentile wall time per run, ms. */
  p95Ms: number
  /** Median process CPU time (user + system) per run, ms. */
  cpuMedianMs: number
  /** Number of measured runs. */
  runs: number
  /** Every measured wall time, ms, in run order. */
  samplesMs: number[]
}

/** Measures one call of `fn` in wall and CPU milliseconds. */
export async function measureOnce<T> (fn: () => T | Promise<T>): Promise<{ wallMs: number, cpuMs: number, value: T }> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const value = await fn()
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, value }
}

/**
 * Runs `fn` `warmup` times unmeasured, then `runs` times measured. Works for
 * synchronous and asynchronous functions (an async `fn` is awaited inside the
 * measured span).
 */
export async function timeIt (fn: (run: number) => unknown, options: TimeItOptions = {}): Promise<Timing> {
  const runs = options.runs ?? 10
  const warmup = options.warmup ?? 1
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`timeIt: runs must be a positive integer, got ${runs}`)
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`timeIt: warmup must be a non-negative integer, got ${warmup}`)
  for (let i = 0; i < warmup; i++) {
    await options.before?.(-1 - i)
    await fn(-1 - i)
  }
  const wall: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < runs; i++) {
    await options.before?.(i)
    const m = await measureOnce(() => fn(i))
    wall.push(m.wallMs)
    cpu.push(m.cpuMs)
  }
  return {
    medianMs: median(wall),
    p95Ms: percentile(wall, 95),
    cpuMedianMs: median(cpu),
    runs,
    samplesMs: wall
  }
}

/**
 * Accumulates time spent per key (e.g. per party) across many short calls, for
 * protocols run in one process where each party's share of the work matters.
 */
export class Stopwatch<K> {
  private readonly totals = new Map<K, number>()

  /** Runs `fn`, adds its wall time to `key`, returns its result. */
  time<T> (key: K, fn: () => T): T {
    const t0 = performance.now()
    try {
      return fn()
    } finally {
      this.totals.set(key, (this.totals.get(key) ?? 0) + performance.now() - t0)
    }
  }

  /** Total ms recorded for `key` (0 if none). */
  get (key: K): number {
    return this.totals.get(key) ?? 0
  }

  /** Largest total over all keys (0 if none). */
  max (): number {
    let m = 0
    for (const v of this.totals.values()) m = Math.max(m, v)
    return m
  }

  /** Sum over all keys. */
  sum (): number {
    let s = 0
    for (const v of this.totals.values()) s += v
    return s
  }
}
