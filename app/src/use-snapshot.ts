import { useEffect, useState } from 'react'
import type { PeerRuntime, PeerRuntimeSnapshot } from '../../node-core/src/browser.js'

/** The runtime's latest snapshot, re-rendered at most every 250 ms plus a 1 s clock tick. */
export function useSnapshot (peer: PeerRuntime): PeerRuntimeSnapshot | null {
  const [snap, setSnap] = useState<PeerRuntimeSnapshot | null>(() => peer.snapshot())
  useEffect(() => {
    let pending = false
    const refresh = (): void => {
      if (pending) return
      pending = true
      setTimeout(() => { pending = false; setSnap(peer.snapshot()) }, 250)
    }
    const off = peer.subscribe(refresh)
    const clock = setInterval(() => { setSnap(peer.snapshot()) }, 1_000)
    return () => { off(); clearInterval(clock) }
  }, [peer])
  return snap
}
