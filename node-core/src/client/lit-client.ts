/**
 * The client SDK (spec: docs/node-runtime.md §5, §9): mint PKPs, sign with them,
 * encrypt to the network key and decrypt, over any {@link NodeRpc} and
 * {@link PeerDirectory} (libp2p in a browser or in Node, or the in-memory
 * transport in tests). The client holds no share; it trusts no single node:
 * every share is verified before it is combined, and every fact it keeps about
 * the network is one enough nodes agree on (client/network-view.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { LocalAccount } from 'viem/accounts'
import { accessControlIdentity, decodeIbeCiphertext, ibeEncrypt } from '../crypto/bls/index.js'
import { decodePresignaturePublic, validateSignRequest, type PresignaturePublic, type SignRequest } from '../crypto/ecdsa/index.js'
import { Secp256k1 } from '../crypto/group.js'
import { defaultEcdsaDegree } from '../crypto/key-share.js'
import { secureRng } from '../crypto/random.js'
import type { ParticipantId } from '../crypto/shares.js'
import { decodePublicKeySet } from '../protocols/dkg/codec.js'
import { InvalidArgumentError, LitError } from '../errors.js'
import { canonicalConditions, conditionsHash, parseAccessControlConditions } from '../node/access-conditions.js'
import {
  DecryptShareRequest, MAX_COMMITTEE, MintStart, NetworkInfo as NetworkInfoRpc, OperationStatus, PkpList, PresignLease,
  SignShareRequest, type AuthSig
} from '../node/rpc-definitions.js'
import type { NodeRpc, PeerDirectory } from '../node/transport.js'
import type { RpcDefinition } from '../net/rpc/definition.js'
import { PeerUnreachableError } from '../net/rpc/errors.js'
import { raceAbort } from '../net/rpc/scope.js'
import { AuthSigCache, type AuthSigFactory } from './auth-cache.js'
import { defaultAuthSigFactory } from './default-auth.js'
import {
  AbortedError, aggregateFailure, BadShareError, ClientErrorCode, MintFailedError, NoNetworkKeyError, NotEnoughNodesError, NotFoundError,
  PlaintextMismatchError, TimeoutError, throwIfAborted, toNodeFault, type NodeFault
} from './errors.js'
import { fanOut } from './fan-out.js'
import { IdleWork } from './idle-work.js'
import { KeyTables } from './key-tables.js'
import { LeaseDemand } from './lease-demand.js'
import { PresignatureLeaseCache, usableSigners, type Lease } from './lease-cache.js'
import {
  acceptNetworkKey, ethAddressOf, mergePkpLists, networkInfoOf, parsePkpRef, tokenIdOf,
  type AcceptedNetworkKey, type KnownPkp, type NodeInfoAnswer
} from './network-view.js'
import { RegistryClient, type RegistryPkp } from './registry-client.js'
import { decryptionShareCollector, signatureShareCollector } from './share-collector.js'
import { fromBase64, toBase64 } from '../base64.js'
import type {
  DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, MintedPkp, MintOptions, MintPhase, NetworkInfo,
  PkpPermissions, PkpRegistryEntry, PkpSignature, PkpSignRequest, PkpSummary, RegistryOperationResult, ShareFault
} from './types.js'
import type { ActionScope } from '../registry/index.js'
import { executeJs, uploadAction, type ExecuteJsHost, type ExecuteJsRequest, type ExecuteJsResult, type SigNameMemory, type UploadedAction } from './execute-js.js'

/** Deadlines of whole operations (ms). */
export interface ClientTimeouts {
  info: number
  mint: number
  sign: number
  decrypt: number
  lease: number
  /** One registry operation (read, sign, countersignatures, submit). */
  registry: number
}

export const DEFAULT_TIMEOUTS: ClientTimeouts = { info: 5_000, mint: 60_000, sign: 15_000, decrypt: 10_000, lease: 30_000, registry: 15_000 }

/** Committee size when the caller names none (docs/node-runtime.md §5.2). */
export const DEFAULT_MAX_COMMITTEE = 10
/** Presignatures asked for per lease request. */
export const LEASE_BATCH = 6
/**
 * Below this many usable leases, the client leases more in the background: early
 * enough that sequential signing rarely finds the cache empty while a refill
 * (lease + arming, docs/node-runtime.md §5.4.1) is on its way.
 */
export const LEASE_LOW_WATER = 3
/** Most presignatures leased ahead, between bursts, per PKP (lease-demand.ts). */
export const LEASE_AHEAD_MAX = 18
/** How often mint progress is polled (op/status). */
export const PROGRESS_POLL_MS = 150
/** Pause before retrying a request whose connection could not be opened. */
export const RETRY_DELAY_MS = 100
/** After 2t+1 identical mint answers, how long to wait for the rest. */
export const MINT_SETTLE_MS = 500
/**
 * Signature and decryption shares are combined as soon as enough are in: the
 * slowest nodes then never set the latency. Their shares are still checked when
 * they arrive (`lateFaults`), so a bad one is named all the same.
 */
export const COMBINE_SETTLE_MS = 0
/** A decrypt asks the remaining key holders too when degree+1 have not answered well by then. */
export const DECRYPT_HEDGE_MS = 1_000

export interface LitClientInit {
  rpc: NodeRpc
  directory: PeerDirectory
  /** The account whose address nodes see as the caller. */
  account: LocalAccount
  /** Makes SIWE auth signatures; default: auth/siwe.ts createAuthSig with this page's host (default-auth.ts). */
  createAuthSig?: AuthSigFactory
  now?: () => number
  timeouts?: Partial<ClientTimeouts>
  /** Called by close(): stops the transport the client owns, if any. */
  onClose?: () => Promise<void>
}

export interface CallOptions {
  signal?: AbortSignal
}

export interface ConnectOptions extends CallOptions {
  /** Wait until at least this many nodes are online (default 1). */
  minNodes?: number
  /** Give up after this long (default 30 s). */
  timeoutMs?: number
}

/** How long a node that gave a bad share is left out of signer sets (when enough others remain). */
const SUSPECT_MS = 60_000

export class LitClient {
  private readonly rpc: NodeRpc
  private readonly directory: PeerDirectory
  private auth: AuthSigCache
  private readonly now: () => number
  private readonly timeouts: ClientTimeouts
  private readonly onClose?: () => Promise<void>
  private readonly leases = new PresignatureLeaseCache()
  /** Checks nobody waits for (the shares behind a returned signature), run between operations. */
  private readonly idle: IdleWork
  private readonly keyTables: KeyTables
  /** Presignatures used per PKP lately: what to lease ahead while idle. */
  private readonly demand = new LeaseDemand({ min: LEASE_LOW_WATER, max: LEASE_AHEAD_MAX })
  /** Per action CID, the sigNames its last run signed (docs/actions.md §5.2). */
  private readonly actionSigNames: SigNameMemory = new Map()
  private readonly pkps = new Map<string, KnownPkp>()
  /** Per PKP, the next allocator to ask (round robin over the online committee). */
  private readonly allocatorTurn = new Map<string, number>()
  /** Background lease refills in flight, per PKP (tokenId hex). */
  private readonly refilling = new Map<string, Promise<unknown>>()
  /** Nodes whose shares recently failed verification, until when (ms). */
  private readonly suspects = new Map<string, number>()
  private networkKey: AcceptedNetworkKey | undefined
  private closed = false
  /** Ownership and permissions (docs/registry.md; client/registry-client.ts), for the current account. */
  private registry: RegistryClient
  private readonly createAuthSig: AuthSigFactory
  /** Per account address: its auth signature and its registry client (setAccount). */
  private readonly accounts = new Map<string, { auth: AuthSigCache, registry: RegistryClient }>()

  constructor (init: LitClientInit) {
    this.rpc = init.rpc
    this.directory = init.directory
    this.now = init.now ?? Date.now
    this.idle = new IdleWork(this.now)
    this.keyTables = new KeyTables((tokenId, build) => { this.idle.whenIdle(`key-table:${tokenId}`, build) })
    this.createAuthSig = init.createAuthSig ?? defaultAuthSigFactory
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...init.timeouts }
    this.onClose = init.onClose
    const parts = this.accountParts(init.account)
    this.auth = parts.auth
    this.registry = parts.registry
  }

  /**
   * Act as another account from now on: the address nodes see as the caller
   * (SIWE auth) and the signer of registry operations. The peer, the PKPs and
   * presignatures already leased stay (a lease is the peer's, not the
   * account's). Each account keeps its own auth signature and its own signed,
   * not yet certified registry operations, so switching back and forth never
   * makes an account sign two operations for one nonce (docs/registry.md §7).
   * A call already running may finish under either account.
   */
  setAccount (account: LocalAccount): void {
    this.assertOpen()
    const parts = this.accountParts(account)
    this.auth = parts.auth
    this.registry = parts.registry
  }

  private accountParts (account: LocalAccount): { auth: AuthSigCache, registry: RegistryClient } {
    let parts = this.accounts.get(account.address)
    if (parts === undefined) {
      parts = {
        auth: new AuthSigCache(account, this.createAuthSig, this.now),
        registry: new RegistryClient({
          account,
          onlineNodes: () => this.onlineNodes(),
          request: async (definition, peer, body, options) => await this.request(definition, peer, body, options),
          now: this.now,
          timeoutMs: this.timeouts.registry
        })
      }
      this.accounts.set(account.address, parts)
    }
    return parts
  }

  /** This client's peer id. */
  get peerId (): string { return this.rpc.self }
  /** The caller's Ethereum address. */
  get address (): string { return this.auth.address }

  /** Online node PeerIds, sorted. */
  onlineNodes (): string[] {
    return this.directory.onlineNodes().filter(p => p !== this.rpc.self)
  }

  /** Wait for `minNodes` online nodes, then read the network. */
  async connect (options: ConnectOptions = {}): Promise<NetworkInfo> {
    const minNodes = options.minNodes ?? 1
    const deadline = AbortSignal.timeout(options.timeoutMs ?? 30_000)
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.onlineNodes().length >= minNodes) { done(); resolve() }
      }
      const fail = (): void => {
        done()
        if (options.signal?.aborted === true) reject(new AbortedError('connect', { cause: options.signal.reason }))
        else reject(new NotEnoughNodesError(minNodes, this.onlineNodes().length, 'online nodes'))
      }
      const unsubscribe = this.directory.subscribe(check)
      const done = (): void => {
        unsubscribe()
        deadline.removeEventListener('abort', fail)
        options.signal?.removeEventListener('abort', fail)
      }
      deadline.addEventListener('abort', fail, { once: true })
      options.signal?.addEventListener('abort', fail, { once: true })
      if (options.signal?.aborted === true) fail()
      else check()
    })
    return await this.getNetworkInfo({ signal: options.signal })
  }

  /** Stop the transport this client owns (if any). The client cannot be used afterwards. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.idle.flush()
    await this.onClose?.()
  }

  // ---------------------------------------------------------------- network

  /** Ask every online node; the network key is shown only once degree+1 of its members vouch for it. */
  async getNetworkInfo (options: CallOptions = {}): Promise<NetworkInfo> {
    this.assertOpen()
    throwIfAborted(options.signal, 'getNetworkInfo')
    const nodes = this.onlineNodes()
    const answers = (await Promise.all(nodes.map(async (node): Promise<NodeInfoAnswer | undefined> => {
      try {
        const a = await this.request(NetworkInfoRpc, node, {}, { signal: options.signal, timeoutMs: this.timeouts.info })
        // A node speaks for itself only.
        return a.node === node ? { ...a, node } : undefined
      } catch {
        return undefined
      }
    }))).filter((a): a is NodeInfoAnswer => a != null)
    throwIfAborted(options.signal, 'getNetworkInfo')
    const key = acceptNetworkKey(answers, this.networkKey)
    // A key once accepted stays (keys are never replaced; resharing keeps the public key).
    if (key != null && (this.networkKey == null || this.networkKey.genesisId === key.genesisId)) this.networkKey = key
    return networkInfoOf(answers, this.networkKey)
  }

  // ---------------------------------------------------------------- mint

  /** Mint a PKP: the online nodes (up to maxCommitteeSize) run a DKG; ≥ 2t+1 must return the same key. */
  async mintPkp (options: MintOptions = {}): Promise<MintedPkp> {
    this.assertOpen()
    const { signal } = options
    throwIfAborted(signal, 'mintPkp')
    const maxSize = options.maxCommitteeSize ?? DEFAULT_MAX_COMMITTEE
    if (!Number.isSafeInteger(maxSize) || maxSize < 3 || maxSize > MAX_COMMITTEE) {
      throw new InvalidArgumentError('maxCommitteeSize', `must be an integer in [3, ${MAX_COMMITTEE}]`)
    }
    const online = this.onlineNodes()
    if (online.length < 3) throw new NotEnoughNodesError(3, online.length, 'online nodes for a committee')
    const committee = randomSubset(online, maxSize).sort()
    const n = committee.length
    const degree = options.degree ?? defaultEcdsaDegree(n)
    if (!Number.isSafeInteger(degree) || degree < 1 || 2 * degree + 1 > n) {
      throw new InvalidArgumentError('degree', `must be in [1, ${Math.floor((n - 1) / 2)}] for a committee of ${n}`)
    }
    const need = 2 * degree + 1
    const auth = await this.auth.get()
    throwIfAborted(signal, 'mintPkp')
    const mintId = bytesToHex(secureRng(16))
    const progress = new MintProgressTracker(committee, options.onProgress)
    progress.report()

    const inFlight = new AbortController()
    const stopAll = (): void => { inFlight.abort() }
    signal?.addEventListener('abort', stopAll, { once: true })
    const answers = new Map<string, string>()
    const faults: NodeFault[] = []
    try {
      const result = await new Promise<{ publicKeySet: string }>((resolve, reject) => {
        let settleTimer: ReturnType<typeof setTimeout> | undefined
        let over = false
        const end = (): void => { over = true; if (settleTimer !== undefined) clearTimeout(settleTimer); clearInterval(poll) }
        const decide = (final: boolean): void => {
          if (over) return
          const counts = new Map<string, number>()
          for (const pks of answers.values()) counts.set(pks, (counts.get(pks) ?? 0) + 1)
          const [best, votes] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0]
          const open = n - answers.size - faults.length
          if (votes >= need && (open === 0 || final)) { end(); resolve({ publicKeySet: best }); return }
          if (votes >= need) { settleTimer ??= setTimeout(() => { decide(true) }, MINT_SETTLE_MS); return }
          if (votes + open < need) {
            end()
            if (signal?.aborted === true) { reject(new AbortedError('mintPkp', { cause: signal.reason })); return }
            const disagree = [...answers].filter(([, pks]) => pks !== best).map(([node]) => ({ node, code: 'ERR_MINT_DISAGREE', reason: 'returned another public key' }))
            const all = [...faults, ...disagree]
            if (answers.size > 0 && disagree.length > 0) reject(new MintFailedError(`${votes} members agree on a key, need ${need}`, all))
            else reject(aggregateFailure('mintPkp', need, votes, all))
          }
        }
        const poll = setInterval(() => { void progress.poll(this.rpc, mintId, inFlight.signal) }, PROGRESS_POLL_MS)
        for (const node of committee) {
          this.request(MintStart, node, { mintId, committee, degree, auth }, { signal: inFlight.signal, timeoutMs: this.timeouts.mint }).then(
            (res) => { answers.set(node, res.publicKeySet); progress.finished(node); decide(false) },
            (err: unknown) => { faults.push(toNodeFault(node, err)); progress.failed(node); decide(false) }
          )
        }
      })
      const pks = decodePublicKeySet(Secp256k1, hexToBytes(result.publicKeySet))
      if (pks.degree !== degree || pks.participants.some(id => id > n)) {
        throw new MintFailedError('the agreed public key set does not fit the committee')
      }
      const disagree = [...answers].filter(([, p]) => p !== result.publicKeySet).map(([node]) => ({ node, code: 'ERR_MINT_DISAGREE', reason: 'returned another public key' }))
      const missing = committee.filter(node => !answers.has(node) && !faults.some(f => f.node === node))
        .map(node => ({ node, code: 'ERR_NO_ANSWER', reason: 'no answer before the mint was taken as done' }))
      const point = pks.publicKey
      const tokenIdHex = tokenIdOf(point)
      const minted: MintedPkp = {
        tokenId: `0x${tokenIdHex}`,
        publicKey: `0x${bytesToHex(point.toBytes(false))}`,
        ethAddress: ethAddressOf(point),
        committee,
        threshold: need,
        degree,
        faults: publicFaults([...faults, ...disagree, ...missing])
      }
      this.pkps.set(tokenIdHex, { ...minted, tokenIdHex, point, minter: this.address, mintedAt: this.now(), pool: 0, leased: 0 })
      // docs/registry.md §6: the minter signs the mint, the members that witnessed the DKG certify it.
      if (options.certify !== false) minted.registry = await this.registry.tryCertifyMint(registryPkpOf(minted), signal, { fresh: true })
      progress.done()
      return minted
    } finally {
      signal?.removeEventListener('abort', stopAll)
      // Members still running keep running (aborting would end their DKG); only stop polling.
      progress.stop()
    }
  }

  // ---------------------------------------------------------------- PKPs

  /** Every PKP the online nodes know, merged (see network-view.ts mergePkpLists). */
  async listPkps (options: CallOptions = {}): Promise<PkpSummary[]> {
    this.assertOpen()
    throwIfAborted(options.signal, 'listPkps')
    const nodes = this.onlineNodes()
    const answers = (await Promise.all(nodes.map(async (node) => {
      try {
        const res = await this.request(PkpList, node, {}, { signal: options.signal, timeoutMs: this.timeouts.info })
        return { node, pkps: res.pkps }
      } catch {
        return undefined
      }
    }))).filter((a): a is NonNullable<typeof a> => a != null)
    throwIfAborted(options.signal, 'listPkps')
    const merged = mergePkpLists(answers)
    for (const pkp of merged) this.pkps.set(pkp.tokenIdHex, pkp)
    const now = this.now()
    return merged.map(({ tokenIdHex, point: _p, ...summary }) => ({ ...summary, leased: this.leases.count(tokenIdHex, now) }))
  }

  // ---------------------------------------------------------------- sign

  /** Sign a 32-byte hash with a PKP. Tolerates n − (2t+1) closed members and bad shares (named in `faults`). */
  async pkpSign (request: PkpSignRequest): Promise<PkpSignature> {
    this.assertOpen()
    return await this.busy(async () => await this.signRequest(request))
  }

  /** An operation in flight: the client's idle work (idle-work.ts) waits for its end. */
  private async busy<T> (operation: () => Promise<T>): Promise<T> {
    const release = this.idle.busy()
    try {
      return await operation()
    } finally {
      release()
    }
  }

  private async signRequest (request: PkpSignRequest): Promise<PkpSignature> {
    const started = this.now()
    const { signal } = request
    if (!(request.toSign instanceof Uint8Array) || request.toSign.length !== 32) {
      throw new InvalidArgumentError('toSign', 'must be a 32-byte hash (Uint8Array)')
    }
    throwIfAborted(signal, 'pkpSign')
    const deadlineAt = started + this.timeouts.sign
    const pkp = await this.resolvePkp(request.pubKey, signal)
    let attempt = 0
    // Faults of an attempt that failed stay in the answer: a cheater that cost a retry is still named.
    let earlier: ShareFault[] = []
    for (;;) {
      const lease = await this.leaseFor(pkp, deadlineAt, signal)
      try {
        const sig = await this.signWith(pkp, lease, request.toSign, started, deadlineAt, signal)
        return earlier.length === 0 ? sig : { ...sig, faults: [...earlier, ...sig.faults] }
      } catch (err) {
        // A presignature that turned out unusable (lost, used, its signers gone): one more try with another.
        // A bad share: leave its node out of the next try (when the presignature
        // still has 2t+1 other online participants).
        if (err instanceof BadShareError) this.suspect(err.badNodes)
        if (err instanceof BadShareError || err instanceof NotEnoughNodesError) this.dropBurnedLeases(pkp, err.faults)
        const retry = attempt === 0 && this.now() < deadlineAt - 1_000 &&
          (err instanceof NotEnoughNodesError || err instanceof NotFoundError ||
            (err instanceof BadShareError && this.trustedOnline(pkp).size >= 2 * pkp.degree + 1))
        if (!retry) throw err
        if (err instanceof BadShareError || err instanceof NotEnoughNodesError) earlier = [...earlier, ...err.faults]
        attempt++
      }
    }
  }

  private async signWith (pkp: KnownPkp, lease: Lease, toSign: Uint8Array, started: number, deadlineAt: number, signal?: AbortSignal): Promise<PkpSignature> {
    const pub = lease.presignature
    const signerIds = this.chooseSigners(pkp, pub)
    const req: SignRequest = { messageHash: toSign, signers: signerIds, entropy: secureRng(32) }
    validateSignRequest(pub, req)
    const signers = new Map<string, ParticipantId>(signerIds.map(id => [pkp.committee[id - 1], id] as const))
    const auth = await this.auth.get()
    const publicKeyTable = this.keyTables.get(pkp.tokenIdHex, pkp.point)
    const collector = signatureShareCollector({
      presignature: pub, request: req, signers, deadlineAt, settleMs: COMBINE_SETTLE_MS, ...(publicKeyTable !== undefined ? { publicKeyTable } : {})
    })
    const body = {
      tokenId: pkp.tokenIdHex,
      presignatureId: lease.id,
      messageHash: bytesToHex(toSign),
      signers: signerIds,
      entropy: bytesToHex(req.entropy),
      auth
    }
    const done = await fanOut({
      collector,
      operation: 'pkpSign',
      now: this.now,
      signal,
      auditUntil: deadlineAt,
      deferCheck: async (check) => await this.idle.run(check),
      ask: async (node, s) => {
        const res = await this.request(SignShareRequest, node, body, { signal: s, timeoutMs: remaining(deadlineAt, this.now) })
        return hexToBytes(res.share)
      }
    })
    this.refillLeases(pkp)
    this.leaseAheadWhenIdle(pkp)
    this.suspect(done.faults.filter(f => f.code === ClientErrorCode.BadShare).map(f => f.node))
    const lateFaults = done.late.then((late) => {
      this.suspect(late.filter(f => f.code === ClientErrorCode.BadShare).map(f => f.node))
      return publicFaults(late)
    })
    const sig = done.result.signature
    return {
      r: `0x${sig.r.toString(16).padStart(64, '0')}`,
      s: `0x${sig.s.toString(16).padStart(64, '0')}`,
      recid: sig.recoveryId,
      signature: sig.signature,
      publicKey: pkp.publicKey,
      dataSigned: `0x${bytesToHex(toSign)}`,
      faults: publicFaults(done.faults),
      lateFaults,
      signers: done.used,
      latencyMs: this.now() - started
    }
  }

  /**
   * A signer that calls a leased presignature used or unknown has reloaded since the
   * lease, and a reload burns every presignature armed on it (docs/node-runtime.md
   * §5.4.1). Which other nodes reloaded is unknown, so every cached lease of the PKP
   * is dropped and the retry leases afresh rather than fail on each in turn.
   */
  private dropBurnedLeases (pkp: KnownPkp, faults: readonly ShareFault[]): void {
    if (faults.some(f => f.code === 'ERR_PRESIGNATURE_USED' || f.code === ClientErrorCode.NotFound)) this.leases.clear(pkp.tokenIdHex)
  }

  /** The presignature's online participants, without recent cheaters while 2t+1 others remain. */
  private chooseSigners (pkp: KnownPkp, pub: PresignaturePublic): ParticipantId[] {
    // Every signer named consumes the presignature, so a known cheater only costs one.
    const trustedSigners = usableSigners(pub, this.trustedOnline(pkp))
    return trustedSigners.length >= 2 * pub.degree + 1 ? trustedSigners : usableSigners(pub, this.onlineParticipants(pkp))
  }

  // ---------------------------------------------------------------- Lit Actions (docs/actions.md §6)

  /** Store action code on the network; returns its CID (CIDv0 as Lit's ipfsId, and its v1 form). */
  async uploadAction (code: string, options: { to?: readonly string[], signal?: AbortSignal } = {}): Promise<UploadedAction> {
    this.assertOpen()
    if (typeof code !== 'string') throw new InvalidArgumentError('code', 'expected a string')
    return await uploadAction(this.actionHost(), code, options)
  }

  /** Run a Lit Action on the online nodes; combine the signatures it makes (docs/actions.md §6). */
  async executeJs (request: ExecuteJsRequest): Promise<ExecuteJsResult> {
    this.assertOpen()
    return await this.busy(async () => await executeJs(this.actionHost(), request, this.actionSigNames))
  }

  private actionHost (): ExecuteJsHost {
    return {
      now: this.now,
      onlineNodes: () => this.onlineNodes(),
      auth: async () => await this.auth.get(),
      request: async (definition, peer, body, options) => await this.request(definition, peer, body, options),
      suspect: (nodes) => { this.suspect(nodes) },
      bind: async (pubKey, actionCid, deadlineAt, signal) => {
        const pkp = await this.resolvePkp(pubKey, signal)
        const lease = await this.leaseFor(pkp, deadlineAt, signal, actionCid)
        this.leaseAheadWhenIdle(pkp, actionCid)
        const signers = this.chooseSigners(pkp, lease.presignature)
        validateSignRequest(lease.presignature, { messageHash: new Uint8Array(32), signers, entropy: new Uint8Array(32) })
        return {
          tokenIdHex: pkp.tokenIdHex,
          publicKey: pkp.publicKey,
          committee: pkp.committee,
          presignature: lease.presignature,
          presignatureId: lease.id,
          signers,
          entropy: secureRng(32)
        }
      }
    }
  }

  /** A leased presignature usable with the online committee members: from the cache, else leased now. */
  private async leaseFor (pkp: KnownPkp, deadlineAt: number, signal?: AbortSignal, actionCid?: string): Promise<Lease> {
    const need = 2 * pkp.degree + 1
    const online = this.onlineParticipants(pkp)
    if (online.size < need) throw new NotEnoughNodesError(need, online.size, 'online committee members')
    // A presignature among trusted members first: with exactly 2t+1 participants, one that
    // includes a node that just gave a bad share would fail again.
    const takeTrusted = (): Lease | undefined => {
      const trusted = this.trustedOnline(pkp)
      return trusted.size >= need ? this.leases.take(pkp.tokenIdHex, trusted, this.now()) ?? undefined : undefined
    }
    const trustedOnly = this.trustedOnline(pkp).size < online.size && this.trustedOnline(pkp).size >= need
    const fromCache = (): Lease | undefined => trustedOnly ? takeTrusted() : this.leases.take(pkp.tokenIdHex, this.onlineParticipants(pkp), this.now())
    const cached = fromCache()
    if (cached != null) return cached
    // A refill already on its way is nearer than a new lease (which would also arm a second batch).
    const refill = actionCid === undefined ? this.refilling.get(pkp.tokenIdHex) : undefined
    if (refill !== undefined) {
      // Not past this call's deadline: a hung refill only delays the foreground lease below.
      const wait = AbortSignal.any([AbortSignal.timeout(remaining(deadlineAt, this.now)), ...(signal !== undefined ? [signal] : [])])
      await raceAbort(refill, wait).catch(() => {})
      throwIfAborted(signal, 'pkpSign')
      const refilled = fromCache()
      if (refilled != null) return refilled
    }
    const faults: NodeFault[] = []
    for (const allocator of this.allocatorOrder(pkp, online)) {
      throwIfAborted(signal, 'pkpSign')
      if (this.now() >= deadlineAt) throw new TimeoutError('pkpSign (leasing a presignature)', publicFaults(faults))
      try {
        await this.leaseFrom(pkp, allocator, deadlineAt, signal, actionCid)
      } catch (err) {
        if (signal?.aborted === true) throw new AbortedError('pkpSign', { cause: signal.reason })
        faults.push(toNodeFault(allocator, err))
        continue
      }
      const lease = trustedOnly ? takeTrusted() : this.leases.take(pkp.tokenIdHex, this.onlineParticipants(pkp), this.now())
      if (lease != null) return lease
    }
    // No presignature without the suspects: one with them is better than none.
    const fallback = trustedOnly ? this.leases.take(pkp.tokenIdHex, this.onlineParticipants(pkp), this.now()) : undefined
    if (fallback != null) return fallback
    throw aggregateFailure('pkpSign (leasing a presignature)', 1, 0, faults)
  }

  /** Lease a batch from one allocator; keep the ones that are really this PKP's. */
  private async leaseFrom (pkp: KnownPkp, allocator: string, deadlineAt: number, signal?: AbortSignal, actionCid?: string, background = false): Promise<number> {
    const auth = await this.auth.get()
    const sentAt = this.now()
    // Nodes that gave bad shares recently: the allocator leaves them out of what it hands us where it can.
    const avoid = pkp.committee.filter((node) => this.isSuspect(node))
    const res = await this.request(PresignLease, allocator, { tokenId: pkp.tokenIdHex, count: LEASE_BATCH, auth, ...(avoid.length > 0 ? { avoid } : {}), ...(actionCid !== undefined ? { actionCid } : {}) }, {
      signal, timeoutMs: Math.min(this.timeouts.lease, remaining(deadlineAt, this.now))
    })
    const good: PresignaturePublic[] = []
    for (const h of res.presignatures) {
      // Decoding checks every point (about 1 ms per presignature in Node, several on a busy tab): a background
      // refill yields between them so the shares of a signature in flight are not kept waiting.
      if (background) await nextTurn()
      let pub: PresignaturePublic
      try {
        pub = decodePresignaturePublic(hexToBytes(h))
      } catch {
        continue // an allocator sending garbage only wastes its own presignatures
      }
      // A presignature for another key would make the signers' shares combine to a signature under that key.
      if (!pub.publicKey.equals(pkp.point) || pub.degree !== pkp.degree) continue
      if (pub.participants.some(id => id > pkp.committee.length)) continue
      good.push(pub)
    }
    return this.leases.add(pkp.tokenIdHex, allocator, good, sentAt)
  }

  /** Keep a few leases ready so that the next sign needs one round trip only. */
  private refillLeases (pkp: KnownPkp): void {
    const online = this.onlineParticipants(pkp)
    if (this.closed || this.refilling.has(pkp.tokenIdHex)) return
    if (this.leases.countUsable(pkp.tokenIdHex, online, this.now()) >= LEASE_LOW_WATER) return
    const allocator = this.allocatorOrder(pkp, online)[0]
    if (allocator == null) return
    const refill = this.leaseFrom(pkp, allocator, this.now() + this.timeouts.lease, undefined, undefined, true)
      .catch(() => { /* the next sign leases in the foreground and reports faults */ })
      .finally(() => { this.refilling.delete(pkp.tokenIdHex) })
    this.refilling.set(pkp.tokenIdHex, refill)
  }

  /**
   * A presignature of `pkp` was used: once the client is idle, lease as many as the
   * last burst used (LeaseDemand), so that the next burst finds them and no refill
   * competes with its signatures. Sequential leases from rotating allocators; for a
   * Lit Action's binding, under the action's CID (its caller may not own the PKP).
   */
  private leaseAheadWhenIdle (pkp: KnownPkp, actionCid?: string): void {
    this.demand.record(pkp.tokenIdHex, this.now())
    this.idle.whenIdle(`lease-ahead:${pkp.tokenIdHex}`, () => {
      if (this.closed || this.refilling.has(pkp.tokenIdHex)) return
      const want = (): number => this.demand.target(pkp.tokenIdHex, this.now()) - this.leases.countUsable(pkp.tokenIdHex, this.onlineParticipants(pkp), this.now())
      if (want() <= 0) return
      const ahead = (async () => {
        for (let i = 0; i < Math.ceil(LEASE_AHEAD_MAX / LEASE_BATCH) && want() > 0 && !this.closed; i++) {
          const allocator = this.allocatorOrder(pkp, this.onlineParticipants(pkp))[0]
          if (allocator == null) return
          if (await this.leaseFrom(pkp, allocator, this.now() + this.timeouts.lease, undefined, actionCid, true) === 0) return
        }
      })().catch(() => { /* the next sign leases in the foreground and reports faults */ })
        .finally(() => { this.refilling.delete(pkp.tokenIdHex) })
      this.refilling.set(pkp.tokenIdHex, ahead)
    })
  }

  /** Online committee members in allocator rotation order (each call advances the rotation). */
  private allocatorOrder (pkp: KnownPkp, online: ReadonlySet<ParticipantId>): string[] {
    const members = [...online].sort((a, b) => a - b).map(id => pkp.committee[id - 1])
    if (members.length === 0) return []
    const turn = (this.allocatorTurn.get(pkp.tokenIdHex) ?? 0) % members.length
    this.allocatorTurn.set(pkp.tokenIdHex, turn + 1)
    const rotated = [...members.slice(turn), ...members.slice(0, turn)]
    // A suspect allocator is in every presignature it makes: ask it last.
    return [...rotated.filter(m => !this.isSuspect(m)), ...rotated.filter(m => this.isSuspect(m))]
  }

  /** Participant ids (index + 1) of the PKP's committee members that are online now. */
  /** Remember nodes whose shares failed verification, for SUSPECT_MS. */
  private suspect (nodes: readonly string[]): void {
    for (const node of nodes) this.suspects.set(node, this.now() + SUSPECT_MS)
  }

  /** Online committee members (participant ids) not under suspicion. */
  private trustedOnline (pkp: KnownPkp): Set<ParticipantId> {
    return new Set([...this.onlineParticipants(pkp)].filter(id => !this.isSuspect(pkp.committee[id - 1])))
  }

  private isSuspect (node: string): boolean {
    const until = this.suspects.get(node)
    if (until == null) return false
    if (until > this.now()) return true
    this.suspects.delete(node)
    return false
  }

  private onlineParticipants (pkp: KnownPkp): Set<ParticipantId> {
    const online = new Set(this.onlineNodes())
    const ids = new Set<ParticipantId>()
    pkp.committee.forEach((peer, i) => { if (online.has(peer)) ids.add(i + 1) })
    return ids
  }

  private async resolvePkp (pubKey: string, signal?: AbortSignal): Promise<KnownPkp> {
    const ref = parsePkpRef(pubKey)
    const known = this.pkps.get(ref.tokenId)
    if (known != null) return known
    await this.listPkps({ signal })
    const found = this.pkps.get(ref.tokenId)
    if (found == null) throw new NotFoundError(`PKP ${pubKey}`)
    return found
  }

  // ---------------------------------------------------------------- registry (docs/registry.md)

  /** Certify a PKP's mint in the registry (mintPkp does it; this retries). Only its minter can. */
  async certifyMint (options: { pubKey: string, signal?: AbortSignal }): Promise<RegistryOperationResult> {
    this.assertOpen()
    return await this.registry.certifyMint(await this.registryPkp(options.pubKey, options.signal), options.signal)
  }

  /** Transfer the PKP to `to` (this account must own it). Permissions stay (as in Lit's PKPPermissions). */
  async transferPkp (options: { pubKey: string, to: string, signal?: AbortSignal }): Promise<RegistryOperationResult> {
    this.assertOpen()
    return await this.registry.transfer(await this.registryPkp(options.pubKey, options.signal), options.to, options.signal)
  }

  /** Let `address` sign with the PKP. */
  async addPermittedAddress (options: { pubKey: string, address: string, signal?: AbortSignal }): Promise<RegistryOperationResult> {
    this.assertOpen()
    return await this.registry.addPermittedAddress(await this.registryPkp(options.pubKey, options.signal), options.address, options.signal)
  }

  async removePermittedAddress (options: { pubKey: string, address: string, signal?: AbortSignal }): Promise<RegistryOperationResult> {
    this.assertOpen()
    return await this.registry.removePermittedAddress(await this.registryPkp(options.pubKey, options.signal), options.address, options.signal)
  }

  /** Let the Lit Action `cid` sign with the PKP ('sign-anything', or only EIP-191 personal messages). */
  async addPermittedAction (options: { pubKey: string, cid: string, scope?: ActionScope, signal?: AbortSignal }): Promise<RegistryOperationResult> {
    this.assertOpen()
    return await this.registry.addPermittedAction(await this.registryPkp(options.pubKey, options.signal), options.cid, options.scope ?? 'sign-anything', options.signal)
  }

  async removePermittedAction (options: { pubKey: string, cid: string, signal?: AbortSignal }): Promise<RegistryOperationResult> {
    this.assertOpen()
    return await this.registry.removePermittedAction(await this.registryPkp(options.pubKey, options.signal), options.cid, options.signal)
  }

  /** The PKP's owner and permissions, verified from its members' certificates; undefined before its mint is certified. */
  async getPkpPermissions (options: { pubKey: string, signal?: AbortSignal }): Promise<PkpPermissions | undefined> {
    this.assertOpen()
    return await this.registry.permissions(await this.registryPkp(options.pubKey, options.signal), options.signal)
  }

  /**
   * The PKP's certified entry with its history (each operation's kind, signer
   * and countersigning members) and the current account's pending operation;
   * undefined before its mint is certified.
   */
  async getPkpRegistryEntry (options: { pubKey: string, signal?: AbortSignal }): Promise<PkpRegistryEntry | undefined> {
    this.assertOpen()
    return await this.registry.entry(await this.registryPkp(options.pubKey, options.signal), options.signal)
  }

  private async registryPkp (pubKey: string, signal?: AbortSignal): Promise<RegistryPkp> {
    return registryPkpOf(await this.resolvePkp(pubKey, signal))
  }

  // ---------------------------------------------------------------- encrypt / decrypt

  /** Encrypt locally to the network key under the access conditions (no node sees the data). */
  async encrypt (request: EncryptRequest): Promise<EncryptResponse> {
    this.assertOpen()
    const conditions = parseAccessControlConditions(request.accessControlConditions)
    const data = typeof request.dataToEncrypt === 'string' ? new TextEncoder().encode(request.dataToEncrypt) : request.dataToEncrypt
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('dataToEncrypt', 'expected a string or Uint8Array')
    const key = await this.requireNetworkKey(request.signal)
    const dataHash = sha256(data)
    const identity = accessControlIdentity(conditionsHash(conditions), dataHash)
    const ciphertext = ibeEncrypt(key.publicKeySet.publicKey, identity, data)
    return { ciphertext: toBase64(ciphertext), dataToEncryptHash: bytesToHex(dataHash) }
  }

  /** Ask the online key holders for decryption shares, combine degree+1 good ones, open the ciphertext. */
  async decrypt (request: DecryptRequest): Promise<DecryptResponse> {
    this.assertOpen()
    return await this.busy(async () => await this.decryptOnce(request))
  }

  private async decryptOnce (request: DecryptRequest): Promise<DecryptResponse> {
    const started = this.now()
    const { signal } = request
    const conditions = parseAccessControlConditions(request.accessControlConditions)
    const canonical = canonicalConditions(conditions)
    const dataHashHex = typeof request.dataToEncryptHash === 'string' ? request.dataToEncryptHash.replace(/^0x/, '').toLowerCase() : ''
    if (!/^[0-9a-f]{64}$/.test(dataHashHex)) throw new InvalidArgumentError('dataToEncryptHash', 'expected 32 bytes of hex')
    const ciphertext = decodeIbeCiphertext(fromBase64(request.ciphertext)) // malformed input fails here, before any node is asked
    const key = await this.requireNetworkKey(signal)
    const identity = accessControlIdentity(conditionsHash(conditions), hexToBytes(dataHashHex))
    const online = new Set(this.onlineNodes())
    const holders = new Map<string, ParticipantId>()
    key.members.forEach((peer, i) => { if (online.has(peer) && key.publicKeySet.verificationShares.has(i + 1)) holders.set(peer, i + 1) })
    const need = key.publicKeySet.degree + 1
    if (holders.size < need) throw new NotEnoughNodesError(need, holders.size, 'online key holders')
    const auth: AuthSig = request.auth ?? await this.auth.get()
    const deadlineAt = started + this.timeouts.decrypt
    const collector = decryptionShareCollector({ publicKeySet: key.publicKeySet, identity, ciphertext, holders, deadlineAt, settleMs: COMBINE_SETTLE_MS })
    const done = await fanOut({
      collector,
      operation: 'decrypt',
      now: this.now,
      signal,
      auditUntil: deadlineAt,
      // degree+1 holders at first (a decryption share costs a node ~20 ms of CPU); more only on failure or after a second.
      askFirst: key.publicKeySet.degree + 1,
      hedgeMs: DECRYPT_HEDGE_MS,
      ask: async (node, s) => {
        const res = await this.request(DecryptShareRequest, node, { conditions: canonical, dataHash: dataHashHex, auth }, {
          signal: s, timeoutMs: remaining(deadlineAt, this.now)
        })
        return hexToBytes(res.share)
      }
    })
    const plaintext = done.result
    if (bytesToHex(sha256(plaintext)) !== dataHashHex) throw new PlaintextMismatchError()
    return { decryptedData: plaintext, faults: publicFaults(done.faults), lateFaults: done.late.then(publicFaults), latencyMs: this.now() - started }
  }

  private async requireNetworkKey (signal?: AbortSignal): Promise<AcceptedNetworkKey> {
    if (this.networkKey == null) await this.getNetworkInfo({ signal })
    if (this.networkKey == null) throw new NoNetworkKeyError()
    return this.networkKey
  }

  /**
   * One request, retried once when the connection could not be opened (a
   * relayed circuit the relay just closed, a lost dial race): the request never
   * reached the node then, so a retry cannot make it act twice.
   */
  private async request<Req, Res> (definition: RpcDefinition<Req, Res>, peer: string, body: Req, options: { signal?: AbortSignal, timeoutMs: number }): Promise<Res> {
    const deadlineAt = this.now() + options.timeoutMs
    try {
      return await this.rpc.request(definition, peer, body, options)
    } catch (err) {
      const aborted = (): boolean => options.signal?.aborted === true
      if (!(err instanceof PeerUnreachableError) || aborted() || deadlineAt - this.now() < 2 * RETRY_DELAY_MS) throw err
      await new Promise(resolve => setTimeout(resolve, RETRY_DELAY_MS))
      if (aborted()) throw err
      return await this.rpc.request(definition, peer, body, { signal: options.signal, timeoutMs: remaining(deadlineAt, this.now) })
    }
  }

  private assertOpen (): void {
    if (this.closed) throw new LitError('the client is closed', 'ERR_CLIENT_CLOSED')
  }
}

// ---------------------------------------------------------------- helpers

function registryPkpOf (pkp: { tokenId: string, publicKey: string, committee: readonly string[] }): RegistryPkp {
  return {
    tokenId: `0x${pkp.tokenId.replace(/^0x/, '').toLowerCase()}`,
    publicKey: `0x${pkp.publicKey.replace(/^0x/, '').toLowerCase()}`,
    committee: [...pkp.committee]
  }
}

/** Mint progress from op/status polls and answers, reported when it changes. */
class MintProgressTracker {
  private static readonly ORDER: readonly MintPhase[] = ['committee', 'dkg-round1', 'dkg-round2', 'dkg-round3', 'dkg-round4', 'verify', 'done']
  private readonly phase = new Map<string, number>()
  private readonly answered = new Set<string>()
  private readonly polling = new Set<string>()
  private last = ''
  private stopped = false

  constructor (private readonly committee: readonly string[], private readonly onProgress?: (p: { phase: MintPhase, nodesDone: number, committeeSize: number }) => void) {
    for (const node of committee) this.phase.set(node, 0)
  }

  /** One round of op/status to every member still working (at most one request per member in flight). */
  async poll (rpc: NodeRpc, opId: string, signal: AbortSignal): Promise<void> {
    if (this.stopped || this.onProgress == null) return
    await Promise.all(this.committee.filter(n => !this.answered.has(n) && !this.polling.has(n)).map(async (node) => {
      this.polling.add(node)
      try {
        // The definition's timeout (5 s): a poll that times out resets its stream, and on a busy relayed link
        // resets were seen to take the connection (and the mint request on it) down.
        const res = await rpc.request(OperationStatus, node, { opId }, { signal })
        const i = MintProgressTracker.ORDER.indexOf(res.phase as MintPhase)
        if (i >= 0 && !this.answered.has(node)) this.phase.set(node, Math.max(this.phase.get(node) ?? 0, i))
      } catch {
        // progress is best effort
      } finally {
        this.polling.delete(node)
      }
    }))
    this.report()
  }

  finished (node: string): void {
    this.answered.add(node)
    this.phase.set(node, MintProgressTracker.ORDER.length - 1)
    this.report()
  }

  failed (node: string): void {
    this.answered.add(node)
    this.report()
  }

  done (): void {
    this.report()
    this.stopped = true
  }

  stop (): void { this.stopped = true }

  /** The furthest phase any member reached, and how many members are there (or beyond). */
  report (): void {
    if (this.stopped || this.onProgress == null) return
    const top = Math.max(...this.phase.values())
    const nodesDone = [...this.phase.values()].filter(p => p >= top).length
    const p = { phase: MintProgressTracker.ORDER[top], nodesDone, committeeSize: this.committee.length }
    const key = `${p.phase}/${p.nodesDone}`
    if (key === this.last) return
    this.last = key
    try { this.onProgress(p) } catch { /* a throwing listener must not break the mint */ }
  }
}

function publicFaults (faults: readonly NodeFault[]): ShareFault[] {
  return faults.map(({ node, reason, code }) => ({ node, reason, code }))
}

/** Milliseconds left until `deadlineAt`, at least 1 (NodeRpc refuses 0). */
function remaining (deadlineAt: number, now: () => number): number {
  return Math.max(1, Math.round(deadlineAt - now()))
}

/** Up to `size` distinct items chosen uniformly (Fisher–Yates with crypto randomness). */
function randomSubset<T> (items: readonly T[], size: number): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const r = secureRng(4)
    const j = ((r[0] << 24 | r[1] << 16 | r[2] << 8 | r[3]) >>> 0) % (i + 1)
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a.slice(0, Math.min(size, a.length))
}

/** Resolve on a later task, letting events (answers, timers) that are already queued run first. */
async function nextTurn (): Promise<void> {
  await new Promise<void>((resolve) => { setTimeout(resolve, 0) })
}
