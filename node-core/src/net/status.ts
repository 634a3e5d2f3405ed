/**
 * Status announcements: what each peer publishes on {@link STATUS_TOPIC} so others
 * can find it (its addresses) and a client can draw the whole mesh (its links).
 *
 * The publisher's identity is NOT in the body: it comes from the gossipsub
 * signature (`msg.from`), so a peer cannot speak for another.
 */
import { MalformedMessageError } from '../errors.js'
import { MAX_STATUS_BYTES, MAX_STATUS_LINKS, STATUS_TTL_MS } from './config.js'

export const STATUS_VERSION = 1

/** A node takes part in the protocols; a client (the dashboard) only watches and asks. */
export type PeerRole = 'node' | 'client'

/** How a link between two peers is carried. */
export type LinkKind = 'direct' | 'relayed'

/** One link as seen from one end. */
export interface LinkStatus {
  /** The remote PeerId. */
  peer: string
  kind: LinkKind
  /** Last measured round-trip time in ms, or null before the first measurement. */
  rttMs: number | null
}

/** The body of one status message. */
export interface PeerStatus {
  v: typeof STATUS_VERSION
  role: PeerRole
  /** Addresses others may dial (a node's /p2p-circuit/webrtc address among them). */
  addrs: string[]
  links: LinkStatus[]
  /** True in the last message a peer sends before it goes away. */
  leaving: boolean
}

/** A status as received: the body plus who sent it (authenticated) and when. */
export interface ReceivedStatus {
  from: string
  status: PeerStatus
  receivedAt: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeStatus (status: PeerStatus): Uint8Array {
  return encoder.encode(JSON.stringify(status))
}

/** Strict decoder: refuses oversize input, unknown versions, unknown fields and bad types. */
export function decodeStatus (bytes: Uint8Array): PeerStatus {
  if (bytes.byteLength > MAX_STATUS_BYTES) throw new MalformedMessageError('status', 'too large')
  let raw: unknown
  try {
    raw = JSON.parse(decoder.decode(bytes))
  } catch {
    throw new MalformedMessageError('status', 'not UTF-8 JSON')
  }
  const obj = asRecord(raw, 'status', ['v', 'role', 'addrs', 'links', 'leaving'])
  if (obj.v !== STATUS_VERSION) throw new MalformedMessageError('status.v', 'unsupported version')
  if (obj.role !== 'node' && obj.role !== 'client') throw new MalformedMessageError('status.role', 'unknown role')
  if (typeof obj.leaving !== 'boolean') throw new MalformedMessageError('status.leaving', 'not a boolean')
  if (!Array.isArray(obj.addrs) || obj.addrs.length > MAX_STATUS_LINKS || !obj.addrs.every(a => typeof a === 'string' && a.length <= 512)) {
    throw new MalformedMessageError('status.addrs', 'not a short list of strings')
  }
  if (!Array.isArray(obj.links) || obj.links.length > MAX_STATUS_LINKS) {
    throw new MalformedMessageError('status.links', 'not a short list')
  }
  const links = obj.links.map((l, i): LinkStatus => {
    const link = asRecord(l, `status.links[${i}]`, ['peer', 'kind', 'rttMs'])
    if (typeof link.peer !== 'string' || link.peer.length === 0 || link.peer.length > 128) {
      throw new MalformedMessageError(`status.links[${i}].peer`, 'not a peer id')
    }
    if (link.kind !== 'direct' && link.kind !== 'relayed') throw new MalformedMessageError(`status.links[${i}].kind`, 'unknown kind')
    if (link.rttMs !== null && (typeof link.rttMs !== 'number' || !Number.isFinite(link.rttMs) || link.rttMs < 0)) {
      throw new MalformedMessageError(`status.links[${i}].rttMs`, 'not a non-negative number')
    }
    return { peer: link.peer, kind: link.kind, rttMs: link.rttMs }
  })
  return { v: STATUS_VERSION, role: obj.role, addrs: [...obj.addrs], links, leaving: obj.leaving }
}

function asRecord (value: unknown, field: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedMessageError(field, 'not an object')
  }
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) throw new MalformedMessageError(field, `unknown field ${k}`)
  }
  for (const k of keys) {
    if (!(k in value)) throw new MalformedMessageError(field, `missing field ${k}`)
  }
  return value as Record<string, unknown>
}

/**
 * Classify a connection from its remote address and, for WebRTC, the state of its
 * RTCPeerConnection. A `/webrtc` connection counts as direct only once ICE is
 * 'connected': the connection object can exist while ICE never completed.
 * Returns null for a connection that is not (yet) a usable peer link.
 */
export function classifyLink (remoteAddr: string, peerConnectionState: string | undefined): LinkKind | null {
  const isWebRtc = remoteAddr.includes('/webrtc') && !remoteAddr.includes('/webrtc-direct')
  if (isWebRtc) return peerConnectionState === 'connected' ? 'direct' : null
  if (remoteAddr.includes('/p2p-circuit')) return 'relayed'
  return null
}

/** One node in the picture of the network. */
export interface MeshNode {
  peerId: string
  lastSeen: number
  /** Its direct links / its links in total, as it reports them. */
  directLinks: number
}

/** One undirected edge between two nodes. */
export interface MeshEdge {
  a: string
  b: string
  /** Direct if either end reports a direct link (the other may not have measured yet). */
  kind: LinkKind
  /** The smaller of the two ends' latest RTTs, null if neither measured. */
  rttMs: number | null
}

export interface MeshView {
  nodes: MeshNode[]
  edges: MeshEdge[]
  /** True when every pair of live nodes has a direct edge. */
  fullMesh: boolean
}

/** Drop statuses older than the TTL and those of peers that said they were leaving. */
export function liveStatuses (statuses: Iterable<ReceivedStatus>, now: number, ttlMs = STATUS_TTL_MS): ReceivedStatus[] {
  const out: ReceivedStatus[] = []
  for (const s of statuses) {
    if (s.status.leaving) continue
    if (now - s.receivedAt > ttlMs) continue
    out.push(s)
  }
  return out
}

/**
 * Build the picture of the network from the latest status of each peer. Only
 * nodes appear (clients are watchers); edges to peers that are not live nodes
 * are dropped. Pure, so the dashboard only renders it.
 */
export function buildMeshView (statuses: Iterable<ReceivedStatus>, now: number, ttlMs = STATUS_TTL_MS): MeshView {
  const live = liveStatuses(statuses, now, ttlMs).filter(s => s.status.role === 'node')
  live.sort((x, y) => x.from < y.from ? -1 : x.from > y.from ? 1 : 0)
  const ids = new Set(live.map(s => s.from))
  const edges = new Map<string, MeshEdge>()
  for (const s of live) {
    for (const link of s.status.links) {
      if (!ids.has(link.peer) || link.peer === s.from) continue
      const [a, b] = s.from < link.peer ? [s.from, link.peer] : [link.peer, s.from]
      const key = `${a} ${b}`
      const prev = edges.get(key)
      if (prev == null) {
        edges.set(key, { a, b, kind: link.kind, rttMs: link.rttMs })
        continue
      }
      if (link.kind === 'direct') prev.kind = 'direct'
      if (link.rttMs != null) prev.rttMs = prev.rttMs == null ? link.rttMs : Math.min(prev.rttMs, link.rttMs)
    }
  }
  const nodes = live.map(s => ({
    peerId: s.from,
    lastSeen: s.receivedAt,
    directLinks: s.status.links.filter(l => l.kind === 'direct' && ids.has(l.peer)).length
  }))
  const edgeList = [...edges.values()].sort((x, y) => (x.a + x.b < y.a + y.b ? -1 : 1))
  const n = nodes.length
  const directCount = edgeList.filter(e => e.kind === 'direct').length
  return { nodes, edges: edgeList, fullMesh: directCount === (n * (n - 1)) / 2 }
}
