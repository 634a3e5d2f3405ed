import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBroadcast, defineTopic, type Broadcast, type BroadcastContext } from '../../src/net/broadcast/index.js'
import { jsonCodec, schema } from '../../src/net/rpc/index.js'
import { CapturingLogger, connect, createTestNode, type TestNode } from './nodes.js'

const offerSchema = schema.object({ round: schema.int({ min: 0, max: 1_000_000 }), note: schema.string({ maxLength: 200 }) })
const Offers = defineTopic({ name: 'test/offers', version: 1, maxBytes: 256, codec: jsonCodec(offerSchema, 'offer') })
type Offer = { round: number, note: string }

/** Resolves when `node` sees `peer` subscribe to `topic`. */
async function subscribed (node: TestNode, peer: TestNode, topic: string): Promise<void> {
  if (node.services.pubsub.getSubscribers(topic).some(p => p.equals(peer.peerId))) return
  await new Promise<void>(resolve => {
    const onChange = (): void => {
      if (node.services.pubsub.getSubscribers(topic).some(p => p.equals(peer.peerId))) {
        node.services.pubsub.removeEventListener('subscription-change', onChange)
        resolve()
      }
    }
    node.services.pubsub.addEventListener('subscription-change', onChange)
  })
}

describe('broadcast over gossipsub', () => {
  let a: TestNode
  let b: TestNode
  let bcA: Broadcast
  let bcB: Broadcast
  const bLog = new CapturingLogger()

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestNode(), createTestNode()])
    bcA = createBroadcast({ pubsub: a.services.pubsub, logger: a.logger })
    bcB = createBroadcast({ pubsub: b.services.pubsub, logger: bLog })
    await Promise.all([bcA.start(), bcB.start()])
    await connect(a, b)
  })

  afterAll(async () => {
    await Promise.all([bcA.stop(), bcB.stop()])
    await Promise.all([a.stop(), b.stop()])
  })

  it('uses /lit/<name>/<version> topics', () => {
    expect(Offers.topic).toBe('/lit/test/offers/1')
  })

  it('delivers to subscribers with the authenticated author, and drops invalid messages', async () => {
    const received: Array<[Offer, BroadcastContext]> = []
    let onReceived: () => void = () => {}
    const off = bcB.subscribe(Offers, (offer, ctx) => { received.push([offer, ctx]); onReceived() })
    await subscribed(a, b, Offers.topic)

    const first = new Promise<void>(resolve => { onReceived = resolve })
    const result = await bcA.publish(Offers, { round: 1, note: 'hello' })
    expect(result.recipients).toBe(1)
    await first
    expect(received[0][0]).toEqual({ round: 1, note: 'hello' })
    expect(received[0][1].from.equals(a.peerId)).toBe(true)

    // Invalid payloads published straight through gossipsub, bypassing the typed API.
    const raw = a.services.pubsub
    const enc = new TextEncoder()
    await raw.publish(Offers.topic, new Uint8Array([1, ...enc.encode(JSON.stringify({ round: 2, note: 'x'.repeat(300) }))])) // too big
    await raw.publish(Offers.topic, new Uint8Array([9, ...enc.encode(JSON.stringify({ round: 3, note: 'v' }))])) // wrong version
    await raw.publish(Offers.topic, new Uint8Array([1, ...enc.encode('{"round":4,"note":"n","evil":true}')])) // codec refuses
    await raw.publish(Offers.topic, new Uint8Array([1, 0xff, 0xfe])) // not even JSON
    await bLog.waitFor(/dropped invalid message/, 4)

    const second = new Promise<void>(resolve => { onReceived = resolve })
    await bcA.publish(Offers, { round: 5, note: 'after' })
    await second
    expect(received.map(r => r[0].round)).toEqual([1, 5])
    expect(bLog.count(/MessageTooLargeError/)).toBe(1)
    expect(bLog.count(/unsupported envelope version 9/)).toBe(1)
    // The verdict handed to gossipsub is Reject (not Ignore), so it neither delivers nor forwards them.
    const validator = b.services.pubsub.topicValidators.get(Offers.topic)!
    const bad = { type: 'signed', from: a.peerId, topic: Offers.topic, data: new Uint8Array([1, 0xff]) } as any
    expect(await validator(a.peerId, bad)).toBe('reject')
    expect(await validator(a.peerId, { type: 'unsigned', topic: Offers.topic, data: new Uint8Array([1]) })).toBe('reject')
    off()
  })

  it('refuses to publish an oversized message', async () => {
    const err = await bcA.publish(Offers, { round: 1, note: 'é'.repeat(200) }).catch(e => e)
    expect(err.name).toBe('MessageTooLargeError')
    expect(err.direction).toBe('broadcast')
  })

  it('a throwing handler does not stop the others', async () => {
    let delivered: () => void = () => {}
    const got = new Promise<void>(resolve => { delivered = resolve })
    const offBad = bcB.subscribe(Offers, () => { throw new Error('handler bug') })
    const offGood = bcB.subscribe(Offers, () => { delivered() })
    await subscribed(a, b, Offers.topic)
    await bcA.publish(Offers, { round: 6, note: 'x' })
    await got
    expect(bLog.count(/handler for %s failed .*\/lit\/test\/offers\/1 Error: handler bug/)).toBe(1)
    offBad(); offGood()
    expect(b.services.pubsub.getTopics()).not.toContain(Offers.topic)
    expect(b.services.pubsub.topicValidators.has(Offers.topic)).toBe(false)
  })

  it('NoSubscribersError when nobody listens', async () => {
    const Lonely = defineTopic({ name: 'test/lonely', version: 1, maxBytes: 16, codec: jsonCodec(schema.int({ min: 0, max: 9 })) })
    const err = await bcA.publish(Lonely, 1).catch(e => e)
    expect(err.name).toBe('NoSubscribersError')
  })
})

describe('broadcast through a relaying peer (a — b — c)', () => {
  it('names the author, not the relay, and does not forward rejected messages', async () => {
    const [a, b, c] = await Promise.all([createTestNode(), createTestNode(), createTestNode()])
    const logB = new CapturingLogger()
    const logC = new CapturingLogger()
    const [bcA, bcB, bcC] = [
      createBroadcast({ pubsub: a.services.pubsub, logger: a.logger }),
      createBroadcast({ pubsub: b.services.pubsub, logger: logB }),
      createBroadcast({ pubsub: c.services.pubsub, logger: logC })
    ]
    try {
      await Promise.all([bcA.start(), bcB.start(), bcC.start()])
      await connect(a, b)
      await connect(b, c)
      // b relays only once c is in its mesh for the topic.
      const meshed = new Promise<void>(resolve => {
        b.services.pubsub.addEventListener('gossipsub:graft', (evt) => {
          if (evt.detail.topic === Offers.topic && evt.detail.peerId === c.peerId.toString()) resolve()
        })
      })
      const atC: Array<[Offer, BroadcastContext]> = []
      let onC: () => void = () => {}
      bcB.subscribe(Offers, () => {})
      bcC.subscribe(Offers, (offer, ctx) => { atC.push([offer, ctx]); onC() })
      await Promise.all([subscribed(a, b, Offers.topic), meshed])

      await a.services.pubsub.publish(Offers.topic, new Uint8Array([1, 0x7b])) // '{' alone: codec refuses
      await logB.waitFor(/dropped invalid message/)
      const delivered = new Promise<void>(resolve => { onC = resolve })
      await bcA.publish(Offers, { round: 7, note: 'relayed' })
      await delivered
      expect(atC.map(([offer]) => offer.round)).toEqual([7])
      expect(atC[0][1].from.equals(a.peerId)).toBe(true)
      expect(c.getConnections(a.peerId)).toHaveLength(0)
      // Had b forwarded the bad message, c's validator would have logged dropping it (it arrived before the good one).
      expect(logC.count(/dropped/)).toBe(0)
    } finally {
      await Promise.all([bcA.stop(), bcB.stop(), bcC.stop()])
      await Promise.all([a.stop(), b.stop(), c.stop()])
    }
  })
})
