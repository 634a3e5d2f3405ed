/**
 * The PKP registry on a node (spec: docs/registry.md; wiring: §15 there). It
 * joins the pure registry core (node-core/src/registry/) to the node:
 *
 * - `registry/countersign` (member): countersign an owner-signed operation with
 *   the node's identity key, after its vote is durably stored (RegistryStore).
 * - `registry/submit` (any node): verify a certificate, apply it in nonce
 *   order, persist it; one ahead of the state makes the node fetch the missing
 *   certificates from the committee first (catch-up).
 * - `registry/certificates`, `registry/state`: serve the node's history and state.
 *
 * The certified state lives in memory (an immutable RegistryState) and is
 * rebuilt at start from the stored certificates; then, in the background, the
 * node catches up every token it holds from its committee peers. It catches up
 * again when peers come online and whenever a submitted certificate is ahead.
 * Changes of one token are serialised (one lock per token).
 */
import type { Hex } from 'viem'
import { NotFoundError, UnavailableError } from '../net/rpc/errors.js'
import {
  MAX_CATCH_UP_CERTIFICATES, NeedsCatchUpError, RegistryState, catchUp, countersign, isNodeId, parseCertificate, parseSignedOperation,
  type CatchUpResult, type Committee, type MemberKeys, type MemberSigner, type MintRecord, type MintWitness,
  type RegistryView, type TokenState
} from '../registry/index.js'
import type { RegistryStore } from '../store/registry-store.js'
import { CorruptRecordError } from '../store/node-store-codec.js'
import { serve, type NodeContext } from './context.js'
import { describeError, nodeLogger, short, type NodeLogger } from './log.js'
import { uncompressedHex } from './pkp-keys.js'
import { isEd25519PeerId } from './registry-keys.js'
import {
  MAX_CERTIFICATES_PER_ANSWER, MAX_STATE_HISTORY, RegistryCertificates, RegistryCountersign, RegistryStateRequest, RegistrySubmit,
  type RegistryStateView
} from './rpc-definitions.js'

/** The registry epoch until resharing exists (registry.md §2.1). */
export const REGISTRY_EPOCH = '0'
/** How long one catch-up waits for its peers' answers. */
export const CATCH_UP_TIMEOUT_MS = 5_000
/** Online-set changes closer together than this make one background sweep. */
export const SWEEP_DEBOUNCE_MS = 250

/** What the other services read: the certified state, and a way to make it fresh for one token. */
export interface NodeRegistry extends RegistryView {
  /**
   * Fetch the certificates `tokenId` may lack from peers (its committee, or any
   * online node when this node knows nothing of it) and apply them. Never
   * throws; gives up at the deadline.
   */
  refresh(tokenId: Hex, options?: { signal?: AbortSignal, timeoutMs?: number }): Promise<void>
}

export interface RegistryServiceInit {
  store: RegistryStore
  /** The node's identity key; without one the node verifies and applies but never countersigns. */
  signer?: MemberSigner
  keys: MemberKeys
}

/** The registry form of a store token id (hex without 0x) and back. */
export function registryTokenIdOf (storeTokenId: string): Hex {
  return `0x${storeTokenId.toLowerCase().replace(/^0x/, '')}`
}

export function storeTokenIdOf (tokenId: Hex): string {
  return tokenId.slice(2)
}

/** A token's state as `registry/state` shows it. */
export function stateView (state: TokenState): RegistryStateView {
  return {
    tokenId: state.tokenId,
    publicKey: state.publicKey,
    epoch: state.committee.epoch,
    committee: [...state.committee.members],
    owner: state.owner,
    permittedAddresses: [...state.permittedAddresses].sort(),
    permittedActions: [...state.permittedActions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cid, scope]) => ({ cid, scope })),
    nonce: state.nonce,
    mintedAt: state.mintedAt,
    history: state.history.slice(-MAX_STATE_HISTORY).map((c) => ({
      nonce: c.certificate.op.nonce,
      kind: c.certificate.op.kind,
      opHash: c.opHash,
      signer: c.signer,
      issuedAt: c.certificate.op.issuedAt
    }))
  }
}

function claimedOp (input: unknown): { kind?: unknown, nonce?: unknown, args?: { committee?: unknown } } | undefined {
  const op = (input as { op?: unknown } | null)?.op
  return typeof op === 'object' && op !== null ? op as { kind?: unknown, nonce?: unknown, args?: { committee?: unknown } } : undefined
}

export class RegistryService implements NodeRegistry {
  private readonly log: NodeLogger
  private registry = RegistryState.empty()
  private readonly locks = new Map<string, Promise<unknown>>()
  /** Nodes this node has seen online (or in its own PKPs' committees): committees of unknown tokens must be made of them. */
  private readonly knownNodes = new Set<string>()
  private readonly listeners = new Set<(state: TokenState) => void>()
  private online = new Set<string>()
  private stopController = new AbortController()
  private unsubscribe: (() => void) | undefined
  private sweepTimer: ReturnType<typeof setTimeout> | undefined
  private sweeping: Promise<void> | undefined
  private running = false
  /** Resolves when the catch-up started by start() has finished (tests, node page). */
  ready: Promise<void> = Promise.resolve()

  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'directory' | 'store' | 'clock' | 'log' | 'changed'>,
    private readonly init: RegistryServiceInit
  ) {
    this.log = nodeLogger(ctx.log, 'registry')
  }

  /** Whether this node can countersign (it has its identity key). */
  get canCountersign (): boolean { return this.init.signer !== undefined }

  token (tokenId: Hex): TokenState | undefined { return this.registry.token(tokenId) }

  tokens (): TokenState[] { return this.registry.tokens() }

  /** Called with a token's new state after every change; returns an unsubscribe function. */
  subscribe (listener: (state: TokenState) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  async start (): Promise<void> {
    this.stopController = new AbortController()
    this.running = true
    this.online = this.noteOnline()
    await this.rebuild()
    await serve(this.ctx, RegistryCountersign, async (req) => await this.countersign(req.op))
    await serve(this.ctx, RegistrySubmit, async (req) => await this.submit(req.certificate))
    await serve(this.ctx, RegistryCertificates, async (req) => this.certificates(req.tokenId as Hex, req.fromNonce, req.limit ?? MAX_CERTIFICATES_PER_ANSWER))
    await serve(this.ctx, RegistryStateRequest, async (req) => {
      const state = this.registry.token(req.tokenId as Hex)
      return state === undefined ? {} : { state: stateView(state) }
    })
    this.unsubscribe = this.ctx.directory.subscribe(() => { this.onDirectoryChange() })
    // registry.md wiring: on start, catch up every token this node holds (in the background).
    this.ready = this.catchUpAll().catch((err) => { this.log.warn(`catch-up at start: ${describeError(err)}`) })
  }

  async stop (): Promise<void> {
    this.running = false
    this.stopController.abort()
    this.unsubscribe?.()
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer)
    for (const def of [RegistryCountersign, RegistrySubmit, RegistryCertificates, RegistryStateRequest]) await this.ctx.rpc.unhandle(def)
    await this.ready
    await this.sweeping
  }

  // ---------------------------------------------------------------- state

  /** Rebuild the certified state from this node's own stored certificates (registry.md §13). */
  private async rebuild (): Promise<void> {
    let tokens: Hex[]
    try {
      tokens = await this.init.store.tokens()
    } catch (err) {
      this.log.error(`cannot list stored registry tokens: ${describeError(err)}`)
      return
    }
    for (const tokenId of tokens) {
      try {
        let certs = await this.init.store.certificates(tokenId, 0)
        const committee = await this.committeeFor(tokenId, certs, true)
        if (committee === undefined) { this.log.warn(`token ${short(tokenId)}: no committee for its stored certificates`); continue }
        while (certs.length > 0) {
          const result = await catchUp(this.registry.token(tokenId), certs, { tokenId, committee, keys: this.init.keys })
          for (const r of result.rejected) this.log.error(`token ${short(tokenId)}: stored certificate ${r.nonce ?? '?'} refused: ${r.error.message}`)
          if (result.state !== undefined) this.registry = this.registry.with(result.state)
          if (result.applied.length === 0 || certs.length < MAX_CATCH_UP_CERTIFICATES) break
          certs = await this.init.store.certificates(tokenId, result.state!.nonce)
        }
      } catch (err) {
        // A corrupt record: keep what was rebuilt; peers fill the rest (catch-up below).
        if (err instanceof CorruptRecordError) this.log.error(`token ${short(tokenId)}: ${err.message}`)
        else this.log.error(`token ${short(tokenId)}: rebuild failed: ${describeError(err)}`)
      }
    }
  }

  /**
   * The committee a token's certificates are verified against (registry.md §2.1):
   * a member knows it from its own PkpRecord; otherwise the certified state's;
   * otherwise the mint certificate's, accepted only when every member is a node
   * this node has seen (or when it comes from this node's own store).
   */
  private async committeeFor (tokenId: Hex, candidates: readonly unknown[], trusted: boolean): Promise<Committee | undefined> {
    const record = await this.ctx.store.getPkp(storeTokenIdOf(tokenId))
    if (record !== undefined) return { epoch: REGISTRY_EPOCH, members: [...record.committee] }
    const state = this.registry.token(tokenId)
    if (state !== undefined) return state.committee
    const proposed = new Map<string, string[]>()
    for (const c of candidates) {
      const op = claimedOp(c)
      const members = op?.args?.committee
      if (op?.kind !== 'mint' || op.nonce !== 0 || !Array.isArray(members) || !members.every(isNodeId)) continue
      if (trusted || members.every((m: string) => this.knownNodes.has(m) && isEd25519PeerId(m))) proposed.set(members.join(','), [...members])
    }
    // Two different acceptable committees for one token: trust neither.
    if (proposed.size !== 1) return undefined
    return { epoch: REGISTRY_EPOCH, members: [...proposed.values()][0] }
  }

  /** Serialise the changes of one token. */
  private async withToken<T> (tokenId: string, body: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(tokenId) ?? Promise.resolve()
    const run = previous.then(body, body)
    const tail = run.then(() => {}, () => {})
    this.locks.set(tokenId, tail)
    void tail.then(() => { if (this.locks.get(tokenId) === tail) this.locks.delete(tokenId) })
    return await run
  }

  /**
   * Apply `certs` (untrusted) with the core's catchUp and persist what applied,
   * in nonce order, before the in-memory state changes. Runs under the token's lock.
   */
  private async applyLocked (tokenId: Hex, certs: readonly unknown[], committee: Committee): Promise<CatchUpResult> {
    const before = this.registry.token(tokenId)
    const result = await catchUp(before, dedupe(certs), { tokenId, committee, keys: this.init.keys })
    if (result.applied.length === 0 || result.state === undefined) return result
    for (const nonce of result.applied) await this.init.store.putCertificate(result.state.history[nonce].certificate)
    this.registry = this.registry.with(result.state)
    this.log.info(`token ${short(tokenId)}: applied nonce ${result.applied.join(', ')}; owner ${result.state.owner}`)
    for (const l of this.listeners) {
      try { l(result.state) } catch { /* a listener's failure is its own */ }
    }
    this.ctx.changed()
    return result
  }

  // ---------------------------------------------------------------- RPC handlers

  /** `registry/countersign`: registry.md §7 with this node's votes, key and DKG record. */
  private async countersign (input: unknown): Promise<{ nodeId: string, sig: string }> {
    const signer = this.init.signer
    if (signer === undefined) throw new UnavailableError('this node has no identity key to countersign with')
    const op = parseSignedOperation(input)
    const record = await this.ctx.store.getPkp(storeTokenIdOf(op.tokenId))
    if (record === undefined) throw new NotFoundError(`this node holds no share of token ${op.tokenId}: it is not in its registry committee`)
    const committee: Committee = { epoch: REGISTRY_EPOCH, members: [...record.committee] }
    try {
      return await this.withToken(op.tokenId, async () => await countersign(input, {
        committee,
        signer,
        votes: this.init.store,
        state: this.registry.token(op.tokenId),
        mintWitness: this.mintWitness(),
        now: this.ctx.clock.now()
      }))
    } catch (err) {
      // Behind: fetch what is missing now, so that the client's retry finds this node caught up.
      if (err instanceof NeedsCatchUpError) void this.refresh(op.tokenId)
      throw err
    }
  }

  /** `registry/submit`: verify, apply in nonce order (catching up first when ahead), persist. */
  async submit (input: unknown): Promise<{ nonce: number, applied: boolean }> {
    const cert = parseCertificate(input)
    const { tokenId, nonce } = cert.op
    let committee = await this.committeeFor(tokenId, [cert], false)
    let extra: unknown[] = []
    if (committee === undefined) {
      // A token this node knows nothing of, and not its mint: learn it from the network first.
      extra = await this.pull(tokenId, undefined, 0)
      committee = await this.committeeFor(tokenId, [cert, ...extra], false)
      if (committee === undefined) throw new NeedsCatchUpError(tokenId, 0, nonce)
    }
    const known = committee
    // The submitted certificate goes first: its index in catchUp's report is 0 (dedupe keeps first copies).
    const attempt = async (more: readonly unknown[]): Promise<CatchUpResult> =>
      await this.withToken(tokenId, async () => await this.applyLocked(tokenId, [cert, ...more], known))
    let result = await attempt(extra)
    let applied = result.applied.includes(nonce)
    if (result.pending.includes(nonce)) {
      // Ahead of this node: fetch the gap from the committee, then apply the run.
      const from = this.registry.token(tokenId)?.nonce ?? 0
      result = await attempt(await this.pull(tokenId, known, from))
      applied = result.applied.includes(nonce)
    }
    const refused = result.rejected.find((r) => r.index === 0)
    if (refused !== undefined) throw refused.error
    const next = this.registry.token(tokenId)?.nonce ?? 0
    if (nonce >= next) throw new NeedsCatchUpError(tokenId, next, nonce)
    return { nonce: next, applied }
  }

  private certificates (tokenId: Hex, fromNonce: number, limit: number): { certificates: unknown[], nonce: number } {
    const state = this.registry.token(tokenId)
    if (state === undefined) return { certificates: [], nonce: 0 }
    const certificates = state.history.slice(fromNonce, fromNonce + Math.min(limit, MAX_CERTIFICATES_PER_ANSWER)).map((c) => c.certificate)
    return { certificates, nonce: state.nonce }
  }

  private mintWitness (): MintWitness {
    return {
      minted: async (tokenId): Promise<MintRecord | undefined> => {
        const record = await this.ctx.store.getPkp(storeTokenIdOf(tokenId))
        if (record === undefined) return undefined
        return { minter: record.minter, publicKey: `0x${uncompressedHex(record.publicKeySet.publicKey)}`, committee: [...record.committee] }
      }
    }
  }

  // ---------------------------------------------------------------- catch-up

  async refresh (tokenId: Hex, options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<void> {
    try {
      const committee = await this.committeeFor(tokenId, [], false)
      const from = committee === undefined ? 0 : (this.registry.token(tokenId)?.nonce ?? 0)
      const fetched = await this.pull(tokenId, committee, from, options)
      if (fetched.length === 0) return
      const known = committee ?? await this.committeeFor(tokenId, fetched, false)
      if (known === undefined) return
      const result = await this.withToken(tokenId, async () => await this.applyLocked(tokenId, fetched, known))
      for (const r of result.rejected) this.log.warn(`token ${short(tokenId)}: certificate ${r.nonce ?? '?'} from a peer refused: ${r.error.message}`)
    } catch (err) {
      this.log.warn(`token ${short(tokenId)}: catch-up failed: ${describeError(err)}`)
    }
  }

  /**
   * Certificates of `tokenId` from nonce `from` on, from every online peer of
   * the committee (or every online node when the committee is unknown), pages
   * of 32, at most 1024 per peer. Untrusted: the caller verifies (catchUp).
   */
  private async pull (tokenId: Hex, committee: Committee | undefined, from: number, options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<unknown[]> {
    const online = new Set(this.ctx.directory.onlineNodes())
    const peers = (committee?.members ?? [...online]).filter((p) => p !== this.ctx.rpc.self && online.has(p))
    if (peers.length === 0) return []
    const deadline = AbortSignal.timeout(options.timeoutMs ?? CATCH_UP_TIMEOUT_MS)
    const signal = AbortSignal.any([deadline, this.stopController.signal, ...(options.signal !== undefined ? [options.signal] : [])])
    const answers = await Promise.all(peers.map(async (peer) => {
      const out: unknown[] = []
      let next = from
      try {
        while (out.length < MAX_CATCH_UP_CERTIFICATES && !signal.aborted) {
          const res = await this.ctx.rpc.request(RegistryCertificates, peer, { tokenId, fromNonce: next, limit: MAX_CERTIFICATES_PER_ANSWER }, { signal })
          out.push(...res.certificates)
          if (res.certificates.length < MAX_CERTIFICATES_PER_ANSWER) break
          const last = claimedOp(res.certificates.at(-1))?.nonce
          if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < next) break
          next = last + 1
        }
      } catch {
        // An unreachable or lying peer only withholds; the others answer.
      }
      return out
    }))
    return dedupe(answers.flat())
  }

  /** Catch up every token this node holds: its PKPs and the tokens it has certificates of. */
  private async catchUpAll (): Promise<void> {
    const tokens = new Set<Hex>(this.registry.tokens().map((s) => s.tokenId))
    for (const record of await this.ctx.store.listPkps()) {
      tokens.add(registryTokenIdOf(record.tokenId))
      for (const m of record.committee) this.knownNodes.add(m)
    }
    for (const tokenId of [...tokens].sort()) {
      if (!this.running) return
      await this.refresh(tokenId)
    }
  }

  private noteOnline (): Set<string> {
    const now = new Set(this.ctx.directory.onlineNodes())
    for (const n of now) this.knownNodes.add(n)
    return now
  }

  /** Peers came online: they may hold certificates this node missed (one debounced sweep at a time). */
  private onDirectoryChange (): void {
    if (!this.running) return
    const now = this.noteOnline()
    const joined = [...now].some((n) => !this.online.has(n) && n !== this.ctx.rpc.self)
    this.online = now
    if (!joined || this.sweepTimer !== undefined) return
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined
      if (!this.running || this.sweeping !== undefined) return
      this.sweeping = this.catchUpAll()
        .catch((err) => { this.log.warn(`catch-up sweep: ${describeError(err)}`) })
        .finally(() => { this.sweeping = undefined })
    }, SWEEP_DEBOUNCE_MS)
  }
}

/** Drop exact duplicates (many peers answer with the same certificates). */
function dedupe (certs: readonly unknown[]): unknown[] {
  const seen = new Set<string>()
  const out: unknown[] = []
  for (const c of certs) {
    let key: string
    try { key = JSON.stringify(c) } catch { continue }
    if (seen.has(key)) continue
    seen.add(key)
    out.push(c)
  }
  return out
}
