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
