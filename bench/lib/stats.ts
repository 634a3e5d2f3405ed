/**
 * Order statistics over benchmark samples. Percentiles interpolate linearly
 * between the two nearest ranks (the "R-7" rule, numpy's default), so the
 * median of an even-sized sample is the mean of the two middle values.
 */

/** Linear-interpolated percentile, `p` in [0, 100]. Throws on an empty sample. */
export function percentile (samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile: empty sample')
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be in [0, 100], got ${p}`)
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo)
}

/** The 50th percentile. */
export function median (samples: readonly number[]): number {
  return percentile(samples, 50)
}

/** Arithmetic mean. Throws on an empty sample. */
export function mean (samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('mean: empty sample')
  return samples.reduce((a, b) => a + b, 0) / samples.length
}

/** Rounds to `digits` decimals so printed JSON stays readable. */
export function round (x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
