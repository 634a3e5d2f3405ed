/**
 * The last N signing latencies, for the live plot. A tiny observable ring: the
 * sign panel records, the plot subscribes (useSyncExternalStore).
 */
export interface LatencySample {
  id: number
  ms: number
  ok: boolean
  error?: string
  at: number
}

export class LatencyLog {
  private samples: readonly LatencySample[] = []
  private nextId = 1
  private readonly listeners = new Set<() => void>()

  constructor (readonly capacity = 50) {}

  record (ms: number, ok: boolean, error?: string): void {
    const sample: LatencySample = { id: this.nextId++, ms, ok, error, at: Date.now() }
    // A new array each time: React compares snapshots by identity.
    this.samples = [...this.samples, sample].slice(-this.capacity)
    for (const l of this.listeners) l()
  }

  readonly snapshot = (): readonly LatencySample[] => this.samples

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }
}
