/**
 * The broadcast half of the message layer: typed, validated gossipsub topics
 * for PUBLIC data. See docs/net.md §5.
 *
 * @example
 * const Offers = defineTopic({ name: 'presign/offers', version: 1, maxBytes: 1024, codec })
 * const broadcast = createBroadcast({ pubsub: libp2p.services.pubsub, logger: libp2p.logger })
 * await broadcast.start()
 * const off = broadcast.subscribe(Offers, (offer, { from }) => { ... })
 * await broadcast.publish(Offers, offer)
 */
import { Broadcast, type BroadcastComponents } from './broadcast.js'

export { Broadcast, NoSubscribersError, BroadcastNotStartedError } from './broadcast.js'
export type { BroadcastComponents, BroadcastPubSub, BroadcastContext, BroadcastHandler } from './broadcast.js'
export { defineTopic, topicId, encodeTopicMessage, decodeTopicMessage } from './topic.js'
export type { TopicDefinition, TopicDefinitionInit } from './topic.js'
export { GOSSIP_ENVELOPE_VERSION, MAX_TOPIC_BYTES_LIMIT } from './constants.js'

export function createBroadcast (components: BroadcastComponents): Broadcast {
  return new Broadcast(components)
}
