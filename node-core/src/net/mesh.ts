/**
 * The mesh maintainer of one tab: keeps a connection to the relay, publishes this
 * peer's status, learns other peers from theirs, keeps a direct WebRTC link to
 * every other node (full mesh), and measures each link's round-trip time.
 *
 * Rules (docs/testnet.md, "How the network forms"):
 *  - only one designated side dials a pair (two simultaneous dials lose a race and
 *    time out), chosen by a hash of the pair so that dials spread evenly over the
 *    tabs; the other side dials too after OTHER_SIDE_PATIENCE_MS;
 *  - peers are learnt from signed status messages, and a peer is dialled only at
 *    an address that ends with its own PeerId (the signer's);
 *  - every failed dial (relay or peer) is retried with exponential backoff;
 *  - a link is direct only while its RTCPeerConnection is 'connected'; a direct
 *    link that stops answering pings is closed so that it can be dialled again.
 */
import type { Message } from '@libp2p/gossipsub'
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { LitError } from '../errors.js'
import {
  backoffDelay, DIAL_TIMEOUT_MS, OTHER_SIDE_PATIENCE_MS, MESH_TICK_MS, PEER_BACKOFF, PING_TIMEOUT_MS,
  RELAY_BACKOFF, RTT_INTERVAL_MS, STATUS_INTERVAL_MS, STATUS_TOPIC, STATUS_TTL_MS, type RelayInfo
} from './config.js'
import { ECHO_PROTOCOL } from './echo.js'
import { ProbeStream } from './exchange.js'
import type { BrowserLibp2p } from './libp2p-browser.js'
import {
  buildMeshView, classifyLink, decodeStatus, encodeStatus, STATUS_VERSION,
  type LinkKind, type LinkStatus, type MeshView, type PeerRole, type PeerStatus, type ReceivedStatus
} from './status.js'

/** Link probes ride one long-lived echo stream per connection (not a new stream per probe). */
const PROBE_PROTOCOL = ECHO_PROTOCOL
const PING_BYTES = 32
/**
 * Dials in flight at once per tab. Mesh set-up on two cores is CPU-bound (both
 * cores busy throughout): with 5 in flight per tab, 10 tabs' dials took 23 s
 * (median) instead of 11 s and the mesh took ~60 s instead of 41-48 s.
 */
const MAX_CONCURRENT_DIALS = 2
/** Listeners hear of changes at most this often (ms). */
const EMIT_COALESCE_MS = 250
/** Consecutive failed pings after which a direct link is considered dead and closed. */
const MAX_PING_FAILURES = 3

/**
 * The nodes a peer counts online: the live nodes the statuses name; for a node
 * (includeSelf), only those it has a direct link to, plus itself; sorted. A node
 * needs the direct link: protocol messages to a node reachable only through the
 * relay make libp2p dial WebRTC first (seconds on a loaded machine), and in e2e
 * runs genesis proposed while the mesh was still forming lost whole DKG rounds that way.
 */
export function onlineNodeSet (self: string, knownNodes: readonly string[], directPeers: Iterable<string>, includeSelf: boolean): string[] {
  if (!includeSelf) return [...new Set(knownNodes)].sort()
  const direct = new Set(directPeers)
  const set = new Set(knownNodes.filter(p => direct.has(p)))
  set.add(self)
  return [...set].sort()
}

export class RelayUnreachableError extends LitError {
  constructor (reason: string, options?: { cause?: unknown }) {
    super(`relay unreachable: ${reason}`, 'ERR_RELAY_UNREACHABLE', options)
  }
}

/** Where the relay connection stands. */
export type RelayState = 'connecting' | 'connected' | 'unreachable'

export interface RelayStatus {
  state: RelayState
  peerId: string | null
  /** Failed attempts since the last success. */
  failures: number
  /** When the next attempt is due (epoch ms), null while connected or dialling. */
  retryAt: number | null
  lastError: string | null
}

/** A link of this tab to another peer. */
export interface LocalLink extends LinkStatus {
  /** Whether the remote peer announced itself as a node. */
  remoteRole: PeerRole | null
}

/** Everything a page needs to draw this peer and the network it sees. */
export interface MeshSnapshot {
  peerId: string
  role: PeerRole
  relay: RelayStatus
  /** This tab's listening addresses (a node's /p2p-circuit/webrtc one among them). */
  addrs: string[]
  links: LocalLink[]
  /** Live nodes other than this one. */
  knownNodes: string[]
  /** The whole network as the statuses describe it (this peer included). */
  network: MeshView
  /** The latest dial attempts to peers, newest last (diagnostics for the node page). */
  dialLog: DialRecord[]
  at: number
}

/** One dial attempt to a peer. */
export interface DialRecord {
  peer: string
  startedAt: number
  ms: number
  ok: boolean
  error: string | null
  /** When each set-up step began, ms after `startedAt` (libp2p progress events, e.g. `webrtc:read-sdp-answer`). */
  steps: Array<[string, number]>
}

/**
 * Progress events of a dial kept in a {@link DialRecord}: the first of each type
 * (dial queue, circuit relay, upgrader, WebRTC signalling steps), not the one per
 * ICE candidate.
 */
function isDialStep (type: string): boolean {
  return type !== 'webrtc:add-ice-candidate'
}

const DIAL_LOG_LENGTH = 32

export interface MeshInit {
  libp2p: BrowserLibp2p
  role: PeerRole
  /** Where the relay is: fetched again before every relay dial (the relay may restart with a new id). */
  relayInfo: () => Promise<RelayInfo>
  now?: () => number
}

interface PeerDialState {
  firstSeen: number
  failures: number
  nextAttemptAt: number
  dialing: boolean
}

export class Mesh {
  private readonly libp2p: BrowserLibp2p
  private readonly role: PeerRole
  private readonly relayInfo: () => Promise<RelayInfo>
  private readonly now: () => number
  private readonly self: string
  private readonly statuses = new Map<string, ReceivedStatus>()
  private readonly dials = new Map<string, PeerDialState>()
  private readonly rtt = new Map<string, number>()
  private readonly pingFailures = new Map<string, number>()
  /** Per connection id, its open probe stream (or the promise of one). */
  private readonly probes = new Map<string, Promise<ProbeStream>>()
  private readonly listeners = new Set<(s: MeshSnapshot) => void>()
  private readonly timers: Array<ReturnType<typeof setInterval>> = []
  private readonly shutdown = new AbortController()
  private relay: RelayStatus = { state: 'connecting', peerId: null, failures: 0, retryAt: 0, lastError: null }
  private relayDialing = false
  private measuring = false
  private lastLinkKey = ''
  private readonly dialLog: DialRecord[] = []
  private started = false
  /** This tab's listening addresses; libp2p recomputes them on every getMultiaddrs() call. */
  private addrsCache: string[] | null = null
  private emitTimer: ReturnType<typeof setTimeout> | null = null

  constructor (init: MeshInit) {
    this.libp2p = init.libp2p
    this.role = init.role
    this.relayInfo = init.relayInfo
    this.now = init.now ?? Date.now
    this.self = init.libp2p.peerId.toString()
  }

  start (): void {
    if (this.started) return
    this.started = true
    const pubsub = this.libp2p.services.pubsub
    pubsub.subscribe(STATUS_TOPIC)
    pubsub.addEventListener('message', this.onMessage)
    this.libp2p.addEventListener('connection:open', this.onConnectionChange)
    this.libp2p.addEventListener('connection:close', this.onConnectionChange)
    this.libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
    this.timers.push(setInterval(() => { this.tick() }, MESH_TICK_MS))
    this.timers.push(setInterval(() => { void this.publishStatus(false) }, STATUS_INTERVAL_MS))
    this.timers.push(setInterval(() => { void this.measureRtts() }, RTT_INTERVAL_MS))
    this.tick()
  }

  /** Tell the others we are going (best effort), then stop all timers and listeners. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await Promise.race([this.publishStatus(true), sleep(300)])
    this.shutdown.abort()
    for (const id of [...this.probes.keys()]) this.dropProbe(id)
    for (const t of this.timers) clearInterval(t)
    this.timers.length = 0
    const pubsub = this.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    this.libp2p.removeEventListener('connection:open', this.onConnectionChange)
    this.libp2p.removeEventListener('connection:close', this.onConnectionChange)
    this.libp2p.removeEventListener('self:peer:update', this.onSelfUpdate)
  }

  /** Best-effort goodbye for page unload, where nothing can be awaited. */
  announceLeaving (): void {
    void this.publishStatus(true)
  }

  subscribe (listener: (s: MeshSnapshot) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  snapshot (): MeshSnapshot {
    const now = this.now()
    const own: ReceivedStatus = { from: this.self, status: this.ownStatus(false), receivedAt: now }
    const statuses = [...this.statuses.values()]
    if (this.role === 'node') statuses.push(own)
    return {
      peerId: this.self,
      role: this.role,
      relay: { ...this.relay },
      addrs: [...this.listenAddrs()],
      links: this.localLinks(),
      knownNodes: this.liveNodes(now),
      network: buildMeshView(statuses, now),
      dialLog: [...this.dialLog],
      at: now
    }
  }

  /**
   * The nodes a PeerDirectory counts online (node/mesh-directory.ts), without
   * building a whole snapshot: a client asks several times per signature, and
   * snapshot() (the mesh view of every status) cost it ~2 ms each time.
   */
  onlineNodes (includeSelf: boolean): string[] {
    const direct = (): string[] => [...this.bestConnections()].filter(([, { kind }]) => kind === 'direct').map(([peer]) => peer)
    return onlineNodeSet(this.self, this.liveNodes(this.now()), includeSelf ? direct() : [], includeSelf)
  }

  // ---- events ------------------------------------------------------------

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== STATUS_TOPIC || msg.type !== 'signed') return
    const from = msg.from.toString()
    if (from === this.self) return
    let status: PeerStatus
    try {
      status = decodeStatus(msg.data)
    } catch {
      return // a malformed status is dropped; the sender is simply not learnt
    }
    const isNew = !this.statuses.has(from)
    this.statuses.set(from, { from, status, receivedAt: this.now() })
    if (status.leaving) {
      // The tab is going (closed or reloading): drop its links now instead of
      // waiting for failed pings, so a reloaded tab is redialled at once.
      this.statuses.delete(from)
      for (const conn of this.libp2p.getConnections()) {
        if (conn.remotePeer.toString() === from) void conn.close().catch(() => { conn.abort(new Error('peer left')) })
      }
    }
    if (isNew) this.tick()
    else this.emit()
  }

  private readonly onConnectionChange = (evt: CustomEvent<Connection>): void => {
    const remote = evt.detail.remotePeer.toString()
    if (evt.type === 'connection:close') {
      if (remote === this.relay.peerId && this.libp2p.getConnections(evt.detail.remotePeer).length === 0) {
        this.relay = { ...this.relay, state: 'unreachable', lastError: 'connection closed', retryAt: this.now() }
      }
      if (evt.detail.remoteAddr.toString().includes('/webrtc')) {
        // A direct link went away: allow a prompt re-dial.
        const d = this.dials.get(remote)
        if (d != null) { d.failures = 0; d.nextAttemptAt = this.now() }
      }
      this.rtt.delete(evt.detail.id)
      this.pingFailures.delete(evt.detail.id)
      this.dropProbe(evt.detail.id)
    }
    this.linksMaybeChanged()
    this.emit()
  }

  private readonly onSelfUpdate = (): void => {
    this.addrsCache = null
    void this.publishStatus(false)
    this.emit()
  }

  // ---- the periodic work -------------------------------------------------

  private tick (): void {
    if (!this.started) return
    const now = this.now()
    this.addrsCache = null // also refreshed here, in case an address change came without self:peer:update
    for (const [id, s] of this.statuses) {
      if (now - s.receivedAt > STATUS_TTL_MS) { this.statuses.delete(id); this.dials.delete(id) }
    }
    void this.ensureRelay()
    // Nodes keep a full mesh; a client (the dashboard) dials every node so its
    // requests go over direct links too (nodes never dial clients).
    this.dialMissingPeers(now)
    this.linksMaybeChanged()
    this.emit()
  }

  private relayConnected (): boolean {
    if (this.relay.peerId == null) return false
    return this.libp2p.getConnections().some(c => c.remotePeer.toString() === this.relay.peerId && c.status === 'open')
  }

  private async ensureRelay (): Promise<void> {
    if (this.relayDialing) return
    if (this.relayConnected()) {
      if (this.relay.state !== 'connected') this.relay = { ...this.relay, state: 'connected', failures: 0, retryAt: null, lastError: null }
      return
    }
    if (this.relay.retryAt != null && this.now() < this.relay.retryAt) return
    this.relayDialing = true
    this.relay = { ...this.relay, state: this.relay.failures === 0 ? 'connecting' : 'unreachable', retryAt: null }
    this.emit()
    try {
      const info = await this.relayInfo()
      const signal = AbortSignal.any([AbortSignal.timeout(DIAL_TIMEOUT_MS), this.shutdown.signal])
      let lastErr: unknown = new RelayUnreachableError('no address')
      let connected = false
      for (const addr of info.multiaddrs) {
        try {
          await this.libp2p.dial(multiaddr(addr), { signal })
          connected = true
          break
        } catch (err) {
          lastErr = err
        }
      }
      if (!connected) throw lastErr
      this.relay = { state: 'connected', peerId: info.peerId, failures: 0, retryAt: null, lastError: null }
      void this.publishStatus(false)
    } catch (err) {
      const failures = this.relay.failures + 1
      this.relay = {
        ...this.relay,
        state: 'unreachable',
        failures,
        retryAt: this.now() + backoffDelay(RELAY_BACKOFF, failures - 1),
        lastError: describe(err)
      }
    } finally {
      this.relayDialing = false
      this.emit()
    }
  }

  /** Spec (docs/testnet.md §2): dial every live node we lack a direct link to, where we are its designated dialer. */
  private dialMissingPeers (now: number): void {
    const direct = new Set(this.localLinks().filter(l => l.kind === 'direct').map(l => l.peer))
    let inFlight = [...this.dials.values()].filter(d => d.dialing).length
    for (const s of this.statuses.values()) {
      if (s.status.role !== 'node' || s.status.leaving) continue
      const peer = s.from
      let d = this.dials.get(peer)
      if (d == null) {
        d = { firstSeen: now, failures: 0, nextAttemptAt: now, dialing: false }
        this.dials.set(peer, d)
      }
      if (direct.has(peer) || d.dialing || now < d.nextAttemptAt) continue
      const ourTurn = this.role === 'client' || designatedDialer(this.self, peer) === this.self || now - d.firstSeen >= OTHER_SIDE_PATIENCE_MS
      if (!ourTurn) continue
      const addr = webRtcAddrOf(s)
      if (addr == null) continue
      if (inFlight >= MAX_CONCURRENT_DIALS) break
      inFlight++
      void this.dialPeer(peer, addr, d)
    }
  }

  private async dialPeer (peer: string, addr: string, d: PeerDialState): Promise<void> {
    d.dialing = true
    const startedAt = this.now()
    const steps: Array<[string, number]> = []
    const onProgress = (evt: { type: string }): void => {
      if (isDialStep(evt.type) && !steps.some(([t]) => t === evt.type)) steps.push([evt.type, this.now() - startedAt])
    }
    const record = (ok: boolean, error: string | null): void => {
      this.dialLog.push({ peer, startedAt, ms: this.now() - startedAt, ok, error, steps })
      if (this.dialLog.length > DIAL_LOG_LENGTH) this.dialLog.shift()
    }
    try {
      // An open WebRTC connection whose ICE is no longer 'connected' would be
      // handed back by dial() as "already connected": close it to get a fresh one.
      for (const conn of this.libp2p.getConnections()) {
        if (conn.remotePeer.toString() !== peer || !conn.remoteAddr.toString().includes('/webrtc')) continue
        if (peerConnectionState(conn) !== 'connected') await conn.close().catch(() => { conn.abort(new Error('ICE not connected')) })
      }
      const signal = AbortSignal.any([AbortSignal.timeout(DIAL_TIMEOUT_MS), this.shutdown.signal])
      steps.push(['dial', this.now() - startedAt])
      await this.libp2p.dial(multiaddr(addr), { signal, onProgress })
      d.failures = 0
      d.nextAttemptAt = this.now() + PEER_BACKOFF.initialMs
      record(true, null)
    } catch (err) {
      d.failures++
      d.nextAttemptAt = this.now() + backoffDelay(PEER_BACKOFF, d.failures - 1)
      record(false, describe(err))
    } finally {
      d.dialing = false
      this.linksMaybeChanged()
      this.emit()
    }
  }

  private async measureRtts (): Promise<void> {
    if (!this.started || this.measuring) return
    this.measuring = true
    try {
      await this.measureRttsOnce()
    } finally {
      this.measuring = false
    }
  }

  private async measureRttsOnce (): Promise<void> {
    const conns = this.bestConnections()
    await Promise.all([...conns.values()].map(async ({ conn, kind }) => {
      try {
        const payload = crypto.getRandomValues(new Uint8Array(PING_BYTES))
        const signal = AbortSignal.any([AbortSignal.timeout(PING_TIMEOUT_MS), this.shutdown.signal])
        const probe = await this.probeFor(conn, signal)
        const ms = await probe.roundTrip(payload, signal)
        this.rtt.set(conn.id, ms)
        this.pingFailures.delete(conn.id)
      } catch {
        // A late or failed probe leaves the stream in an unknown state: start afresh next time.
        this.dropProbe(conn.id)
        const failures = (this.pingFailures.get(conn.id) ?? 0) + 1
        this.pingFailures.set(conn.id, failures)
        if (kind === 'direct' && failures >= MAX_PING_FAILURES && this.started) {
          // A stale direct link (e.g. the other tab reloaded): close it so it is redialled.
          await conn.close().catch(() => { conn.abort(new Error('unresponsive')) })
        }
      }
    }))
    // Probe streams of connections that are no longer anyone's best link.
    const live = new Set([...conns.values()].map(({ conn }) => conn.id))
    for (const id of this.probes.keys()) if (!live.has(id)) this.dropProbe(id)
    this.emit()
  }

  /** The connection's probe stream, opened on first use and kept while it works. */
  private async probeFor (conn: Connection, signal: AbortSignal): Promise<ProbeStream> {
    let probe = this.probes.get(conn.id)
    if (probe != null) {
      const open = await probe
      if (open.isOpen) return open
      this.dropProbe(conn.id)
    }
    probe = ProbeStream.open(conn, PROBE_PROTOCOL, { signal })
    this.probes.set(conn.id, probe)
    probe.catch(() => { if (this.probes.get(conn.id) === probe) this.probes.delete(conn.id) })
    return await probe
  }

  private dropProbe (connId: string): void {
    const probe = this.probes.get(connId)
    if (probe == null) return
    this.probes.delete(connId)
    probe.then(p => { p.close() }, () => {})
  }

  // ---- state derived from libp2p -----------------------------------------

  /** Per remote peer (relay excluded), its best connection: direct WebRTC over relayed. */
  private bestConnections (): Map<string, { conn: Connection, kind: LinkKind }> {
    const best = new Map<string, { conn: Connection, kind: LinkKind }>()
    for (const conn of this.libp2p.getConnections()) {
      if (conn.status !== 'open') continue
      const peer = conn.remotePeer.toString()
      if (peer === this.relay.peerId) continue
      const kind = classifyLink(conn.remoteAddr.toString(), peerConnectionState(conn))
      if (kind == null) continue
      const prev = best.get(peer)
      if (prev == null || (prev.kind === 'relayed' && kind === 'direct')) best.set(peer, { conn, kind })
    }
    return best
  }

  private localLinks (): LocalLink[] {
    const links: LocalLink[] = []
    for (const [peer, { conn, kind }] of this.bestConnections()) {
      const rtt = this.rtt.get(conn.id)
      links.push({ peer, kind, rttMs: rtt == null ? null : round2(rtt), remoteRole: this.statuses.get(peer)?.status.role ?? null })
    }
    return links.sort((a, b) => (a.peer < b.peer ? -1 : 1))
  }

  private liveNodes (now: number): string[] {
    return [...this.statuses.values()]
      .filter(s => s.status.role === 'node' && !s.status.leaving && now - s.receivedAt <= STATUS_TTL_MS)
      .map(s => s.from)
      .sort()
  }

  /**
   * Cached: getMultiaddrs() rebuilds the address list from the address manager
   * each time, and snapshots and statuses ask for it several times a second
   * (2-3 % of a busy tab's main thread in a profile with 10 tabs).
   */
  private listenAddrs (): string[] {
    this.addrsCache ??= this.libp2p.getMultiaddrs().map(a => a.toString())
    return this.addrsCache
  }

  private ownStatus (leaving: boolean): PeerStatus {
    return {
      v: STATUS_VERSION,
      role: this.role,
      addrs: this.role === 'node' ? this.listenAddrs().filter(a => a.includes('/webrtc')) : [],
      links: this.localLinks().map(({ peer, kind, rttMs }) => ({ peer, kind, rttMs })),
      leaving
    }
  }

  private async publishStatus (leaving: boolean): Promise<void> {
    if (!this.started && !leaving) return
    try {
      await this.libp2p.services.pubsub.publish(STATUS_TOPIC, encodeStatus(this.ownStatus(leaving)))
    } catch {
      // no subscribed peer yet (or shutting down): the next interval publishes again
    }
  }

  /** Publish at once when the set of direct links changes, so the mesh is seen promptly. */
  private linksMaybeChanged (): void {
    const key = this.localLinks().map(l => `${l.peer}:${l.kind}`).join(',')
    if (key === this.lastLinkKey) return
    this.lastLinkKey = key
    void this.publishStatus(false)
  }

  /**
   * Tell listeners (the page) about a change, at most once per EMIT_COALESCE_MS:
   * with 10 tabs a tab sees dozens of status messages and link events a second,
   * and a snapshot (plus the page re-rendering it) for each one was a measurable
   * share of the tab's main thread.
   */
  private emit (): void {
    if (this.listeners.size === 0 || this.emitTimer != null) return
    this.emitTimer = setTimeout(() => {
      this.emitTimer = null
      if (this.listeners.size === 0) return
      const snap = this.snapshot()
      for (const l of this.listeners) l(snap)
    }, EMIT_COALESCE_MS)
  }
}

/**
 * Which of two peers dials their link (both compute the same answer). Not simply
 * "the lower PeerId": then the lowest tab dials every other and the highest none,
 * and with at most {@link MAX_CONCURRENT_DIALS} at a time the lowest tab's queue
 * becomes the mesh's critical path (10 tabs: 9 dials in a row on one tab). A hash
 * of the unordered pair picks either side with even odds, so each tab dials about
 * half of its links.
 */
export function designatedDialer (a: string, b: string): string {
  const [lo, hi] = a < b ? [a, b] : [b, a]
  // FNV-1a over "lo|hi": cheap, deterministic, no secrecy needed.
  let h = 0x811c9dc5
  for (const ch of `${lo}|${hi}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193)
  return ((h >>> 0) & 1) === 0 ? lo : hi
}

/** The signer's /p2p-circuit/webrtc address, only if it ends with the signer's own PeerId. */
export function webRtcAddrOf (s: ReceivedStatus): string | null {
  for (const a of s.status.addrs) {
    if (!a.includes('/p2p-circuit/webrtc')) continue
    const full = a.endsWith(`/p2p/${s.from}`) ? a : a.endsWith('/webrtc') ? `${a}/p2p/${s.from}` : null
    if (full == null) continue
    try {
      multiaddr(full)
      return full
    } catch {
      continue
    }
  }
  return null
}

/** The ICE state of a WebRTC connection; libp2p keeps the RTCPeerConnection on its maConn. */
function peerConnectionState (conn: Connection): string | undefined {
  const maConn = (conn as unknown as { maConn?: { peerConnection?: { connectionState?: unknown } } }).maConn
  const state = maConn?.peerConnection?.connectionState
  return typeof state === 'string' ? state : undefined
}

function describe (err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 200)
  return 'unknown error'
}

function round2 (x: number): number {
  return Math.round(x * 100) / 100
}

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
