/**
 * The testnet relay (Node.js): a libp2p peer on ws://127.0.0.1 that tabs dial
 * first. It relays circuit connections (the signalling path for WebRTC and the
 * fallback link) and forwards gossipsub status messages. It holds no secrets and
 * is not a Lit node; its identity is ephemeral unless a key is passed.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { InvalidArgumentError } from '../errors.js'
import {
  RELAYED_CONNECTION_DATA_LIMIT, RELAYED_CONNECTION_DURATION_MS,
  DEFAULT_RELAY_PORT, GOSSIPSUB_NO_IDONTWANT, GOSSIPSUB_SCORE_PARAMS, RELAY_MAX_RESERVATIONS, RELAY_RESERVATION_TTL_MS, STATUS_TOPIC,
  type RelayInfo
} from './config.js'

export interface RelayInit {
  /** TCP port on the host; 0 picks a free one. */
  port?: number
  /** Listening address; 127.0.0.1 keeps the relay on this machine. */
  host?: string
  privateKey?: PrivateKey
}

export interface Relay {
  readonly info: RelayInfo
  readonly libp2p: Libp2p
  stop (): Promise<void>
}

export async function startRelay (init: RelayInit = {}): Promise<Relay> {
  const port = init.port ?? DEFAULT_RELAY_PORT
  const host = init.host ?? '127.0.0.1'
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('port', 'not a TCP port')
  const libp2p = await createLibp2p({
    ...(init.privateKey != null ? { privateKey: init.privateKey } : {}),
    addresses: { listen: [`/ip4/${host}/tcp/${port}/ws`] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // All tabs connect from 127.0.0.1: lift the per-host inbound rate limit (5/s).
    connectionManager: { maxConnections: 1_000, inboundConnectionThreshold: 1_000, maxIncomingPendingConnections: 256 },
    // Busy tabs answer pings late; aborting them would drop their reservations.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: {
      identify: identify(),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: RELAY_MAX_RESERVATIONS,
          reservationTtl: RELAY_RESERVATION_TTL_MS,
          // Defaults (128 KiB, 2 min per relayed connection) cut a client that
          // reaches nodes through the relay (a Node script) after ~120 signatures.
          // Relayed connections stay "limited" (only protocols that allow it run
          // on them); the relay is on loopback, so its bandwidth is not the concern.
          defaultDataLimit: RELAYED_CONNECTION_DATA_LIMIT,
          defaultDurationLimit: RELAYED_CONNECTION_DURATION_MS
        }
      }),
      // The relay subscribes to the status topic so that it forwards statuses
      // between tabs that have no direct link yet.
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        scoreParams: GOSSIPSUB_SCORE_PARAMS,
        ...GOSSIPSUB_NO_IDONTWANT
      }),
      ping: ping()
    }
  })
  ;(libp2p.services.pubsub as GossipSub).subscribe(STATUS_TOPIC)
  const peerId = libp2p.peerId.toString()
  const multiaddrs = libp2p.getMultiaddrs()
    .map(a => a.toString())
    .filter(a => a.includes('/ws'))
    .map(a => (a.endsWith(`/p2p/${peerId}`) ? a : `${a}/p2p/${peerId}`))
  return {
    info: { peerId, multiaddrs },
    libp2p,
    stop: async () => { await libp2p.stop() }
  }
}
