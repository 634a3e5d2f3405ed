/**
 * Testnet constants shared by the relay, node tabs and the dashboard client.
 * See docs/testnet.md for why each value is what it is.
 */

/** Gossipsub topic on which every peer (node or client) publishes its {@link PeerStatus}. */
export const STATUS_TOPIC = 'lit/testnet/status/1'

/** How often a peer publishes its status (ms). */
export const STATUS_INTERVAL_MS = 2_000

/**
 * A peer whose last status is older than this is considered gone (ms). Three
 * missed publications; keeps "closed tab disappears from the dashboard" under 10 s.
 */
export const STATUS_TTL_MS = 6_500

/** How often the mesh maintainer re-checks relay and peer links (ms). */
export const MESH_TICK_MS = 1_000

/** How often each link's round-trip time is measured (ms). Each ping opens a stream, which
 * on WebRTC is a new data channel: with 10 tabs, every 2 s was a measurable load. */
export const RTT_INTERVAL_MS = 5_000

/** Deadline for one dial (relay or WebRTC) (ms). libp2p's own per-address timeout is 6 s; a
 * WebRTC dial between busy tabs took 10-22 s with 10 tabs on an overloaded 2-core machine. */
export const DIAL_TIMEOUT_MS = 40_000

/** Deadline for one ping (ms). */
export const PING_TIMEOUT_MS = 10_000

/**
 * The peer that is not a link's designated dialer (mesh.ts `designatedDialer`)
 * waits for the other to dial (only one side dials, so two simultaneous dials
 * never race). If no direct link appears after this long, it
 * dials too, so one side's stuck dial cannot keep a pair apart forever (ms).
 * Long, because a slow dial in progress plus a second one the other way is
 * exactly the race that makes both time out.
 */
export const OTHER_SIDE_PATIENCE_MS = 60_000

/** Largest status message accepted from the network (bytes). */
export const MAX_STATUS_BYTES = 16 * 1024

/** Most links a status may list (a full mesh of this testnet is ~20 nodes). */
export const MAX_STATUS_LINKS = 64

/** Default relay listening port on 127.0.0.1. */
export const DEFAULT_RELAY_PORT = 9_090

/** Path under which the web server serves the relay's addresses ({@link RelayInfo}). */
export const RELAY_INFO_PATH = '/relay.json'

/** Relay reservations: far above circuit-relay-v2's default 15, which test runs exhaust. */
export const RELAY_MAX_RESERVATIONS = 1_024

/** Reservations live 2 h by default and are only freed on expiry; ours expire sooner. */
export const RELAY_RESERVATION_TTL_MS = 10 * 60_000

/**
 * Gossipsub scoring shared by relay and tabs. Every tab connects from the same IP,
 * and the default IP-colocation penalty graylists peers after ~11 ever connected,
 * which silently stops discovery: switch that penalty off.
 */
export const GOSSIPSUB_SCORE_PARAMS = { IPColocationFactorWeight: 0 } as const

/**
 * Gossipsub mesh degrees of node tabs. A publisher floods its message to every
 * peer it is connected to (gossipsub's floodPublish), and in the full mesh every
 * node is connected to every other: each node already has each status first-hand,
 * and the default forwarding degree (D = 6) only adds duplicates — with 10 tabs
 * about six copies of every status (plus IDONTWANT notices) per tab, the largest
 * share of the steady traffic. A small mesh still carries statuses to tabs whose
 * direct links are not up yet (the relay, a gossipsub peer of all, does too).
 */
export const GOSSIPSUB_FULL_MESH_DEGREES = { D: 2, Dlo: 1, Dhi: 3, Dout: 0, Dlazy: 2 } as const

/**
 * Gossipsub options shared by relay and tabs: no IDONTWANT notices. Gossipsub 1.2
 * answers every new message of at least 512 bytes with an IDONTWANT control
 * message to each mesh peer; a status with 9 links is ~1.2 KB, so with 10 tabs
 * (5 statuses/s in all) that was ~10 extra sends per second per tab and ~30 from
 * the relay, each a noise-encrypted WebSocket message or a data-channel message.
 * IDONTWANT saves bandwidth only for large messages; ours are small.
 */
export const GOSSIPSUB_NO_IDONTWANT = { idontwantMinDataSize: Number.MAX_SAFE_INTEGER } as const

/** What the web server tells pages about the relay. */
export interface RelayInfo {
  /** The relay's PeerId (base58). */
  peerId: string
  /** Dialable addresses, each ending in /p2p/<peerId>. */
  multiaddrs: string[]
}

/** Reconnect backoff: first delay, growth factor and cap (ms). */
export interface BackoffPolicy {
  initialMs: number
  factor: number
  maxMs: number
}

export const RELAY_BACKOFF: BackoffPolicy = { initialMs: 500, factor: 2, maxMs: 8_000 }
export const PEER_BACKOFF: BackoffPolicy = { initialMs: 1_000, factor: 2, maxMs: 10_000 }

/**
 * Delay before retry number `attempt` (0 = first retry). Deterministic: every tab
 * dials different peers, so there is no thundering herd to spread with jitter.
 */
export function backoffDelay (policy: BackoffPolicy, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 0) return policy.initialMs
  const delay = policy.initialMs * Math.pow(policy.factor, Math.min(attempt, 30))
  return Math.min(policy.maxMs, delay)
}

/** Bytes a relayed connection may carry before the relay closes it (circuit relay v2 limit). */
export const RELAYED_CONNECTION_DATA_LIMIT = 1n << 30n

/** How long a relayed connection may stay open before the relay closes it (ms). */
export const RELAYED_CONNECTION_DURATION_MS = 60 * 60_000
