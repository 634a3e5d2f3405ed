/**
 * A Lit node: the composition root of the node services (docs/node-runtime.md).
 * It joins a NodeRpc (libp2p or memory), a PeerDirectory and a NodeStore to
 * the session hub, genesis, mint, presignature pool, sign and decrypt
 * services, and gives the node page a snapshot with change notifications.
 * Startable in the js-libp2p style: `start()` / `stop()`.
 */
import type { PrivateKey } from '@libp2p/interface'
import { bytesToHex } from '@noble/hashes/utils.js'
import { InvalidArgumentError } from '../errors.js'
import type { BackoffPolicy } from '../net/config.js'
import type { MemberKeys } from '../registry/index.js'
import type { NodeStore } from '../store/node-store.js'
import type { RegistryStore } from '../store/registry-store.js'
import { MemoryRegistryStore } from '../store/registry-store-memory.js'
import type { AuthSigVerifier } from './caller-auth.js'
import { systemClock, type Clock } from './clock.js'
import type { NodeContext } from './context.js'
import { DecryptService } from './decrypt-service.js'
import { NO_FAULTS, type NodeFaults } from './faults.js'
import { DEFAULT_GENESIS_CONFIG, GenesisService, type GenesisState } from './genesis.js'
import { transition, type LifecycleState } from './lifecycle.js'
import { describeError, nodeLogger, silentSink, type LogSink } from './log.js'
import { MintService } from './mint.js'
import { NetworkInfoService } from './network-info.js'
import { OperationTracker, serveOperationStatus, type OperationView } from './op-status.js'
import { DEFAULT_PRESIGN_POOL_CONFIG, LEASE_GRACE_MS, PresignPool } from './presign-pool.js'
import { ArmedPresignatures } from './armed-presignatures.js'
import { memberSignerFromKey, peerIdMemberKeys } from './registry-keys.js'
import { RegistryService } from './registry-service.js'
import { OperationStatus, type AuthSig, type PkpInfo } from './rpc-definitions.js'
import { DEFAULT_ROUND_TIMEOUT_MS, SessionHub } from './session-hub.js'
import { SignService } from './sign-service.js'
import type { NodeRpc, PeerDirectory } from './transport.js'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { LitClient } from '../client/lit-client.js'
import type { AccessControlConditions } from './access-conditions.js'
import type { ActionDecryptArgs } from './action-host.js'
import { ActionService, type ActionServiceInit } from './action-service.js'
import { prepareBaseTable } from '../crypto/secp256k1/base-mul.js'

export interface LitNodeConfig {
  /** Fewest online nodes before genesis is proposed (default 3). */
  genesisMinNodes: number
  /** How long the online set must be stable before genesis (default 2 s). */
  genesisStableMs: number
  /** Genesis retry delays (default 1 s … 30 s). */
  genesisBackoff: BackoffPolicy
  /** Protocol round deadline (default 5 s). */
  roundTimeoutMs: number
  /** Presignatures kept per PKP this node allocates (default 8; 0 = only on demand). */
  poolTarget: number
  /** Pause between background presign runs (default 250 ms). */
  presignPauseMs: number
  /** Background presign runs wait this long after signing activity here (default 1 s; PresignPoolConfig.quietMs). */
  presignQuietMs: number
  /** Presign participants: exactly 2t+1 ('minimal', default) or every online member ('all'); see PresignPoolConfig. */
  presignParticipants: 'minimal' | 'all'
  /** Presignature lease length (default 60 s). */
  leaseMs: number
  /** Arm leased presignatures so signature shares need no storage write (default true; docs/node-runtime.md §5.4.1). */
  armOnLease: boolean
  /** Test-only faults (docs/node-runtime.md §10). */
  faults: NodeFaults
  clock: Clock
  log: LogSink
}

/** Debounce of the node page's snapshot. */
const SNAPSHOT_REFRESH_MS = 250

export const DEFAULT_LIT_NODE_CONFIG: LitNodeConfig = {
  genesisMinNodes: DEFAULT_GENESIS_CONFIG.minNodes,
  genesisStableMs: DEFAULT_GENESIS_CONFIG.stableMs,
  genesisBackoff: DEFAULT_GENESIS_CONFIG.backoff,
  roundTimeoutMs: DEFAULT_ROUND_TIMEOUT_MS,
  poolTarget: DEFAULT_PRESIGN_POOL_CONFIG.target,
  presignPauseMs: DEFAULT_PRESIGN_POOL_CONFIG.pauseMs,
  presignQuietMs: DEFAULT_PRESIGN_POOL_CONFIG.quietMs,
  presignParticipants: 'minimal',
  leaseMs: DEFAULT_PRESIGN_POOL_CONFIG.leaseMs,
  armOnLease: true,
  faults: NO_FAULTS,
  clock: systemClock,
  log: silentSink
}

export interface LitNodeInit {
  rpc: NodeRpc
  directory: PeerDirectory
  store: NodeStore
  /** Checks SIWE auth signatures (auth/siwe.ts AuthVerifier). */
  auth: AuthSigVerifier
  /**
   * The node's libp2p identity key (Ed25519, the key of `rpc.self`): it
   * countersigns registry operations with it (docs/registry.md §7.9). Without
   * it the node still verifies and applies certificates but never countersigns.
   */
  identityKey?: PrivateKey
  /** Votes and certificates (IdbRegistryStore in a tab); an in-memory one by default (not durable). */
  registryStore?: RegistryStore
  /** Verifies members' countersignatures; from their PeerIds by default. */
  memberKeys?: MemberKeys
  config?: Partial<LitNodeConfig>
  /**
   * Lit Actions (docs/actions.md): where code is kept and the sandbox that runs
   * it. Without them the node serves no action/* protocol.
   */
  actions?: ActionServiceInit
}

/** The node page's view of the network key. */
export interface NodeNetworkKeyView {
  genesisId: string
  /** Compressed G1 public key, hex (48 bytes). */
  publicKey: string
  members: string[]
  /** Decryption shares needed: degree + 1. */
  threshold: number
}

export interface NodePkpView extends PkpInfo {
  /** Signature shares needed: 2t+1. */
  threshold: number
}

export interface LitNodeSnapshot {
  nodeId: string
  lifecycle: LifecycleState
  genesis: GenesisState
  networkKey: NodeNetworkKeyView | null
  /** Holds a share of the network key (false for nodes that joined after genesis). */
  keyHolder: boolean
  /** PKPs whose committee this node is in, with this node's pool level (`pool`). */
  pkps: NodePkpView[]
  /** Newest first. */
  operations: OperationView[]
  /** PKPs with a certified registry entry on this node. */
  registryTokens: number
  onlineNodes: string[]
  faults: NodeFaults
  error: string | null
  at: number
}

export class LitNode {
  readonly config: LitNodeConfig
  private readonly rpc: NodeRpc
  private readonly directory: PeerDirectory
  private readonly store: NodeStore
  private readonly hub: SessionHub
  private readonly ops: OperationTracker
  readonly genesis: GenesisService
  readonly pool: PresignPool
  /** The PKP registry: certified owners and permissions (docs/registry.md). */
  readonly registry: RegistryService
  private readonly mint: MintService
  private readonly sign: SignService
  private readonly decrypt: DecryptService
  private readonly info: NetworkInfoService
  private readonly actions: ActionService | undefined
  private actionClient: LitClient | undefined
  private state: LifecycleState = 'idle'
  private error: string | null = null
  private current: LitNodeSnapshot
  private readonly listeners = new Set<(s: LitNodeSnapshot) => void>()
  private refreshTimer: ReturnType<typeof setTimeout> | undefined
  private refreshing: Promise<void> | undefined
  private unsubscribe: Array<() => void> = []

  constructor (init: LitNodeInit) {
    if (init.auth == null || typeof init.auth.verify !== 'function') throw new InvalidArgumentError('auth', 'an AuthSigVerifier is required')
    if (init.store.nodeId !== init.rpc.self) throw new InvalidArgumentError('store', `belongs to ${init.store.nodeId}, not ${init.rpc.self}`)
    // Fields given as undefined keep their defaults.
    const given = Object.fromEntries(Object.entries(init.config ?? {}).filter(([, v]) => v !== undefined))
    const config: LitNodeConfig = { ...DEFAULT_LIT_NODE_CONFIG, ...given }
    this.config = config
    this.rpc = init.rpc
    this.directory = init.directory
    this.store = init.store
    this.hub = new SessionHub({ rpc: init.rpc, roundTimeoutMs: config.roundTimeoutMs, clock: config.clock, log: config.log })
    this.ops = new OperationTracker(config.clock)
    const changed = (): void => { this.scheduleRefresh() }
    const registryStore = init.registryStore ?? new MemoryRegistryStore(init.rpc.self)
    if (registryStore.nodeId !== init.rpc.self) throw new InvalidArgumentError('registryStore', `belongs to ${registryStore.nodeId}, not ${init.rpc.self}`)
    this.registry = new RegistryService(
      { rpc: init.rpc, directory: init.directory, store: init.store, clock: config.clock, log: config.log, changed },
      {
        store: registryStore,
        keys: init.memberKeys ?? peerIdMemberKeys(),
        ...(init.identityKey !== undefined ? { signer: memberSignerFromKey(init.rpc.self, init.identityKey) } : {})
      }
    )
    const ctx: NodeContext = {
      rpc: init.rpc,
      directory: init.directory,
      store: init.store,
      hub: this.hub,
      ops: this.ops,
      clock: config.clock,
      auth: init.auth,
      registry: this.registry,
      faults: config.faults,
      log: config.log,
      changed
    }
    this.genesis = new GenesisService(ctx, {
      ...DEFAULT_GENESIS_CONFIG,
      minNodes: config.genesisMinNodes,
      stableMs: config.genesisStableMs,
      backoff: config.genesisBackoff
    })
    // One set of armed presignatures: the pool arms at lease time, the sign service uses them (§5.4.1).
    const armed = new ArmedPresignatures(init.store, config.clock, config.leaseMs + LEASE_GRACE_MS)
    this.pool = new PresignPool(ctx, {
      ...DEFAULT_PRESIGN_POOL_CONFIG,
      target: config.poolTarget,
      pauseMs: config.presignPauseMs,
      quietMs: config.presignQuietMs,
      participants: config.presignParticipants,
      leaseMs: config.leaseMs,
      armOnLease: config.armOnLease
    }, armed)
    this.mint = new MintService(ctx, () => { this.pool.kick() })
    this.sign = new SignService(ctx, () => this.pool.beginSigning(), armed)
    this.decrypt = new DecryptService(ctx, () => this.genesis.networkKey, () => this.pool.beginSigning())
    this.info = new NetworkInfoService(ctx, this.genesis, this.pool)
    this.actions = init.actions === undefined
      ? undefined
      : new ActionService(ctx, this.sign, {
        decrypt: async (args, auth, signal) => await this.decryptForAction(args, auth, signal),
        beginForeground: () => this.pool.beginSigning(),
        networkKey: () => this.genesis.networkKey,
        binderPool: this.pool,
        ...init.actions
      })
    this.current = this.emptySnapshot()
  }

  get nodeId (): string { return this.rpc.self }
  get lifecycle (): LifecycleState { return this.state }

  async start (): Promise<void> {
    this.setState(transition(this.state, 'starting'))
    try {
      await this.hub.start()
      await serveOperationStatus(this.rpc, this.ops)
      await this.registry.start()
      await this.info.start()
      await this.genesis.start()
      await this.mint.start()
      await this.sign.start()
      await this.decrypt.start()
      await this.pool.start()
      await this.actions?.start()
      this.unsubscribe.push(this.ops.subscribe(() => { this.scheduleRefresh() }))
      this.unsubscribe.push(this.directory.subscribe(() => { this.scheduleRefresh() }))
      // The secp256k1 comb's table (tens of ms, once per process) is built now rather than
      // inside this node's first mint or presign, where every committee member would wait for it.
      const warm = setTimeout(prepareBaseTable, 0)
      this.unsubscribe.push(() => { clearTimeout(warm) })
      this.setState(transition(this.state, 'running'))
    } catch (err) {
      this.error = describeError(err)
      this.setState(transition(this.state, 'failed'))
      throw err
    }
  }

  /** Stops serving and every background task; the store stays open (its owner closes it). */
  async stop (): Promise<void> {
    if (this.state !== 'running' && this.state !== 'failed' && this.state !== 'starting') return
    this.setState(transition(this.state, 'stopping'))
    for (const u of this.unsubscribe.splice(0)) u()
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer)
    const log = nodeLogger(this.config.log, 'lit-node')
    for (const part of [...(this.actions !== undefined ? [this.actions] : []), this.pool, this.decrypt, this.sign, this.mint, this.genesis, this.info, this.registry]) {
      try { await part.stop() } catch (err) { log.warn(`stopping: ${describeError(err)}`) }
    }
    await this.rpc.unhandle(OperationStatus)
    await this.hub.stop()
    await this.refreshing
    this.setState(transition(this.state, 'stopped'))
  }

  /**
   * decryptAndCombine inside an action (docs/actions.md §3.6): this node asks the
   * key holders as a client would, with the request's own auth signature, so an
   * action decrypts exactly what its caller could decrypt itself.
   */
  private async decryptForAction (args: ActionDecryptArgs, auth: AuthSig, signal: AbortSignal): Promise<string> {
    this.actionClient ??= new LitClient({ rpc: this.rpc, directory: this.directory, account: privateKeyToAccount(generatePrivateKey()) })
    const res = await this.actionClient.decrypt({
      accessControlConditions: args.accessControlConditions as AccessControlConditions,
      ciphertext: args.ciphertext,
      dataToEncryptHash: args.dataToEncryptHash,
      auth,
      signal
    })
    return new TextDecoder().decode(res.decryptedData)
  }

  /** The latest snapshot (refreshed shortly after every change). */
  snapshot (): LitNodeSnapshot { return this.current }

  /** Called with each new snapshot; returns an unsubscribe function. */
  subscribe (listener: (s: LitNodeSnapshot) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Rebuild the snapshot now (tests and the node page's first paint). */
  async refresh (): Promise<LitNodeSnapshot> {
    const pkps = await this.info.pkps()
    const key = this.genesis.networkKey
    this.current = {
      ...this.emptySnapshot(),
      genesis: this.genesis.state,
      networkKey: key === undefined
        ? null
        : { genesisId: key.genesisId, publicKey: bytesToHex(key.publicKeySet.publicKey.toBytes()), members: [...key.members], threshold: key.publicKeySet.degree + 1 },
      keyHolder: this.genesis.keyHolder,
      pkps: pkps.map((p) => ({ ...p, threshold: 2 * p.degree + 1 })),
      operations: this.ops.recent(20),
      registryTokens: this.registry.tokens().length
    }
    for (const l of this.listeners) {
      try { l(this.current) } catch { /* a listener's failure is its own */ }
    }
    return this.current
  }

  private scheduleRefresh (): void {
    if (this.refreshTimer !== undefined || this.state === 'stopped') return
    // At most four page refreshes a second: each reads the store, and during a burst of signing it competed with it.
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined
      this.refreshing = this.refresh().then(() => {}, () => {})
    }, SNAPSHOT_REFRESH_MS)
  }

  private emptySnapshot (): LitNodeSnapshot {
    return {
      nodeId: this.rpc.self,
      lifecycle: this.state,
      genesis: 'waiting',
      networkKey: null,
      keyHolder: false,
      pkps: [],
      operations: [],
      registryTokens: 0,
      onlineNodes: this.directory.onlineNodes(),
      faults: { ...this.config.faults },
      error: this.error,
      at: this.config.clock.now()
    }
  }

  private setState (s: LifecycleState): void {
    this.state = s
    this.current = { ...this.current, lifecycle: s, error: this.error }
    for (const l of this.listeners) {
      try { l(this.current) } catch { /* a listener's failure is its own */ }
    }
  }
}
