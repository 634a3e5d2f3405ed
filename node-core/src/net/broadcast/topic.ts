/**
 * A broadcast topic is declared once, as data: name and major version (which
 * make the gossipsub topic string), a size limit and a strict codec.
 *
 *   gossip payload = version(1) ‖ body          (docs/net.md §5)
 */
import { InvalidArgumentError, MalformedMessageError } from '../../errors.js'
import type { Codec } from '../rpc/codec.js'
import { NAME_PATTERN } from '../rpc/constants.js'
import { MessageTooLargeError } from '../rpc/errors.js'
import { GOSSIP_ENVELOPE_VERSION, MAX_TOPIC_BYTES_LIMIT, TOPIC_PREFIX } from './constants.js'

export interface TopicDefinitionInit<T> {
  name: string
  version: number
  /** Largest encoded body (the one-byte envelope not counted). */
  maxBytes: number
  codec: Codec<T>
}

export interface TopicDefinition<T> {
  readonly name: string
  readonly version: number
  /** `/lit/<name>/<version>` */
  readonly topic: string
  readonly maxBytes: number
  readonly codec: Codec<T>
}

export function topicId (name: string, version: number): string {
  return `${TOPIC_PREFIX}/${name}/${version}`
}

export function defineTopic<T> (init: TopicDefinitionInit<T>): TopicDefinition<T> {
  if (typeof init.name !== 'string' || !NAME_PATTERN.test(init.name)) {
    throw new InvalidArgumentError('name', `must match ${NAME_PATTERN.source}`)
  }
  if (!Number.isSafeInteger(init.version) || init.version < 1 || init.version > 65535) {
    throw new InvalidArgumentError('version', 'must be an integer in [1, 65535]')
  }
  if (!Number.isSafeInteger(init.maxBytes) || init.maxBytes < 0 || init.maxBytes > MAX_TOPIC_BYTES_LIMIT) {
    throw new InvalidArgumentError('maxBytes', `must be an integer in [0, ${MAX_TOPIC_BYTES_LIMIT}]`)
  }
  if (typeof init.codec?.encode !== 'function' || typeof init.codec?.decode !== 'function') {
    throw new InvalidArgumentError('codec', 'must be a codec { encode, decode }')
  }
  return Object.freeze({
    name: init.name,
    version: init.version,
    topic: topicId(init.name, init.version),
    maxBytes: init.maxBytes,
    codec: init.codec
  })
}

// Spec 5.1
export function encodeTopicMessage<T> (definition: TopicDefinition<T>, value: T): Uint8Array {
  const body = definition.codec.encode(value)
  if (body.length > definition.maxBytes) {
    throw new MessageTooLargeError('broadcast', definition.maxBytes, `${body.length} bytes on ${definition.topic}`)
  }
  const payload = new Uint8Array(1 + body.length)
  payload[0] = GOSSIP_ENVELOPE_VERSION
  payload.set(body, 1)
  return payload
}

// Spec 5.2: size first (no decoding work on oversized data), then version, then the strict codec.
export function decodeTopicMessage<T> (definition: TopicDefinition<T>, payload: Uint8Array): T {
  if (payload.length > 1 + definition.maxBytes) {
    throw new MessageTooLargeError('broadcast', definition.maxBytes, `${payload.length - 1} bytes on ${definition.topic}`)
  }
  if (payload.length < 1) throw new MalformedMessageError('gossip envelope', 'empty payload')
  if (payload[0] !== GOSSIP_ENVELOPE_VERSION) {
    throw new MalformedMessageError('gossip envelope', `unsupported envelope version ${payload[0]}`)
  }
  return definition.codec.decode(payload.subarray(1))
}
