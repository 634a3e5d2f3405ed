/** Command-line options and latency summaries shared by the benches that drive tabs. */
import { percentile, round } from './stats.js'

/** The value after `--name` on the command line, or `fallback`. */
export function arg (name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}

export interface LatencyStats { n: number, p50: number, p95: number, p99: number, mean: number, min: number, max: number }

/** Percentiles, mean and range of latency samples (ms, rounded), or null when there are none. */
export function latencyStats (samples: number[]): LatencyStats | null {
  if (samples.length === 0) return null
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    min: round(Math.min(...samples)),
    max: round(Math.max(...samples))
  }
}
