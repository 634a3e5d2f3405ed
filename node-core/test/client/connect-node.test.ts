/**
 * The Node client's network path, for real: a relay on 127.0.0.1, one Node
 * libp2p "node" that reserves a relay slot, publishes its status and serves
 * network/info, and connectNodeClient, which must learn the node from its
 * status and reach it through the relay (a limited connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { connectNodeClient, type NodeLitClient } from '../../src/client/connect-node.js'
import { GOSSIPSUB_SCORE_PARAMS } from '../../src/net/config.js'
import { echo } from '../../src/net/echo.js'
import type { BrowserLibp2p } from '../../src/net/libp2p-browser.js'
import { Mesh } from '../../src/net/mesh.js'
import { createRpcService, type RpcService } from '../../src/net/rpc/index.js'
import { startRelay, type Relay } from '../../src/net/relay.js'
import { NetworkInfo } from '../../src/node/rpc-definitions.js'

describe('connectNodeClient through a relay', () => {
  let relay: Relay
  let nodeLibp2p: BrowserLibp2p
  let mesh: Mesh
  let rpc: RpcService
  let client: NodeLitClient | undefined

  beforeAll(async () => {
    relay = await startRelay({ port: 0 })
    nodeLibp2p = await createLibp2p({
      addresses: { listen: ['/p2p-circuit'] },
      transports: [webSockets(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: () => false },
      services: {
        identify: identify(),
        pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: GOSSIPSUB_SCORE_PARAMS }),
        ping: ping(),
        echo: echo()
      }
    }) as unknown as BrowserLibp2p
    rpc = createRpcService(nodeLibp2p)
    await rpc.start()
    const self = nodeLibp2p.peerId.toString()
    await rpc.handle(NetworkInfo, () => ({ node: self, keyHolder: false, genesis: 'waiting' as const, pkps: 0, presignatures: 0 }))
    mesh = new Mesh({ libp2p: nodeLibp2p, role: 'node', relayInfo: async () => relay.info })
    mesh.start()
  })

  afterAll(async () => {
    await client?.close()
    await mesh?.stop()
    await rpc?.stop()
    await nodeLibp2p?.stop()
    await relay?.stop()
  })

  it('learns the node from its status and calls it over the relayed connection', async () => {
    client = await connectNodeClient({ account: privateKeyToAccount(generatePrivateKey()), relayInfo: relay.info })
    const info = await client.connect({ minNodes: 1, timeoutMs: 30_000 })
    expect(info.nodes.map(n => n.peerId)).toEqual([nodeLibp2p.peerId.toString()])
    expect(info.genesis).toBe('waiting')
    const conns = client.libp2p.getConnections().filter(c => c.remotePeer.toString() === nodeLibp2p.peerId.toString())
    expect(conns.length).toBeGreaterThan(0)
    expect(conns.every(c => c.remoteAddr.toString().includes('/p2p-circuit'))).toBe(true)
  })
})
