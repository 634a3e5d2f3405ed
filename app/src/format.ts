/** Display helpers (no protocol logic). */
export function shortId (peerId: string): string {
  return peerId.length > 12 ? `…${peerId.slice(-8)}` : peerId
}

export function formatRtt (ms: number | null): string {
  if (ms == null) return '—'
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`
}

/** A duration for people: 0.84 ms, 12.3 ms, 1.25 s. */
export function formatMs (ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`
  if (ms < 1_000) return `${ms.toFixed(1)} ms`
  return `${(ms / 1_000).toFixed(2)} s`
}

/** 0x1234…abcd for long hex strings (the full value goes in a title attribute). */
export function shortHex (hex: string, keep = 6): string {
  return hex.length > 2 * keep + 4 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex
}

/** An error for display: its class name and message (typed errors carry both). */
export function describeError (err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}

/** Hex with a 0x prefix, whichever way it came (nodes and the SDK differ). */
export function as0x (hex: string): string {
  return hex.startsWith('0x') ? hex : `0x${hex}`
}
