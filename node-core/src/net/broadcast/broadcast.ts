/**
 * Typed broadcast over gossipsub (docs/net.md §5). Public data only: anything
 * published here reaches every subscriber and every peer that relays it.
 *
 * Every incoming message is checked (signed by its author, size, envelope
 * version, codec) inside gossipsub's topic validator, so an invalid message is
 * rejected there: not delivered, not forwarded, and its sender is penalised by
 * peer scoring. The decoded value is kept for the delivery step, so each
 * message is decoded once.
 */
import { StrictSign, TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import type { ComponentLogger, Logger, PeerId, Startable } from '@libp2p/interface'
import { InvalidArgumentError, LitError } from '../../errors.js'
import { decodeTopicMessage, encodeTopicMessage, type TopicDefinition } from './topic.js'

/** What the service needs from gossipsub (e.g. `libp2p.services.pubsub`). */
export type BroadcastPubSub = Pick<GossipSub,
  'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators' | 'addEventListener' | 'removeEventListener' |
  'globalSignaturePolicy'>

export interface BroadcastComponents {
  pubsub: BroadcastPubSub
  logger: ComponentLogger
}

export interface BroadcastContext {
  /** The author of the message: the peer whose key signed it (gossipsub StrictSign), not the relaying peer. */
  readonly from: PeerId
  readonly topic: string
}

export type BroadcastHandler<T> = (message: T, context: BroadcastContext) => void | Promise<void>

/** publish() found no peer subscribed to the topic, so nobody received the message. */
export class NoSubscribersError extends LitError {
  readonly topic: string
  constructor (topic: string) {
    super(`no peers subscribed to ${topic}`, 'ERR_NO_SUBSCRIBERS')
    this.topic = topic
  }
}

export class BroadcastNotStartedError extends LitError {
  constructor () { super('broadcast service is not started', 'ERR_NOT_STARTED') }
}

interface TopicState {
  readonly definition: TopicDefinition<any>
  readonly handlers: Set<BroadcastHandler<any>>
}

export class Broadcast implements Startable {
  private readonly pubsub: BroadcastPubSub
  private readonly log: Logger
  private readonly topics = new Map<string, TopicState>()
  /** Values decoded by the validator, handed to delivery (same Message object). */
  private readonly decoded = new WeakMap<Message, unknown>()
  private started = false

  constructor (components: BroadcastComponents) {
    this.pubsub = components.pubsub
    this.log = components.logger.forComponent('lit:net:broadcast')
  }

  readonly [Symbol.toStringTag] = 'lit:net:broadcast'

  isStarted (): boolean { return this.started }

  async start (): Promise<void> {
    if (this.started) return
    // Without signatures `from` would be whatever the relaying peer claims.
    if (this.pubsub.globalSignaturePolicy !== StrictSign) {
      throw new InvalidArgumentError('pubsub', 'gossipsub must use the StrictSign signature policy')
    }
    this.pubsub.addEventListener('message', this.onMessage)
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.pubsub.removeEventListener('message', this.onMessage)
    for (const topic of this.topics.keys()) this.leave(topic)
    this.topics.clear()
  }

  /**
   * Deliver every valid message on `definition`'s topic to `handler`. Returns
   * the function that removes this handler (the topic is left with the last one).
   */
  subscribe<T> (definition: TopicDefinition<T>, handler: BroadcastHandler<T>): () => void {
    if (!this.started) throw new BroadcastNotStartedError()
    let state = this.topics.get(definition.topic)
    if (state == null) {
      state = { definition, handlers: new Set() }
      this.topics.set(definition.topic, state)
      this.pubsub.topicValidators.set(definition.topic, (peer, message) => this.validate(definition, peer, message))
      this.pubsub.subscribe(definition.topic)
    } else if (state.definition !== definition) {
      throw new InvalidArgumentError('definition', `${definition.topic} is already subscribed with another definition`)
    }
    const handlers = state.handlers
    // Wrap so the same handler function can be subscribed twice and removed independently.
    const entry: BroadcastHandler<T> = (message, context) => handler(message, context)
    handlers.add(entry)
    return () => {
      if (!handlers.delete(entry) || handlers.size > 0) return
      if (this.topics.get(definition.topic)?.handlers === handlers) {
        this.topics.delete(definition.topic)
        this.leave(definition.topic)
      }
    }
  }

  /** Publish to every subscriber of the topic. Returns how many peers it was sent to directly. */
  async publish<T> (definition: TopicDefinition<T>, message: T): Promise<{ recipients: number }> {
    if (!this.started) throw new BroadcastNotStartedError()
    const payload = encodeTopicMessage(definition, message)
    try {
      const result = await this.pubsub.publish(definition.topic, payload)
      return { recipients: result.recipients.length }
    } catch (err) {
      if (err instanceof Error && err.message === 'PublishError.NoPeersSubscribedToTopic') {
        throw new NoSubscribersError(definition.topic)
      }
      throw err
    }
  }

  private leave (topic: string): void {
    this.pubsub.unsubscribe(topic)
    this.pubsub.topicValidators.delete(topic)
  }

  // Spec 5.2: runs inside gossipsub before delivery and before forwarding.
  private validate (definition: TopicDefinition<unknown>, propagationSource: PeerId, message: Message): TopicValidatorResult {
    if (message.type !== 'signed') {
      this.log('dropped unsigned message on %s from %p', definition.topic, propagationSource)
      return TopicValidatorResult.Reject
    }
    try {
      this.decoded.set(message, decodeTopicMessage(definition, message.data))
      return TopicValidatorResult.Accept
    } catch (err) {
      // Sizes and reasons only: never the payload.
      this.log('dropped invalid message on %s from %p via %p: %s', definition.topic, message.from, propagationSource,
        err instanceof Error ? `${err.name} ${err.message}` : 'unknown error')
      return TopicValidatorResult.Reject
    }
  }

  // Spec 5.3
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const message = evt.detail
    const state = this.topics.get(message.topic)
    if (state == null || message.type !== 'signed') return
    if (!this.decoded.has(message)) {
      // Only validated messages reach here; a missing entry means another validator replaced ours.
      this.log.error('undecoded message on %s, dropped', message.topic)
      return
    }
    const value = this.decoded.get(message)
    this.decoded.delete(message)
    const context: BroadcastContext = { from: message.from, topic: message.topic }
    for (const handler of state.handlers) {
      try {
        const result = handler(value, context)
        if (result instanceof Promise) {
          result.catch(err => { this.log.error('handler for %s failed - %e', message.topic, err) })
        }
      } catch (err) {
        this.log.error('handler for %s failed - %e', message.topic, err)
      }
    }
  }
}
