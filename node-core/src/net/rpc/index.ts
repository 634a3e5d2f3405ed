/**
 * The request/response half of the message layer. See docs/net.md.
 *
 * @example
 * const Ping = defineRpc({ name: 'ping', version: 1, maxRequestBytes: 64, maxResponseBytes: 64,
 *   timeoutMs: 5_000, request: bytesCodec, response: bytesCodec })
 * const rpc = createRpcService(libp2p); await rpc.start()
 * await rpc.handle(Ping, (req, { remotePeer }) => req)
 * const echoed = await rpc.request(Ping, otherPeerId, new Uint8Array([1]))
 */
import { RpcService, type RpcComponents, type RpcServiceOptions } from './service.js'

export { RpcService } from './service.js'
export type { RpcComponents, RpcServiceOptions, RpcTarget, RpcHandler, HandlerContext, RequestOptions } from './service.js'
export { CHANNEL_PROTOCOL, CHANNEL_MAX_BODY } from './channel-frames.js'
export { defineRpc, rpcProtocolId } from './definition.js'
export type { RpcDefinition, RpcDefinitionInit } from './definition.js'
export { bytesCodec, emptyCodec, jsonCodec } from './codec.js'
export type { Codec } from './codec.js'
export * as schema from './schema.js'
export type { Schema, Infer } from './schema.js'
export {
  RpcError, BadRequestError, UnauthorizedError, NotFoundError, UnavailableError, InternalError,
  RemoteError, RpcTimeoutError, RpcAbortedError, UnsupportedProtocolError, MessageTooLargeError,
  PeerUnreachableError, RpcStreamError, RpcNotStartedError
} from './errors.js'
export { MalformedMessageError } from '../../errors.js'
export { RpcErrorCode, ENVELOPE_VERSION, PROTOCOL_PREFIX, MAX_MESSAGE_BYTES_LIMIT } from './constants.js'

/** The service over a libp2p node (or anything with handle/unhandle/dialProtocol/logger). */
export function createRpcService (components: RpcComponents, options?: RpcServiceOptions): RpcService {
  return new RpcService(components, options)
}
