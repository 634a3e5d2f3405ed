/**
 * Links from a client peer to the nodes through the relay. A client learns the
 * nodes from their signed statuses, which carry no address it can use without
 * WebRTC; every node holds a relay reservation, so
 * `<relay>/p2p-circuit/p2p/<node>` reaches it (a limited connection, which
 * every runtime RPC allows).
 *
 * Each live node is dialled ahead of use (a relayed noise handshake took
 * seconds on a loaded machine; paying it inside a mint or a sign request made
 * the request fail), redialled with backoff after a failure or when the relay
 * closes the circuit (circuits are time- and data-limited). The directory
 * lists a node only while a connection to it is open: "online" means
 * reachable now.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { backoffDelay, DIAL_TIMEOUT_MS, PEER_BACKOFF, type RelayInfo } from '../net/config.js'
import type { PeerDirectory } from '../node/transport.js'

export interface RelayRoutesInit {
  libp2p: Pick<Libp2p, 'peerStore' | 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  /** The live nodes as the peer's status view sees them. */
  directory: PeerDirectory
  relayInfo: () => Promise<RelayInfo>
  now?: () => number
}

export interface RelayRoutes {
  /** The live nodes this peer has an open connection to. */
  readonly directory: PeerDirectory
  stop: () => void
}

interface DialState {
  failures: number
  nextAttemptAt: number
  dialing: boolean
}

export function routeNodesViaRelay (init: RelayRoutesInit): RelayRoutes {
  const { libp2p } = init
  const now = init.now ?? Date.now
  const listeners = new Set<() => void>()
  const dials = new Map<string, DialState>()
  const shutdown = new AbortController()
  let relayAddrs: string[] = []
  let lastKey = ''

  const connected = (peer: string): boolean => {
    try {
      return libp2p.getConnections(peerIdFromString(peer)).some(c => c.status === 'open')
    } catch {
      return false
    }
  }
  const reachable = (): string[] => init.directory.onlineNodes().filter(connected)
  const notify = (): void => {
    const key = reachable().join(',')
    if (key === lastKey) return
    lastKey = key
    for (const l of [...listeners]) {
      try { l() } catch { /* a listener's failure is its own */ }
    }
  }

  const dial = async (node: string, state: DialState): Promise<void> => {
    state.dialing = true
    try {
      if (relayAddrs.length === 0) relayAddrs = (await init.relayInfo()).multiaddrs
      const peerId: PeerId = peerIdFromString(node)
      await libp2p.peerStore.merge(peerId, { multiaddrs: relayAddrs.map(a => multiaddr(`${a}/p2p-circuit/p2p/${node}`)) })
      await libp2p.dial(peerId, { signal: AbortSignal.any([AbortSignal.timeout(DIAL_TIMEOUT_MS), shutdown.signal]) })
      state.failures = 0
    } catch {
      state.failures++
      state.nextAttemptAt = now() + backoffDelay(PEER_BACKOFF, state.failures - 1)
      // The relay may have restarted under a new id: read its addresses again next time.
      if (state.failures > 1) relayAddrs = []
    } finally {
      state.dialing = false
      notify()
    }
  }

  const check = (): void => {
    if (shutdown.signal.aborted) return
    const t = now()
    for (const node of init.directory.onlineNodes()) {
      let state = dials.get(node)
      if (state == null) { state = { failures: 0, nextAttemptAt: 0, dialing: false }; dials.set(node, state) }
      if (state.dialing || connected(node) || t < state.nextAttemptAt) continue
      void dial(node, state)
    }
    notify()
  }
  const onConnectionChange = (): void => { check() }

  const unsubscribe = init.directory.subscribe(check)
  libp2p.addEventListener('connection:open', onConnectionChange)
  libp2p.addEventListener('connection:close', onConnectionChange)
  // Statuses arrive every 2 s, but a failed dial's backoff must also end without one.
  const timer = setInterval(check, 1_000)
  check()

  return {
    directory: {
      onlineNodes: reachable,
      subscribe: (listener) => {
        listeners.add(listener)
        return () => { listeners.delete(listener) }
      }
    },
    stop: () => {
      shutdown.abort()
      clearInterval(timer)
      unsubscribe()
      libp2p.removeEventListener('connection:open', onConnectionChange)
      libp2p.removeEventListener('connection:close', onConnectionChange)
      listeners.clear()
    }
  }
}
