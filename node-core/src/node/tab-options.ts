/**
 * Options a node tab takes from its URL (besides the slot and test faults):
 * strictly parsed, anything else falls back to the default.
 */
/** Largest `?pool=` a node tab accepts. */
export const MAX_POOL_TARGET_QUERY = 1024

/**
 * A node tab's pool target from `?pool=N` (benchmarks keep a deeper pool so a
 * long run of signatures finds one ready), or undefined for the default.
 */
export function poolTargetFromQuery (search: string): number | undefined {
  const value = new URLSearchParams(search).get('pool')
  if (value === null || !/^\d{1,4}$/.test(value)) return undefined
  const n = Number(value)
  return n <= MAX_POOL_TARGET_QUERY ? n : undefined
}
