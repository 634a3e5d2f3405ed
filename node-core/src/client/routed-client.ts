/**
 * The part a page client and a Node script client share: an RPC service on the
 * peer's libp2p, routes to every live node (relay-routes.ts), and a LitClient
 * over them. Each connect-* module only builds its libp2p and mesh source.
 */
import type { Libp2p } from '@libp2p/interface'
import type { LocalAccount } from 'viem/accounts'
import type { RelayInfo } from '../net/config.js'
import { createRpcService } from '../net/rpc/index.js'
import { Libp2pNodeRpc } from '../node/libp2p-transport.js'
import { meshDirectory, type MeshSource } from '../node/mesh-directory.js'
import type { AuthSigFactory } from './auth-cache.js'
import { LitClient, type ClientTimeouts } from './lit-client.js'
import { routeNodesViaRelay, type RelayRoutesInit } from './relay-routes.js'

export interface RoutedClientInit {
  libp2p: Libp2p & RelayRoutesInit['libp2p']
  /** Where the live nodes come from (the peer's status view). */
  mesh: MeshSource
  relayInfo: () => Promise<RelayInfo>
  account: LocalAccount
  createAuthSig?: AuthSigFactory
  timeouts?: Partial<ClientTimeouts>
  /** Stops what the caller started (mesh, libp2p), after the client's own parts. */
  onClose: () => Promise<void>
}

export async function startRoutedClient (init: RoutedClientInit): Promise<LitClient> {
  const rpc = createRpcService(init.libp2p)
  await rpc.start()
  const routes = routeNodesViaRelay({ libp2p: init.libp2p, directory: meshDirectory(init.mesh, { includeSelf: false }), relayInfo: init.relayInfo })
  return new LitClient({
    rpc: new Libp2pNodeRpc(rpc, init.libp2p.peerId.toString()),
    directory: routes.directory,
    account: init.account,
    createAuthSig: init.createAuthSig,
    timeouts: init.timeouts,
    onClose: async () => {
      routes.stop()
      await rpc.stop()
      await init.onClose()
    }
  })
}
