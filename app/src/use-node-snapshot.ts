import { useEffect, useState } from 'react'

/** What the node page reads of a LitNode: a snapshot and change notifications. */
export interface Observable<S> {
  snapshot (): S
  subscribe (listener: (s: S) => void): () => void
}

/** The latest snapshot, re-rendered at most every 200 ms. */
export function useObservable<S> (source: Observable<S>): S {
  const [snap, setSnap] = useState<S>(() => source.snapshot())
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const off = source.subscribe(() => {
      if (timer !== undefined) return
      timer = setTimeout(() => { timer = undefined; setSnap(source.snapshot()) }, 200)
    })
    setSnap(source.snapshot())
    return () => { off(); clearTimeout(timer) }
  }, [source])
  return snap
}
