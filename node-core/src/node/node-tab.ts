/**
 * A browser tab as a Lit node: PeerRuntime (role node, identity from
 * IndexedDB) → RpcService on its libp2p → IdbNodeStore and IdbRegistryStore
 * of its PeerId → LitNode (countersigning registry operations with the
 * peer's identity key). `stop()` takes them down in reverse order. Faults come from the
 * page (`?fault=…`, test builds only: the app decides, see faults.ts).
 */
import { IdbIdentityStore } from '../store/identity-idb.js'
import type { IdentityStore } from '../store/identity.js'
import { IdbNodeStore } from '../store/node-store-idb.js'
import { IdbRegistryStore } from '../store/registry-store-idb.js'
import { createRpcService } from '../net/rpc/index.js'
import { AuthVerifier } from '../auth/index.js'
import type { AuthSigVerifier } from './caller-auth.js'
import type { NodeFaults } from './faults.js'
import { Libp2pNodeRpc } from './libp2p-transport.js'
import { LitNode, type LitNodeConfig } from './lit-node.js'
import { meshDirectory } from './mesh-directory.js'
import { PeerRuntime } from './runtime.js'
import { openActionCodeStorage, type ActionCodeStorage } from '../actions/code-store-idb.js'
import { HeliaCodeStore } from '../actions/code-store-helia.js'
import type { ActionLimits } from '../actions/limits.js'
import { SandboxPool } from '../actions/sandbox/sandbox-pool.js'
import { browserSandboxWorkerFactory } from '../actions/sandbox/browser-worker.js'

export interface NodeTabInit {
  /** Identity slot in IndexedDB (one per tab of a testnet). */
  slot: string
  faults?: NodeFaults
  relayInfoUrl?: string
  config?: Partial<Omit<LitNodeConfig, 'faults'>>
  identityStore?: IdentityStore
  /** SIWE checks; default a caching AuthVerifier (auth/). */
  auth?: AuthSigVerifier
  /** Lit Actions (docs/actions.md): limits and the origins fetch may reach; the code store and sandbox are the tab's own. */
  actions?: { limits?: Partial<ActionLimits>, fetchAllow?: readonly string[] }
}

export interface NodeTab {
  readonly peer: PeerRuntime
  readonly node: LitNode
  readonly peerId: string
  stop(): Promise<void>
}

export async function startNodeTab (init: NodeTabInit): Promise<NodeTab> {
  const peer = new PeerRuntime({ role: 'node', identity: { store: init.identityStore ?? new IdbIdentityStore(), slot: init.slot }, relayInfoUrl: init.relayInfoUrl })
  await peer.start()
  const peerId = peer.libp2p.peerId.toString()
  const service = createRpcService(peer.libp2p)
  await service.start()
  let store: IdbNodeStore | undefined
  let registryStore: IdbRegistryStore | undefined
  let codeStorage: ActionCodeStorage | undefined
  try {
    store = await IdbNodeStore.open(peerId)
    registryStore = await IdbRegistryStore.open(peerId)
    codeStorage = await openActionCodeStorage(peerId)
    // Action code: blocks in this node's own IndexedDB databases, fetched from peers over bitswap on the tab's libp2p.
    const codeStore = new HeliaCodeStore({ libp2p: peer.libp2p, blockstore: codeStorage.blockstore, datastore: codeStorage.datastore })
    const sandbox = new SandboxPool({ createWorker: browserSandboxWorkerFactory() })
    const node = new LitNode({
      rpc: new Libp2pNodeRpc(service, peerId),
      directory: meshDirectory(peer, { includeSelf: true }),
      store,
      registryStore,
      identityKey: peer.privateKey,
      auth: init.auth ?? new AuthVerifier(),
      config: { ...init.config, faults: init.faults ?? {} },
      actions: { codeStore, sandbox, ...init.actions }
    })
    await node.start()
    const opened = store
    const openedRegistry = registryStore
    const openedCode = codeStorage
    return {
      peer,
      node,
      peerId,
      stop: async () => {
        await node.stop()
        await service.stop()
        sandbox.stop()
        await opened.close()
        await openedRegistry.close()
        await openedCode.close()
        await peer.stop()
      }
    }
  } catch (err) {
    await store?.close()
    await registryStore?.close()
    await codeStorage?.close()
    await service.stop()
    await peer.stop()
    throw err
  }
}
