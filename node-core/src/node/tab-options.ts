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

/**
 * Origins a node tab lets actions fetch from, `?actionFetch=http://127.0.0.1:PORT[,…]`
 * (test builds only: the app decides; docs/actions.md §3.7). Each must be a bare
 * http(s) origin; anything else is dropped.
 */
export function actionFetchAllowFromQuery (search: string): string[] {
  const value = new URLSearchParams(search).get('actionFetch')
  if (value === null) return []
  return value.split(',').flatMap((item) => {
    try {
      const url = new URL(item)
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item ? [url.origin] : []
    } catch {
      return []
    }
  })
}

/** An action wall-time limit from `?actionWallMs=N` (100 … 300 000), or undefined for the default. */
export function actionWallMsFromQuery (search: string): number | undefined {
  const value = new URLSearchParams(search).get('actionWallMs')
  if (value === null || !/^\d{3,6}$/.test(value)) return undefined
  const n = Number(value)
  return n >= 100 && n <= 300_000 ? n : undefined
}
