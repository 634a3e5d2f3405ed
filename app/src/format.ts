/** Display helpers (no protocol logic). */
export function shortId (peerId: string): string {
  return peerId.length > 12 ? `…${peerId.slice(-8)}` : peerId
}

export function formatRtt (ms: number | null): string {
  if (ms == null) return '—'
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`
}
