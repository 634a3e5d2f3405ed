import { useCallback, useEffect, useRef, useState } from 'react'
import { describeError } from './format.js'

export interface Polled<T> {
  value: T | undefined
  error: string | null
  /** Ask again now (e.g. right after a mint), without waiting for the next tick. */
  refresh: () => void
}

/**
 * Call `load` now and every `intervalMs`, one call at a time (a slow answer is
 * never overtaken by an older one), aborting the call in flight on unmount.
 */
export function usePolled<T> (load: (signal: AbortSignal) => Promise<T>, intervalMs: number): Polled<T> {
  const [value, setValue] = useState<T | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  const loadRef = useRef(load)
  loadRef.current = load
  const kick = useRef<() => void>(() => {})

  useEffect(() => {
    const stop = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let running = false
    let again = false
    const tick = async (): Promise<void> => {
      if (running) { again = true; return }
      running = true
      clearTimeout(timer)
      try {
        const v = await loadRef.current(stop.signal)
        if (!stop.signal.aborted) { setValue(v); setError(null) }
      } catch (err) {
        if (!stop.signal.aborted) setError(describeError(err))
      } finally {
        running = false
        if (!stop.signal.aborted) {
          if (again) { again = false; void tick() } else timer = setTimeout(() => { void tick() }, intervalMs)
        }
      }
    }
    kick.current = () => { void tick() }
    void tick()
    return () => { stop.abort(); clearTimeout(timer) }
  }, [intervalMs])

  const refresh = useCallback(() => { kick.current() }, [])
  return { value, error, refresh }
}
