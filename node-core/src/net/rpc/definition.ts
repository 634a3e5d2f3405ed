/**
 * A request/response protocol is declared once, as data, and shared by the
 * client and the server side: name and major version (which make the libp2p
 * protocol id), size limits, timeout and the two codecs (docs/net.md §1, §3).
 */
import { InvalidArgumentError } from '../../errors.js'
import type { Codec } from './codec.js'
import {
  DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, MAX_MESSAGE_BYTES_LIMIT, MAX_TIMEOUT_MS,
  NAME_PATTERN, PROTOCOL_PREFIX
} from './constants.js'

export interface RpcDefinitionInit<Req, Res> {
  /** e.g. 'dkg/start'; lower-case segments (see NAME_PATTERN). */
  name: string
  /** Major version; a peer with another major does not negotiate the protocol at all. */
  version: number
  /** Largest encoded request body accepted or sent. */
  maxRequestBytes: number
  /** Largest encoded response body accepted or sent. */
  maxResponseBytes: number
  /** Deadline for a whole call (caller: dial to response; server: request read to response written). */
  timeoutMs: number
  request: Codec<Req>
  response: Codec<Res>
  /** Concurrent streams of this protocol per connection (default 64 each way). */
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** Allow calls over relayed (data- and time-limited) connections. Default false. */
  runOnLimitedConnection?: boolean
}

export interface RpcDefinition<Req, Res> {
  readonly name: string
  readonly version: number
  /** `/lit/<name>/<version>.0.0` */
  readonly protocol: string
  readonly maxRequestBytes: number
  readonly maxResponseBytes: number
  readonly timeoutMs: number
  readonly request: Codec<Req>
  readonly response: Codec<Res>
  readonly maxInboundStreams: number
  readonly maxOutboundStreams: number
  readonly runOnLimitedConnection: boolean
}

/** The libp2p protocol id of a name and major version. */
export function rpcProtocolId (name: string, version: number): string {
  return `${PROTOCOL_PREFIX}/${name}/${version}.0.0`
}

function checkInt (field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `must be an integer in [${min}, ${max}], got ${value}`)
  }
}

/** Validate and freeze a protocol definition (set-up errors throw InvalidArgumentError). */
export function defineRpc<Req, Res> (init: RpcDefinitionInit<Req, Res>): RpcDefinition<Req, Res> {
  if (typeof init.name !== 'string' || !NAME_PATTERN.test(init.name)) {
    throw new InvalidArgumentError('name', `must match ${NAME_PATTERN.source}`)
  }
  checkInt('version', init.version, 1, 65535)
  checkInt('maxRequestBytes', init.maxRequestBytes, 0, MAX_MESSAGE_BYTES_LIMIT)
  checkInt('maxResponseBytes', init.maxResponseBytes, 0, MAX_MESSAGE_BYTES_LIMIT)
  checkInt('timeoutMs', init.timeoutMs, 1, MAX_TIMEOUT_MS)
  const maxInboundStreams = init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS
  const maxOutboundStreams = init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS
  checkInt('maxInboundStreams', maxInboundStreams, 1, 1024)
  checkInt('maxOutboundStreams', maxOutboundStreams, 1, 1024)
  if (typeof init.request?.encode !== 'function' || typeof init.request?.decode !== 'function') {
    throw new InvalidArgumentError('request', 'must be a codec { encode, decode }')
  }
  if (typeof init.response?.encode !== 'function' || typeof init.response?.decode !== 'function') {
    throw new InvalidArgumentError('response', 'must be a codec { encode, decode }')
  }
  return Object.freeze({
    name: init.name,
    version: init.version,
    protocol: rpcProtocolId(init.name, init.version),
    maxRequestBytes: init.maxRequestBytes,
    maxResponseBytes: init.maxResponseBytes,
    timeoutMs: init.timeoutMs,
    request: init.request,
    response: init.response,
    maxInboundStreams,
    maxOutboundStreams,
    runOnLimitedConnection: init.runOnLimitedConnection ?? false
  })
}
