/**
 * The libp2p instance of a browser tab (node or dashboard client).
 *
 * Transports: WebSockets (to the relay), circuit relay v2 (signalling path and
 * fallback), WebRTC (direct tab-to-tab links). See docs/testnet.md.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { DIAL_TIMEOUT_MS, GOSSIPSUB_FULL_MESH_DEGREES, GOSSIPSUB_NO_IDONTWANT, GOSSIPSUB_SCORE_PARAMS } from './config.js'
import { echo, type Echo } from './echo.js'

export interface BrowserServices {
  identify: Identify
  identifyPush: IdentifyPush
  pubsub: GossipSub
  ping: Ping
  echo: Echo
  [key: string]: unknown
}

export type BrowserLibp2p = Libp2p<BrowserServices>

export interface BrowserLibp2pInit {
  privateKey: PrivateKey
  /** Nodes listen for relayed and WebRTC connections; a client listens for nothing. */
  listen: boolean
}

export async function createBrowserLibp2p (init: BrowserLibp2pInit): Promise<BrowserLibp2p> {
  return createLibp2p({
    privateKey: init.privateKey,
    addresses: {
      listen: init.listen ? ['/p2p-circuit', '/webrtc'] : []
    },
    transports: [
      webSockets(),
      // No STUN: every tab is on this machine; the default config lists public servers.
      webRTC({ rtcConfiguration: { iceServers: [] } }),
      circuitRelayTransport()
    ],
    // WebRTC set-up between busy tabs on two cores took 2.5-6 s: libp2p's 6 s
    // per-address limit aborted a third of the dials just before they finished.
    // Every inbound link arrives from the same host (the relay, or 127.0.0.1 for
    // WebRTC): libp2p's default of 5 inbound connections per host per second and
    // 10 pending upgrades reset dials when 10 tabs mesh at once.
    connectionManager: {
      dialTimeout: DIAL_TIMEOUT_MS,
      addressDialTimeout: DIAL_TIMEOUT_MS,
      inboundConnectionThreshold: 1_000,
      maxIncomingPendingConnections: 128,
      // The answering tab's whole WebRTC set-up runs under this budget (default 10 s).
      inboundUpgradeTimeout: DIAL_TIMEOUT_MS
    },
    // libp2p's connection monitor pings every connection every 10 s on a new
    // stream (on WebRTC a new data channel each time) and aborts connections whose
    // ping is late: with 10 busy tabs on two cores it cut relay connections (tabs
    // lost their reservations). The mesh measures and closes dead direct links
    // itself, on one long-lived stream per link, so the monitor is off.
    connectionMonitor: { enabled: false },
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The default gater refuses ws:// and private addresses; the relay is ws://127.0.0.1.
    connectionGater: { denyDialMultiaddr: () => false },
    services: {
      identify: identify(),
      // Tells connected peers when this tab starts speaking a protocol after the
      // connection was identified (bitswap starts with the action code store, often
      // after the mesh has linked up); without it they never send it want-lists
      // (docs/actions.md §1.5). Debounced by libp2p; fires on protocol/address changes.
      identifyPush: identifyPush(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        scoreParams: GOSSIPSUB_SCORE_PARAMS,
        ...GOSSIPSUB_FULL_MESH_DEGREES,
        ...GOSSIPSUB_NO_IDONTWANT
      }),
      ping: ping({ maxInboundStreams: 8, maxOutboundStreams: 8, runOnLimitedConnection: true }),
      echo: echo()
    }
  }) as Promise<BrowserLibp2p>
}
