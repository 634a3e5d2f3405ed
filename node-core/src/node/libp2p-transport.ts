/**
 * NodeRpc over net/rpc's RpcService (typed request/response on libp2p
 * streams). Peers are PeerId strings at this boundary; the caller a handler
 * sees is the noise-authenticated connection's peer (`remotePeer.toString()`).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { RpcDefinition } from '../net/rpc/definition.js'
import type { RpcService } from '../net/rpc/service.js'
import { PeerUnreachableError } from '../net/rpc/errors.js'
import type { NodeHandler, NodeRequestOptions, NodeRpc } from './transport.js'

export class Libp2pNodeRpc implements NodeRpc {
  constructor (private readonly service: RpcService, readonly self: string) {}

  async handle<Req, Res> (definition: RpcDefinition<Req, Res>, handler: NodeHandler<Req, Res>): Promise<void> {
    await this.service.handle(definition, async (request, ctx) =>
      await handler(request, { remotePeer: ctx.remotePeer.toString(), signal: ctx.signal }))
  }

  async unhandle (definition: RpcDefinition<any, any>): Promise<void> {
    await this.service.unhandle(definition)
  }

  async request<Req, Res> (definition: RpcDefinition<Req, Res>, peer: string, request: Req, options?: NodeRequestOptions): Promise<Res> {
    let target
    try {
      target = peerIdFromString(peer)
    } catch (err) {
      throw new PeerUnreachableError(peer, { cause: err })
    }
    return await this.service.request(definition, target, request, options)
  }
}
