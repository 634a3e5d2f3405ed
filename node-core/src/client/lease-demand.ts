/**
 * How many presignatures a client should hold leased for a PKP between bursts
 * of signing (docs/node-runtime.md §5.4 step 1): about as many as it used in the
 * last `windowMs`, within [min, max]. A lease refill during a burst (lease RPC,
 * arming on every participant, decoding) takes CPU from the signatures in
 * flight on a machine whose cores the nodes share; leasing the next burst's
 * presignatures when the client is idle keeps that work out of the burst. A
 * client that signed once leases no more than the low water: a lease not used
 * within 60 s is a presignature lost. Pure: the time is passed in.
 */
export interface LeaseDemandOptions {
  windowMs?: number
  min?: number
  max?: number
}

export class LeaseDemand {
  private readonly windowMs: number
  private readonly min: number
  private readonly max: number
  private readonly uses = new Map<string, number[]>()

  constructor (options: LeaseDemandOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000
    this.min = options.min ?? 0
    this.max = options.max ?? 18
  }

  /** One presignature of `tokenId` was used at `now`. */
  record (tokenId: string, now: number): void {
    const list = this.recent(tokenId, now)
    list.push(now)
    // More than `max` remembered would never change the answer.
    if (list.length > this.max) list.splice(0, list.length - this.max)
    this.uses.set(tokenId, list)
  }

  /** Leases worth holding for `tokenId` now. */
  target (tokenId: string, now: number): number {
    return Math.min(this.max, Math.max(this.min, this.recent(tokenId, now).length))
  }

  private recent (tokenId: string, now: number): number[] {
    const list = (this.uses.get(tokenId) ?? []).filter((t) => now - t < this.windowMs)
    if (list.length === 0) this.uses.delete(tokenId)
    return list
  }
}
