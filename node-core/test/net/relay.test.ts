import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, type GossipSub, type Message } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GOSSIPSUB_SCORE_PARAMS, STATUS_TOPIC } from '../../src/net/config.js'
import { startRelay, type Relay } from '../../src/net/relay.js'
import { decodeStatus, encodeStatus } from '../../src/net/status.js'

async function client (): Promise<Libp2p<{ pubsub: GossipSub }>> {
  return await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: {
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: GOSSIPSUB_SCORE_PARAMS })
    }
  })
}

describe('relay (Node)', () => {
  let relay: Relay
  const clients: Array<Libp2p<{ pubsub: GossipSub }>> = []

  beforeAll(async () => { relay = await startRelay({ port: 0 }) })
  afterAll(async () => {
    await Promise.all(clients.map(async c => { await c.stop() }))
    await relay?.stop()
  })

  it('describes itself with dialable ws addresses ending in its PeerId', () => {
    expect(relay.info.multiaddrs.length).toBeGreaterThan(0)
    for (const a of relay.info.multiaddrs) {
      expect(a).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//)
      expect(a.endsWith(`/p2p/${relay.info.peerId}`)).toBe(true)
    }
  })

  it('forwards signed status messages between peers that are only connected to it', async () => {
    const [a, b] = [await client(), await client()]
    clients.push(a, b)
    for (const c of [a, b]) {
      await c.dial(multiaddr(relay.info.multiaddrs[0]))
      c.services.pubsub.subscribe(STATUS_TOPIC)
    }
    const received = new Promise<Message>((resolve) => {
      b.services.pubsub.addEventListener('message', (evt) => { if (evt.detail.topic === STATUS_TOPIC) resolve(evt.detail) })
    })
    const body = { v: 1 as const, role: 'node' as const, addrs: [], links: [], leaving: false }
    // Publish until the gossipsub meshes have formed (heartbeat 1 s).
    const timer = setInterval(() => { void a.services.pubsub.publish(STATUS_TOPIC, encodeStatus(body)).catch(() => {}) }, 300)
    try {
      const msg = await received
      expect(msg.type).toBe('signed')
      if (msg.type === 'signed') expect(msg.from.toString()).toBe(a.peerId.toString())
      expect(decodeStatus(msg.data)).toEqual(body)
    } finally {
      clearInterval(timer)
    }
  }, 30_000)
})
