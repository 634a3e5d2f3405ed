/** Wall-clock time for the node services; tests pass their own to move time by hand. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
