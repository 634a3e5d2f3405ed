/**
 * The composition root of a browser peer: identity (IndexedDB slot) → libp2p →
 * mesh maintainer. A node keeps a full mesh with the other nodes; a client (the
 * dashboard) only joins the status topic to watch the network.
 */
import type { PrivateKey } from '@libp2p/interface'
import { InvalidArgumentError, LitError } from '../errors.js'
import { RELAY_INFO_PATH, type RelayInfo } from '../net/config.js'
import { loadOrCreatePeerKey, newPeerKey } from '../net/identity.js'
import { createBrowserLibp2p, type BrowserLibp2p } from '../net/libp2p-browser.js'
import { Mesh, type MeshSnapshot } from '../net/mesh.js'
import type { PeerRole } from '../net/status.js'
import type { IdentityStore } from '../store/identity.js'
import { transition, type LifecycleState } from './lifecycle.js'

export interface PeerRuntimeInit {
  role: PeerRole
  /** Where the relay's addresses are served; default /relay.json on this origin. */
  relayInfoUrl?: string
  /** A node's identity: the store and the slot (required for role 'node'). */
  identity?: { store: IdentityStore, slot: string }
}

export interface PeerRuntimeSnapshot extends MeshSnapshot {
  lifecycle: LifecycleState
  error: string | null
}

export class RelayInfoError extends LitError {
  constructor (reason: string) {
    super(`cannot read relay info: ${reason}`, 'ERR_RELAY_INFO')
  }
}

/** Fetch and check the relay description the web server publishes. */
export async function fetchRelayInfo (url: string, signal?: AbortSignal): Promise<RelayInfo> {
  const res = await fetch(url, { cache: 'no-store', signal: signal ?? AbortSignal.timeout(5_000) })
  if (!res.ok) throw new RelayInfoError(`HTTP ${res.status}`)
  const body: unknown = await res.json()
  const info = body as Partial<RelayInfo>
  if (typeof info?.peerId !== 'string' || !Array.isArray(info.multiaddrs) || !info.multiaddrs.every(a => typeof a === 'string')) {
    throw new RelayInfoError('unexpected shape')
  }
  return { peerId: info.peerId, multiaddrs: info.multiaddrs }
}

/** A running peer: its libp2p, its mesh maintainer and a snapshot stream for the UI. */
export class PeerRuntime {
  private state: LifecycleState = 'idle'
  private error: string | null = null
  private libp2pInstance: BrowserLibp2p | undefined
  private key: PrivateKey | undefined
  private mesh: Mesh | undefined
  private readonly listeners = new Set<(s: PeerRuntimeSnapshot) => void>()

  constructor (private readonly init: PeerRuntimeInit) {
    if (init.role !== 'node' && init.role !== 'client') throw new InvalidArgumentError('role', 'expected node or client')
    if (init.role === 'node' && init.identity == null) throw new InvalidArgumentError('identity', 'a node needs a stored identity')
  }

  get lifecycle (): LifecycleState { return this.state }

  /** The underlying libp2p, for services layered on top (RPC, broadcast). */
  get libp2p (): BrowserLibp2p {
    if (this.libp2pInstance == null) throw new LitError('peer not started', 'ERR_NOT_STARTED')
    return this.libp2pInstance
  }

  /** The peer's identity key (a node countersigns registry operations with it). */
  get privateKey (): PrivateKey {
    if (this.key == null) throw new LitError('peer not started', 'ERR_NOT_STARTED')
    return this.key
  }

  async start (): Promise<void> {
    this.setState(transition(this.state, 'starting'))
    try {
      const privateKey: PrivateKey = this.init.identity != null
        ? await loadOrCreatePeerKey(this.init.identity.store, this.init.identity.slot)
        : await newPeerKey()
      this.key = privateKey
      const libp2p = await createBrowserLibp2p({ privateKey, listen: this.init.role === 'node' })
      this.libp2pInstance = libp2p
      const url = this.init.relayInfoUrl ?? RELAY_INFO_PATH
      this.mesh = new Mesh({ libp2p, role: this.init.role, relayInfo: async () => await fetchRelayInfo(url) })
      this.mesh.subscribe(() => { this.emit() })
      this.mesh.start()
      this.setState(transition(this.state, 'running'))
    } catch (err) {
      this.error = err instanceof Error ? `${err.name}: ${err.message}` : 'start failed'
      this.setState(transition(this.state, 'failed'))
      throw err
    }
  }

  async stop (): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping' || this.state === 'idle') return
    this.setState(transition(this.state, 'stopping'))
    await this.mesh?.stop()
    await this.libp2pInstance?.stop()
    this.setState(transition(this.state, 'stopped'))
  }

  /** For page unload: a last status saying we leave (cannot be awaited there). */
  announceLeaving (): void {
    this.mesh?.announceLeaving()
  }

  snapshot (): PeerRuntimeSnapshot | null {
    if (this.mesh == null) return null
    return { ...this.mesh.snapshot(), lifecycle: this.state, error: this.error }
  }

  /** See Mesh.onlineNodes: the online set alone, cheaper than snapshot(). */
  onlineNodes (includeSelf: boolean): string[] {
    return this.mesh?.onlineNodes(includeSelf) ?? []
  }

  subscribe (listener: (s: PeerRuntimeSnapshot) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private setState (s: LifecycleState): void {
    this.state = s
    this.emit()
  }

  private emit (): void {
    const snap = this.snapshot()
    if (snap == null) return
    for (const l of this.listeners) l(snap)
  }
}

/** Start a node (role 'node') or a dashboard client (role 'client'). */
export async function startPeer (init: PeerRuntimeInit): Promise<PeerRuntime> {
  const peer = new PeerRuntime(init)
  await peer.start()
  return peer
}
