import type { ShareFault } from './client-api.js'

/**
 * The nodes a failed request names (BadShareError and friends carry them), for
 * display; an error that names none gives an empty list.
 */
export function faultsOf (err: unknown): ShareFault[] {
  const faults = (err as { faults?: unknown } | null)?.faults
  if (!Array.isArray(faults)) return []
  return faults.filter((f): f is ShareFault => typeof f?.node === 'string' && typeof f?.reason === 'string')
}
