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
import { fetchRelayInfo, PeerRuntime } from '../node/runtime.js'
import type { AuthSigFactory } from './auth-cache.js'
import type { LitClient, ClientTimeouts } from './lit-client.js'
import { startRoutedClient } from './routed-client.js'

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
  const client = await startRoutedClient({
    libp2p: peer.libp2p,
    mesh: peer,
    relayInfo: async () => await fetchRelayInfo(relayInfoUrl),
    account: options.account,
    createAuthSig: options.createAuthSig,
    timeouts: options.timeouts,
    onClose: async () => { if (ownsPeer) await peer.stop() }
  })
  return Object.assign(client, { peer }) as BrowserLitClient
}
