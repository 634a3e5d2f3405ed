/**
 * Presignature pools and leases (docs/node-runtime.md §5.3).
 *
 * Every committee member is the allocator of the presignatures it starts. In
 * the background, at low priority — one allocator run at a time per node,
 * none while a sign request is served, a pause between runs — it keeps
 * `target` usable presignatures of its own for each PKP: participants = itself
 * and 2t online committee members picked at random (recent culprits left out),
 * a random session, `presign/start` to the others.
 *
 * A presignature is handed out only by its allocator and only once
 * (`presign/lease`, leased to the calling peer, never leased again); with none
 * ready the lease runs one presign first, and what it hands out is armed on
 * every participant (`presign/arm`, armed-presignatures.ts). Safety does not
 * rest on this: every signer takes a presignature durably (at arming or at
 * signing) before its share leaves (sign-service.ts).
 *
 * Leases live in memory: after a reload an allocator may lease an unused
 * presignature a second time. That can only waste it (signers refuse a second
 * use with ERR_PRESIGNATURE_USED), never make a node sign twice with one nonce.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Presignature } from '../crypto/ecdsa/index.js'
import { honestMajorityEcdsa } from '../protocols/presign/index.js'
import { BadRequestError, NotFoundError, RemoteError, UnavailableError } from '../net/rpc/errors.js'
import type { PkpRecord, PresignatureEntry } from '../store/node-store.js'
import { actionPermittedOn, assertMayUsePkp, callerAddress } from './caller-auth.js'
import { isSortedDistinct, randomHex, serve, sleep, type NodeContext } from './context.js'
import { SessionFailedError } from './errors.js'
import { describeError, nodeLogger, short, type NodeLogger } from './log.js'
import { PresignArm, PresignLease, PresignStart } from './rpc-definitions.js'
import type { ArmedPresignatures } from './armed-presignatures.js'
import { committeePeers } from './session-hub.js'
import { presignSessionId } from './session-ids.js'

export interface PresignPoolConfig {
  /** Usable, unleased presignatures this node keeps per PKP it allocates for (default 8). */
  target: number
  /** Pause between background runs (default 250 ms). */
  pauseMs: number
  /** How long a lease is the caller's (default 60 s); unused leased presignatures are discarded after it (plus grace). */
  leaseMs: number
  /** Look again this often when there is nothing to do (default 1 s). */
  idleCheckMs: number
  /** Presign runs of other allocators this node joins at once (default 64: a bound on memory; 32 was reached on 10 tabs); more → ERR_UNAVAILABLE. */
  maxParticipantRuns: number
  /**
   * Of those, runs of one allocator at once (default 8). An honest allocator runs one
   * at a time, but on a loaded machine this node may finish a run well after the
   * allocator did (it waits for the last messages of the others, behind its own
   * backlog) and a cancelled run ends here only when the reset arrives: with 2, one
   * allocator's runs were refused as busy in 1 of 4 starts on 10 tabs, with 4 in 1 of 14. This bounds
   * what a flooding member can start without refusing an honest one.
   */
  maxRunsPerAllocator: number
  /** A peer that failed a run is left out of new runs this long (default 30 s). */
  cooldownMs: number
  /**
   * Background runs wait until no sign request has been served, and no lease
   * handed out or armed here, for this long (default 1 s), so signing never
   * queues behind presign work on the shared cores, unless the pool has fallen
   * to `lowWater`. A lease counts: the signatures it is for come next.
   */
  quietMs: number
  /** Usable presignatures at or below which a run starts even while signing (default target / 4, at least 1). */
  lowWater?: number
  /**
   * Who takes part in a run: 'minimal' (default) = exactly 2t+1, the allocator
   * and 2t others at random; 'all' = every online committee member, which lets
   * a signature tolerate bad or missing shares at the cost of every member
   * working on every presignature and signature (tests of share faults use it).
   */
  participants?: 'minimal' | 'all'
  /**
   * Arm what a client leases (default true): the allocator and every participant take
   * the leased presignatures durably at lease time, so the signature share needs no
   * storage write (docs/node-runtime.md §5.4.1). False keeps the durable take at signing.
   */
  armOnLease?: boolean
}

export const DEFAULT_PRESIGN_POOL_CONFIG: PresignPoolConfig = {
  target: 8,
  pauseMs: 250,
  leaseMs: 60_000,
  idleCheckMs: 1_000,
  maxParticipantRuns: 64,
  maxRunsPerAllocator: 8,
  cooldownMs: 30_000,
  quietMs: 1_000
}

/** Kept after a lease expires before the presignature is discarded (the client may be signing right now). */
export const LEASE_GRACE_MS = 30_000

interface Lease { tokenId: string, peer: string, until: number }

/** How long a lease waits for a participant to arm; one that has not by then signs through the durable take. */
const ARM_TIMEOUT_MS = 3_000

/** Prefix of the ERR_UNAVAILABLE message of a participant too busy to join (it never started the run). */
const BUSY = 'busy:'

function refusedBeforeRunning (err: RemoteError): boolean {
  if (err.code === 'ERR_NOT_FOUND' || err.code === 'ERR_BAD_REQUEST' || err.code === 'ERR_UNAUTHORIZED') return true
  return err.code === 'ERR_UNAVAILABLE' && err.message.startsWith(BUSY)
}

export class PresignPool {
  private readonly log: NodeLogger
  private readonly leases = new Map<string, Lease>()
  private readonly cooldown = new Map<string, number>()
  private stopController = new AbortController()
  private loopDone: Promise<void> | undefined
  private wake: (() => void) | undefined
  private woken = false
  private chain: Promise<unknown> = Promise.resolve()
  private signing = 0
  private lastSignAt = Number.NEGATIVE_INFINITY
  private signingDone: Array<() => void> = []
  private readonly runsByAllocator = new Map<string, number>()
  private allocating = 0

  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'directory' | 'store' | 'hub' | 'ops' | 'clock' | 'auth' | 'registry' | 'log' | 'changed'>,
    private readonly config: PresignPoolConfig = DEFAULT_PRESIGN_POOL_CONFIG,
    /** Where leased presignatures are armed on this node; undefined: no arming (every take is durable at signing). */
    private readonly armed?: ArmedPresignatures
  ) {
    this.log = nodeLogger(ctx.log, 'presign-pool')
  }

  async start (): Promise<void> {
    this.stopController = new AbortController()
    await serve(this.ctx, PresignStart, async (req, hctx) => await this.participate(req, hctx.remotePeer, hctx.signal))
    await serve(this.ctx, PresignLease, async (req, hctx) => await this.lease(req, hctx.remotePeer))
    await serve(this.ctx, PresignArm, async (req, hctx) => await this.armFor(req, hctx.remotePeer))
    this.loopDone = this.loop()
  }

  async stop (): Promise<void> {
    this.stopController.abort()
    this.kick()
    await this.ctx.rpc.unhandle(PresignStart)
    await this.ctx.rpc.unhandle(PresignLease)
    await this.ctx.rpc.unhandle(PresignArm)
    this.armed?.clear()
    for (const done of this.signingDone.splice(0)) done()
    await this.loopDone
  }

  /** Something changed (a new PKP, a lease, the online set): look again now. */
  kick (): void {
    this.woken = true
    this.wake?.()
  }

  /** Mark a sign request in progress; background runs wait until every one has ended. Returns the release. */
  beginSigning (): () => void {
    this.signing++
    this.lastSignAt = this.ctx.clock.now()
    let released = false
    return () => {
      if (released) return
      this.lastSignAt = this.ctx.clock.now()
      released = true
      this.signing--
      if (this.signing === 0) for (const done of this.signingDone.splice(0)) done()
    }
  }

  /** A lease was handed out or armed here: its signatures follow, so background runs hold off (quietMs). */
  private signingSoon (): void {
    this.lastSignAt = Math.max(this.lastSignAt, this.ctx.clock.now())
  }

  /** Whether an allocator run of this node is in progress (for status displays). */
  get allocatorBusy (): boolean { return this.allocating > 0 }

  /** Unused, unleased presignatures this node allocates for `tokenId`. */
  async poolSize (tokenId: string): Promise<number> {
    const entries = await this.ctx.store.listPresignatures(tokenId, this.ctx.rpc.self)
    return entries.filter((e) => !this.leases.has(e.id)).length
  }

  // ---------------------------------------------------------------- background

  private async loop (): Promise<void> {
    const signal = this.stopController.signal
    const unsubscribe = this.ctx.directory.subscribe(() => { this.kick() })
    try {
      while (!signal.aborted) {
        await this.whileSigning()
        if (signal.aborted) break
        let job: { record: PkpRecord, participants: string[], count: number } | undefined
        try {
          await this.discardExpiredLeases()
          job = await this.nextJob()
        } catch (err) {
          this.log.warn(`pool check failed: ${describeError(err)}`)
        }
        if (job === undefined) {
          await this.idle(this.config.idleCheckMs)
          continue
        }
        const sinceSign = this.ctx.clock.now() - this.lastSignAt
        if (sinceSign < this.config.quietMs && job.count > this.lowWater) {
          // Foreground first: refill once signing has paused, unless the pool runs low (a lease kicks: look again).
          await this.idle(this.config.quietMs - sinceSign)
          continue
        }
        try {
          await this.exclusive(async () => await this.allocate(job.record, job.participants))
        } catch (err) {
          if (!signal.aborted) this.log.info(`background presign for ${short(job.record.tokenId)} failed: ${describeError(err)}`)
        }
        await sleep(this.config.pauseMs, signal)
      }
    } finally {
      unsubscribe()
    }
  }

  private async idle (ms: number): Promise<void> {
    if (this.woken) { this.woken = false; return }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done (): void { clearTimeout(timer); resolve() }
      this.wake = done
    })
    this.wake = undefined
    this.woken = false
  }

  private async whileSigning (): Promise<void> {
    while (this.signing > 0 && !this.stopController.signal.aborted) {
      await new Promise<void>((resolve) => { this.signingDone.push(resolve) })
    }
  }

  /** One allocator run at a time on this node (background and lease-driven alike). */
  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn)
    this.chain = run.catch(() => {})
    return await run
  }

  private get lowWater (): number {
    return this.config.lowWater ?? Math.max(1, Math.floor(this.config.target / 4))
  }

  /** The PKP whose own pool is emptiest and below target, with participants available; `count` = its unleased presignatures. */
  private async nextJob (): Promise<{ record: PkpRecord, participants: string[], count: number } | undefined> {
    if (this.config.target <= 0) return undefined
    const online = new Set(this.ctx.directory.onlineNodes())
    let best: { record: PkpRecord, participants: string[], count: number } | undefined
    for (const record of await this.ctx.store.listPkps()) {
      const participants = this.chooseParticipants(record, online)
      if (participants === undefined) continue
      const entries = await this.ctx.store.listPresignatures(record.tokenId, this.ctx.rpc.self)
      const usable = entries.filter((e) => !this.leases.has(e.id) && this.canGather(record, e, online)).length
      // What a client holds leased and has not used yet still counts: the pool replaces
      // what signing consumed, not what a client leased ahead (§5.3), so a client that
      // leases the next burst's presignatures while idle causes no extra presign work.
      // Other clients still need some unleased ones: at low water the pool refills regardless.
      const held = usable + this.leasedUnused(record.tokenId, new Set(entries.map((e) => e.id)))
      if (held >= this.config.target && usable > this.lowWater) continue
      if (best === undefined || usable < best.count) best = { record, participants, count: usable }
    }
    return best
  }

  /**
   * Presignatures of `tokenId` this node leased out whose lease runs and which no
   * signature has used yet: still armed here, or (not armed) still in the store.
   */
  private leasedUnused (tokenId: string, listed: ReadonlySet<string>): number {
    const now = this.ctx.clock.now()
    let n = 0
    for (const [id, lease] of this.leases) {
      if (lease.tokenId !== tokenId || lease.until <= now) continue
      if (listed.has(id) || this.armed?.holds(tokenId, id) === true) n++
    }
    return n
  }

  /** Online committee members not cooling down, this node included; undefined when fewer than 2t+1. */
  private chooseParticipants (record: PkpRecord, online: ReadonlySet<string>): string[] | undefined {
    const self = this.ctx.rpc.self
    if (!record.committee.includes(self)) return undefined
    const now = this.ctx.clock.now()
    const need = 2 * record.publicKeySet.degree + 1
    const others = record.committee.filter((p) => p !== self && online.has(p) && (this.cooldown.get(p) ?? 0) <= now)
    if (others.length < need - 1) return undefined
    if (this.config.participants === 'all') return record.committee.filter((p) => p === self || others.includes(p))
    // Exactly 2t+1 (docs/ecdsa.md §3): every participant must sign with it later, so each
    // extra one would only add presign and signing work. The others are a random pick, so
    // runs spread over the committee and a presignature survives any member's absence
    // somewhere in the pool.
    const picked = new Set<string>([self])
    const random = crypto.getRandomValues(new Uint32Array(others.length))
    const shuffled = others.map((p, i) => ({ p, k: random[i] })).sort((a, b) => a.k - b.k).map(({ p }) => p)
    for (const p of shuffled) { if (picked.size >= need) break; picked.add(p) }
    return record.committee.filter((p) => picked.has(p))
  }

  /** Whether 2t+1 of a presignature's participants are online. */
  private canGather (record: PkpRecord, entry: PresignatureEntry, online: ReadonlySet<string>): boolean {
    let n = 0
    for (const id of entry.participants) if (online.has(record.committee[id - 1])) n++
    return n >= 2 * entry.degree + 1
  }

  /** Run one presign as allocator and store this node's part. */
  private async allocate (record: PkpRecord, participants: string[]): Promise<Presignature> {
    const self = this.ctx.rpc.self
    const { tokenId, committee } = record
    const session = randomHex(32)
    const sessionId = presignSessionId(tokenId, session, participants)
    const ids = participants.map((p) => committee.indexOf(p) + 1)
    const keyShare = await this.ctx.store.getPkpShare(tokenId)
    if (keyShare === undefined) throw new NotFoundError('no key share for this PKP here')
    const op = this.ctx.ops.begin(randomHex(16), 'presign', self)
    op.setPhase('running', `${short(tokenId)} with ${participants.length} participants`)
    const abort = new AbortController()
    // Why this node gave the run up, for its operation log (the run itself only says "cancelled").
    let cancelledFor: string | undefined
    const onStop = (): void => { abort.abort() }
    this.stopController.signal.addEventListener('abort', onStop, { once: true })
    // A participant that goes offline can never finish the run: give it up now rather than at the
    // round deadline, which would also hold up every lease waiting for this allocator (one run at a time).
    const unsubscribe = this.ctx.directory.subscribe(() => {
      const online = new Set(this.ctx.directory.onlineNodes())
      const gone = participants.find((p) => p !== self && !online.has(p))
      if (gone !== undefined && !abort.signal.aborted) { cancelledFor = `participant ${short(gone)} went offline`; abort.abort() }
    })
    this.allocating++
    try {
      const run = this.ctx.hub.run({
        id: sessionId,
        peers: committeePeers(committee, ids),
        session: honestMajorityEcdsa.createPresignSession({ keyShare, participants: ids, sessionId }),
        signal: abort.signal,
        label: `presign ${short(tokenId)}/${short(session)}`
      })
      // A participant that refuses before running (unknown PKP, bad request, busy) would only be noticed at the
      // deadline: stop now. One whose run failed is different: our own run names the culprits at its deadline.
      for (const peer of participants) {
        if (peer === self) continue
        this.ctx.rpc.request(PresignStart, peer, { tokenId, session, participants }, { signal: AbortSignal.any([this.stopController.signal, abort.signal]) })
          .catch((err) => {
            if (err instanceof RemoteError && refusedBeforeRunning(err)) {
              // Busy, or not yet holding the PKP (its mint finishes moments after ours):
              // try it again soon. Only a request it found wrong sends it to cool down.
              if (err.code !== 'ERR_UNAVAILABLE' && err.code !== 'ERR_NOT_FOUND') this.coolDown([peer])
              if (!abort.signal.aborted) cancelledFor = `${short(peer)} refused: ${err.code} ${err.message}`
              abort.abort()
            }
            this.log.info(`presign/start to ${short(peer)} failed: ${describeError(err)}`)
          })
      }
      let presignature: Presignature
      try {
        presignature = await run
      } catch (err) {
        if (err instanceof SessionFailedError) this.coolDown(err.culprits)
        throw err
      }
      await this.ctx.store.putPresignature(tokenId, self, presignature)
      op.done(presignature.id)
      this.ctx.changed()
      return presignature
    } catch (err) {
      op.fail(cancelledFor ?? describeError(err))
      throw err
    } finally {
      unsubscribe()
      this.allocating--
      this.stopController.signal.removeEventListener('abort', onStop)
    }
  }

  private coolDown (peers: readonly string[]): void {
    const until = this.ctx.clock.now() + this.config.cooldownMs
    for (const p of peers) if (p !== this.ctx.rpc.self) this.cooldown.set(p, until)
  }

  // ---------------------------------------------------------------- handlers

  /** Runs of other allocators this node is in now (the sum over runsByAllocator). */
  private participantRunCount (): number {
    let n = 0
    for (const runs of this.runsByAllocator.values()) n += runs
    return n
  }

  /** `presign/start`: join another allocator's run. */
  private async participate (req: { tokenId: string, session: string, participants: string[] }, caller: string, callSignal?: AbortSignal): Promise<{ presignatureId: string }> {
    const self = this.ctx.rpc.self
    const { tokenId, session, participants } = req
    const record = await this.ctx.store.getPkp(tokenId)
    if (record === undefined) throw new NotFoundError('unknown PKP')
    const t = record.publicKeySet.degree
    if (!isSortedDistinct(participants)) throw new BadRequestError('participants must be sorted and distinct')
    if (!participants.every((p) => record.committee.includes(p))) throw new BadRequestError('participants must be committee members')
    if (!participants.includes(caller)) throw new BadRequestError('the allocator must be a participant')
    if (!participants.includes(self)) throw new BadRequestError('this node is not a participant')
    if (participants.length < 2 * t + 1) throw new BadRequestError(`a presign needs 2t+1 = ${2 * t + 1} participants`)
    const sessionId = presignSessionId(tokenId, session, participants)
    if (this.ctx.hub.hasRun(sessionId)) throw new BadRequestError('this presign session has run')
    // A global cap alone made honest allocators refuse each other: with 10 nodes and
    // 7 participants per run, a node is asked to join ~6 runs at once, and a cap of 4
    // cancelled 3 of 4 runs after their participants had dealt (bench/profile-presign.ts, 2026-12-06).
    // Checked and taken in one synchronous step: requests arriving together must not all pass.
    if (this.participantRunCount() >= this.config.maxParticipantRuns) throw new UnavailableError(`${BUSY} too many presign runs in progress`)
    if ((this.runsByAllocator.get(caller) ?? 0) >= this.config.maxRunsPerAllocator) throw new UnavailableError(`${BUSY} too many presign runs of this allocator in progress`)
    this.runsByAllocator.set(caller, (this.runsByAllocator.get(caller) ?? 0) + 1)
    try {
      const keyShare = await this.ctx.store.getPkpShare(tokenId)
      if (keyShare === undefined) throw new NotFoundError('no key share for this PKP here')
      const ids = participants.map((p) => record.committee.indexOf(p) + 1)
      const presignature = await this.ctx.hub.run({
        id: sessionId,
        peers: committeePeers(record.committee, ids),
        session: honestMajorityEcdsa.createPresignSession({ keyShare, participants: ids, sessionId }),
        // The allocator resets its call when it gives the run up: end ours at once
        // instead of holding a participant slot until our own deadlines.
        signal: callSignal == null ? this.stopController.signal : AbortSignal.any([this.stopController.signal, callSignal]),
        label: `presign ${short(tokenId)}/${short(session)} for ${short(caller)}`
      })
      await this.ctx.store.putPresignature(tokenId, caller, presignature)
      this.ctx.changed()
      return { presignatureId: presignature.id }
    } finally {
      const left = (this.runsByAllocator.get(caller) ?? 1) - 1
      if (left > 0) this.runsByAllocator.set(caller, left)
      else this.runsByAllocator.delete(caller)
    }
  }

  /** `presign/lease`: hand out presignatures this node allocates, each once. */
  private async lease (req: { tokenId: string, count: number, auth: { siwe: string, signature: string }, avoid?: string[], actionCid?: string }, caller: string): Promise<{ presignatures: string[] }> {
    const address = await callerAddress(this.ctx.auth, req.auth)
    const record = await this.ctx.store.getPkp(req.tokenId)
    if (record === undefined) throw new NotFoundError('unknown PKP')
    // A Lit Action permitted on the PKP may sign with it for any caller, so its caller may lease (actions.md §5.2).
    if (req.actionCid === undefined || !actionPermittedOn(this.ctx.registry, req.tokenId, req.actionCid)) assertMayUsePkp(address, record, this.ctx)
    const op = this.ctx.ops.begin(randomHex(16), 'lease', caller)
    try {
      // The caller's suspects are left out where possible: a presignature among exactly 2t+1 fails whenever one of them cheats.
      const avoid = new Set(req.avoid ?? [])
      let picked = await this.pick(record, req.count, caller, avoid, true)
      if (picked.length === 0) {
        // None ready: make one now (ahead of the background queue's next run), without the suspects when 2t+1 others are online.
        const online = new Set(this.ctx.directory.onlineNodes())
        const trusted = new Set([...online].filter((p) => !avoid.has(p) || p === this.ctx.rpc.self))
        const participants = this.chooseParticipants(record, trusted) ?? this.chooseParticipants(record, online)
        if (participants === undefined) throw new UnavailableError('fewer than 2t+1 committee members are online')
        op.setPhase('presign')
        await this.exclusive(async () => await this.allocate(record, participants))
        picked = await this.pick(record, req.count, caller, avoid)
      }
      if (picked.length === 0) throw new UnavailableError('no presignature available')
      if (this.armed !== undefined && this.config.armOnLease !== false) {
        op.setPhase('arm')
        await this.armLeased(record, picked)
      }
      op.done(`${picked.length} leased`)
      this.signingSoon()
      this.kick()
      this.ctx.changed()
      return { presignatures: picked.map((e) => bytesToHex(e.publicBytes)) }
    } catch (err) {
      op.fail(describeError(err))
      throw err
    }
  }

  /**
   * Arm leased presignatures on every participant (§5.4.1): this node's own take in
   * one transaction, `presign/arm` to the others, in parallel. Best effort: a
   * participant that does not arm in time takes durably when it signs.
   */
  private async armLeased (record: PkpRecord, picked: readonly PresignatureEntry[]): Promise<void> {
    const armed = this.armed
    if (armed === undefined) return
    const self = this.ctx.rpc.self
    const byPeer = new Map<string, string[]>()
    for (const e of picked) {
      for (const id of e.participants) {
        const peer = record.committee[id - 1]
        byPeer.set(peer, [...(byPeer.get(peer) ?? []), e.id])
      }
    }
    const tokenId = record.tokenId
    await Promise.all([...byPeer].map(async ([peer, presignatureIds]) => {
      try {
        if (peer === self) await armed.arm(tokenId, presignatureIds, (e) => e.allocator === self)
        else {
          const signal = AbortSignal.any([this.stopController.signal, AbortSignal.timeout(ARM_TIMEOUT_MS)])
          await this.ctx.rpc.request(PresignArm, peer, { tokenId, presignatureIds }, { signal })
        }
      } catch (err) {
        this.log.info(`arming ${presignatureIds.length} presignatures of ${short(tokenId)} on ${short(peer)} failed: ${describeError(err)}`)
      }
    }))
  }

  /** `presign/arm`: take durably now the presignatures the caller allocated and has leased out. */
  private async armFor (req: { tokenId: string, presignatureIds: string[] }, caller: string): Promise<{ armed: string[] }> {
    const armed = this.armed
    if (armed === undefined) return { armed: [] }
    const record = await this.ctx.store.getPkp(req.tokenId)
    if (record === undefined) throw new NotFoundError('unknown PKP')
    if (!record.committee.includes(caller)) throw new BadRequestError('only a committee member allocates presignatures')
    this.signingSoon()
    // Only its allocator may arm a presignature: arming spends it, so nobody else may.
    return { armed: await armed.arm(req.tokenId, req.presignatureIds, (e) => e.allocator === caller) }
  }

  /**
   * For a Lit Action request's binder (actions.md §5.3): one of this node's presignatures of
   * the PKP whose participants are all in `allowed` (the request's runners), leased to `holder`
   * so no client gets it too; when none is ready, one presign among allowed members first.
   * Undefined when fewer than 2t+1 allowed committee members are online.
   */
  async leaseAmong (record: PkpRecord, allowed: ReadonlySet<string>, holder: string): Promise<PresignatureEntry | undefined> {
    // pick() leaves out presignatures with an avoided participant: avoid every member that is not allowed.
    const others = new Set(record.committee.filter((p) => !allowed.has(p)))
    const [ready] = await this.pick(record, 1, holder, others, true)
    if (ready !== undefined) return ready
    const online = new Set(this.ctx.directory.onlineNodes().filter((p) => allowed.has(p)))
    const participants = this.chooseParticipants(record, online)
    if (participants === undefined) return undefined
    await this.exclusive(async () => await this.allocate(record, participants))
    this.kick()
    return (await this.pick(record, 1, holder, others, true))[0]
  }

  /** Choose and mark leased in one synchronous step after the read, so two leases never pick the same one. */
  private async pick (record: PkpRecord, count: number, caller: string, avoid: ReadonlySet<string> = new Set(), onlyClean = false): Promise<PresignatureEntry[]> {
    const entries = await this.ctx.store.listPresignatures(record.tokenId, this.ctx.rpc.self)
    const online = new Set(this.ctx.directory.onlineNodes())
    const until = this.ctx.clock.now() + this.config.leaseMs
    const avoided = (e: PresignatureEntry): boolean => e.participants.some((id) => avoid.has(record.committee[id - 1]))
    // Presignatures without the caller's suspects first; with none of those, any (the caller decides).
    const usable = entries.filter((e) => !this.leases.has(e.id) && this.canGather(record, e, online))
    const clean = usable.filter((e) => !avoided(e))
    const picked = (clean.length > 0 || onlyClean ? clean : usable).slice(0, count)
    for (const e of picked) this.leases.set(e.id, { tokenId: record.tokenId, peer: caller, until })
    return picked
  }

  /** Leased presignatures unused past their lease (and a grace period) are discarded: they are never handed out again. */
  private async discardExpiredLeases (): Promise<void> {
    const cutoff = this.ctx.clock.now() - LEASE_GRACE_MS
    const byToken = new Map<string, string[]>()
    for (const [id, lease] of this.leases) {
      if (lease.until > cutoff) continue
      byToken.set(lease.tokenId, [...(byToken.get(lease.tokenId) ?? []), id])
    }
    for (const [tokenId, ids] of byToken) {
      await this.ctx.store.discardPresignatures(tokenId, ids)
      for (const id of ids) this.leases.delete(id)
    }
  }
}
