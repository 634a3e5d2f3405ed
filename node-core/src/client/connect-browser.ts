/**
 * The client SDK in a page (the dashboard): a client peer (node/runtime.ts,
 * role 'client': relay link and the status topic), an RPC service on its
 * libp2p, and a LitClient over them. Pass a started `peer` to share one libp2p
 * with the page's mesh view, or let this start one.
 *
 *   const client = await connectBrowserClient({ account })
 *   await client.connect({ minNodes: 3 })
 */
import type { LocalAccount } from 'viem/accounts'
import { RELAY_INFO_PATH } from '../net/config.js'
import { createRpcService } from '../net/rpc/index.js'
import { fetchRelayInfo, PeerRuntime } from '../node/runtime.js'
import { Libp2pNodeRpc } from '../node/libp2p-transport.js'
import { meshDirectory } from '../node/mesh-directory.js'
import type { AuthSigFactory } from './auth-cache.js'
import { LitClient, type ClientTimeouts } from './lit-client.js'
import { routeNodesViaRelay } from './relay-routes.js'

export interface BrowserClientOptions {
  account: LocalAccount
  /** Where the relay's addresses are served (default /relay.json on this origin). */
  relayInfoUrl?: string
  /** A running client peer to use; by default one is started (and stopped by close()). */
  peer?: PeerRuntime
  createAuthSig?: AuthSigFactory
  timeouts?: Partial<ClientTimeouts>
}

/** A LitClient with the page's peer (for the mesh view). */
export type BrowserLitClient = LitClient & { readonly peer: PeerRuntime }

export async function connectBrowserClient (options: BrowserClientOptions): Promise<BrowserLitClient> {
  const relayInfoUrl = options.relayInfoUrl ?? RELAY_INFO_PATH
  const ownsPeer = options.peer == null
  const peer = options.peer ?? new PeerRuntime({ role: 'client', relayInfoUrl })
  if (ownsPeer) await peer.start()
  const libp2p = peer.libp2p
  const rpc = createRpcService(libp2p)
  await rpc.start()
  const routes = routeNodesViaRelay({ libp2p, directory: meshDirectory(peer, { includeSelf: false }), relayInfo: async () => await fetchRelayInfo(relayInfoUrl) })
  const client = new LitClient({
    rpc: new Libp2pNodeRpc(rpc, libp2p.peerId.toString()),
    directory: routes.directory,
    account: options.account,
    createAuthSig: options.createAuthSig,
    timeouts: options.timeouts,
    onClose: async () => {
      routes.stop()
      await rpc.stop()
      if (ownsPeer) await peer.stop()
    }
  })
  return Object.assign(client, { peer }) as BrowserLitClient
}
