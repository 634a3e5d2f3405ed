/**
 * Public browser entry of node-core: start a node tab or a dashboard client and
 * watch the network. The React app imports only from here.
 */
export { PeerRuntime, startPeer, fetchRelayInfo, RelayInfoError, type PeerRuntimeInit, type PeerRuntimeSnapshot } from './node/runtime.js'
export type { LifecycleState } from './node/lifecycle.js'
export { IdbIdentityStore } from './store/identity-idb.js'
export { MemoryIdentityStore, assertSlot, type IdentityStore } from './store/identity.js'
export { runEchoBench, type EchoBenchResult } from './net/echo-bench.js'
export * from './index.js'

// ---- Client SDK in a page (node-core/src/client/connect-browser.ts) ----------------------------
export { connectBrowserClient, type BrowserClientOptions, type BrowserLitClient } from './client/connect-browser.js'
// ---- end of the client SDK block ---------------------------------------------------------------

// ---- Node services in a tab (node-core/src/node/) ----------------------------------------------
export { startNodeTab, type NodeTab, type NodeTabInit } from './node/node-tab.js'
export { Libp2pNodeRpc } from './node/libp2p-transport.js'
export { meshDirectory, onlineNodesOf } from './node/mesh-directory.js'
// ---- end of the node services block ------------------------------------------------------------
