/**
 * A PeerDirectory over a PeerRuntime's mesh snapshot (node/runtime.ts,
 * net/mesh.ts): the online nodes are the live nodes the status broadcasts
 * name (`knownNodes`) — for a node, only those it has a direct link to — plus
 * this peer when it is a node, sorted. Listeners are
 * told only when that set changes (snapshots arrive with every status).
 */
import type { PeerRuntimeSnapshot } from './runtime.js'
import type { PeerDirectory } from './transport.js'
import { onlineNodeSet } from '../net/mesh.js'

export interface MeshSource {
  snapshot(): PeerRuntimeSnapshot | null
  subscribe(listener: (s: PeerRuntimeSnapshot) => void): () => void
  /** The same set as onlineNodesOf(snapshot(), includeSelf), computed without a snapshot (asked on every request). */
  onlineNodes?(includeSelf: boolean): string[]
}

export function onlineNodesOf (snapshot: PeerRuntimeSnapshot | null, includeSelf: boolean): string[] {
  if (snapshot == null) return []
  const direct = snapshot.links.filter(l => l.kind === 'direct').map(l => l.peer)
  return onlineNodeSet(snapshot.peerId, snapshot.knownNodes, direct, includeSelf)
}

export function meshDirectory (runtime: MeshSource, opts: { includeSelf: boolean }): PeerDirectory {
  const listeners = new Set<() => void>()
  let last = onlineNodesOf(runtime.snapshot(), opts.includeSelf).join(',')
  let unsubscribe: (() => void) | undefined
  const onSnapshot = (s: PeerRuntimeSnapshot): void => {
    const now = onlineNodesOf(s, opts.includeSelf).join(',')
    if (now === last) return
    last = now
    for (const l of [...listeners]) {
      try { l() } catch { /* a listener's failure is its own */ }
    }
  }
  return {
    onlineNodes: () => runtime.onlineNodes?.(opts.includeSelf) ?? onlineNodesOf(runtime.snapshot(), opts.includeSelf),
    subscribe: (listener) => {
      listeners.add(listener)
      unsubscribe ??= runtime.subscribe(onSnapshot)
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) { unsubscribe?.(); unsubscribe = undefined }
      }
    }
  }
}
