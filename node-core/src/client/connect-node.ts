/**
 * The client SDK from Node.js (a script, a bench): a libp2p peer with WebSockets
 * and circuit relay v2 that joins the testnet through the relay, learns the
 * nodes from their signed status messages (gossipsub) and reaches each node by a
 * relayed connection (every runtime RPC allows limited connections). No WebRTC:
 * a Node peer has no browser to set it up, and the relay path needs nothing.
 *
 *   const client = await connectNodeClient({ account, relayInfoUrl: 'http://127.0.0.1:5173/relay.json' })
 *   await client.connect({ minNodes: 3 })
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { LocalAccount } from 'viem/accounts'
import { DIAL_TIMEOUT_MS, GOSSIPSUB_SCORE_PARAMS, type RelayInfo } from '../net/config.js'
import { echo } from '../net/echo.js'
import type { BrowserLibp2p } from '../net/libp2p-browser.js'
import { Mesh } from '../net/mesh.js'
import type { MeshSource } from '../node/mesh-directory.js'
import { fetchRelayInfo } from '../node/runtime.js'
import type { AuthSigFactory } from './auth-cache.js'
import type { LitClient, ClientTimeouts } from './lit-client.js'
import { startRoutedClient } from './routed-client.js'

export interface NodeClientOptions {
  account: LocalAccount
  /** Where the web server publishes the relay's addresses, e.g. http://127.0.0.1:5173/relay.json. */
  relayInfoUrl?: string
  /** Or the relay's addresses themselves. */
  relayInfo?: RelayInfo
  createAuthSig?: AuthSigFactory
  timeouts?: Partial<ClientTimeouts>
}

/** A LitClient that owns its libp2p peer (close() stops it). */
export type NodeLitClient = LitClient & { readonly libp2p: BrowserLibp2p }

export async function connectNodeClient (options: NodeClientOptions): Promise<NodeLitClient> {
  const { relayInfoUrl, relayInfo } = options
  if (relayInfoUrl == null && relayInfo == null) throw new TypeError('connectNodeClient: relayInfoUrl or relayInfo is required')
  const readRelayInfo = async (): Promise<RelayInfo> => relayInfo ?? await fetchRelayInfo(relayInfoUrl!)
  // The same services as a browser peer (identify, gossipsub, ping, echo), so the
  // mesh maintainer that keeps the relay link and reads statuses works unchanged.
  const libp2p = await createLibp2p({
    addresses: { listen: [] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The relay is ws://127.0.0.1: the default gater refuses private and insecure addresses.
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { enabled: false },
    // A relayed dial (two hops, noise) took seconds on a loaded machine; libp2p's 6 s per address was too tight.
    connectionManager: { dialTimeout: DIAL_TIMEOUT_MS, addressDialTimeout: DIAL_TIMEOUT_MS },
    services: {
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: GOSSIPSUB_SCORE_PARAMS }),
      ping: ping({ maxInboundStreams: 8, maxOutboundStreams: 8, runOnLimitedConnection: true }),
      echo: echo()
    }
  }) as unknown as BrowserLibp2p

  const mesh = new Mesh({ libp2p, role: 'client', relayInfo: readRelayInfo })
  mesh.start()
  // Each node is reached through the relay (relay-routes.ts).
  const source: MeshSource = {
    snapshot: () => ({ ...mesh.snapshot(), lifecycle: 'running', error: null }),
    subscribe: (listener) => mesh.subscribe((s) => { listener({ ...s, lifecycle: 'running', error: null }) }),
    onlineNodes: (includeSelf) => mesh.onlineNodes(includeSelf)
  }
  const client = await startRoutedClient({
    libp2p,
    mesh: source,
    relayInfo: readRelayInfo,
    account: options.account,
    createAuthSig: options.createAuthSig,
    timeouts: options.timeouts,
    onClose: async () => {
      await mesh.stop()
      await libp2p.stop()
    }
  })
  return Object.assign(client, { libp2p }) as NodeLitClient
}
