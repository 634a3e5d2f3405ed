/**
 * Output discipline for bench scripts: exactly one JSON object on stdout, all
 * progress on stderr, so `npm run bench:crypto > result.json` stays parseable.
 */

let quiet = process.env.BENCH_QUIET === '1'

/** Silences (or re-enables) `progress`. BENCH_QUIET=1 in the environment also silences it. */
export function setQuiet (value: boolean): void {
  quiet = value
}

const started = performance.now()

/** A progress line on stderr, prefixed with seconds since the process loaded this module. */
export function progress (message: string): void {
  if (quiet) return
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6)
  process.stderr.write(`[bench ${s}s] ${message}\n`)
}

/**
 * JSON replacer: bigint → decimal string, byte arrays → hex string, Map → object,
 * non-finite numbers → null (JSON has no NaN).
 */
export function jsonReplacer (_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  if (value instanceof Map) return Object.fromEntries(value)
  if (typeof value === 'number' && !Number.isFinite(value)) return null
  return value
}

let printed = false

/**
 * Writes `obj` as pretty JSON on stdout, once per process: a second call
 * throws, so two results can never be concatenated into invalid JSON.
 */
export function printJson (obj: unknown): void {
  if (printed) throw new Error('printJson: the single JSON result was already printed')
  printed = true
  process.stdout.write(JSON.stringify(obj, jsonReplacer, 2) + '\n')
}
