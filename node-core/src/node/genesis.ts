/**
 * Genesis of the network BLS key (docs/node-runtime.md §5.1).
 *
 * A node without a network key watches the online set. When at least
 * `minNodes` are online, the set has not changed for `stableMs`, no online
 * node reports a network key or a running genesis, and this node has the
 * lowest PeerId, it proposes: `genesis/start` to every member (itself
 * included) with members = the online set (≤ 64) and degree =
 * defaultBlsDegree(n). Each member runs the BLS DKG and stores its share. A
 * failed attempt is retried with backoff and a fresh genesisId.
 *
 * A node that finds the key at its peers stores the public part only (it is
 * not a key holder). It accepts a key only when degree + 1 of the key's own
 * members, each reporting itself a holder, report the same key: up to
 * `degree` lying members cannot plant a key (the same bound the key itself has).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { BlsG1 } from '../crypto/group.js'
import { defaultBlsDegree } from '../crypto/key-share.js'
import { decodeBlsPublicKeySet, encodeBlsPublicKeySet, isConsistentBlsPublicKeySet } from '../crypto/bls/index.js'
import { DkgSession } from '../protocols/dkg/index.js'
import { backoffDelay, type BackoffPolicy } from '../net/config.js'
import { BadRequestError, UnavailableError } from '../net/rpc/errors.js'
import type { StoredNetworkKey } from '../store/node-store.js'
import { isSortedDistinct, randomHex, serve, type NodeContext } from './context.js'
import { describeError, nodeLogger, short, type NodeLogger } from './log.js'
import { dkgPhase } from './op-status.js'
import { GenesisStart, MAX_NETWORK_MEMBERS, NetworkInfo, type NetworkKeyInfo } from './rpc-definitions.js'
import { committeePeers } from './session-hub.js'
import { genesisSessionId } from './session-ids.js'

export type GenesisState = 'waiting' | 'running' | 'done'

export interface GenesisConfig {
  /** Fewest online nodes before a genesis is proposed (default 3). */
  minNodes: number
  /** The online set must not have changed for this long (default 5 s: links of a forming mesh come up over seconds). */
  stableMs: number
  /** Retry delays after a failed attempt (default 1 s … 30 s). */
  backoff: BackoffPolicy
  /** Deadline of each network/info question to a peer (default 2 s). */
  infoTimeoutMs: number
}

export const DEFAULT_GENESIS_CONFIG: GenesisConfig = {
  minNodes: 3,
  stableMs: 5_000,
  backoff: { initialMs: 1_000, maxMs: 30_000, factor: 2 },
  infoTimeoutMs: 2_000
}

type Request = { genesisId: string, members: string[], degree: number }

export class GenesisService {
  private readonly log: NodeLogger
  private key: StoredNetworkKey | undefined
  private memberRun: string | undefined
  private proposing = false
  private stopController = new AbortController()
  private timer: ReturnType<typeof setTimeout> | undefined
  private unsubscribe: (() => void) | undefined
  private checking = false
  private lastSet = ''
  private lastChangeAt = 0
  private attempts = 0
  private nextAttemptAt = 0

  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'directory' | 'store' | 'hub' | 'ops' | 'clock' | 'log' | 'changed'>,
    private readonly config: GenesisConfig = DEFAULT_GENESIS_CONFIG
  ) {
    this.log = nodeLogger(ctx.log, 'genesis')
  }

  get state (): GenesisState {
    if (this.key !== undefined) return 'done'
    return this.memberRun !== undefined || this.proposing ? 'running' : 'waiting'
  }

  /** The network key as this node knows it (with `share` only on holders). */
  get networkKey (): StoredNetworkKey | undefined { return this.key }

  get keyHolder (): boolean { return this.key?.share !== undefined }

  /** The public description network/info gives out. */
  networkKeyInfo (): NetworkKeyInfo | undefined {
    const k = this.key
    if (k === undefined) return undefined
    return { genesisId: k.genesisId, publicKeySet: bytesToHex(encodeBlsPublicKeySet(k.publicKeySet)), members: [...k.members] }
  }

  async start (): Promise<void> {
    this.stopController = new AbortController()
    this.key = await this.ctx.store.getNetworkKey()
    await serve(this.ctx, GenesisStart, async (req, hctx) => await this.accept(req, hctx.remotePeer))
    this.unsubscribe = this.ctx.directory.subscribe(() => { this.onDirectoryChange() })
    this.onDirectoryChange()
  }

  async stop (): Promise<void> {
    this.stopController.abort()
    this.unsubscribe?.()
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    await this.ctx.rpc.unhandle(GenesisStart)
  }

  private onDirectoryChange (): void {
    const set = this.ctx.directory.onlineNodes().join(',')
    if (set !== this.lastSet) {
      this.lastSet = set
      this.lastChangeAt = this.ctx.clock.now()
    }
    this.schedule(0)
  }

  private schedule (delayMs: number): void {
    if (this.stopController.signal.aborted || this.key !== undefined) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.check()
    }, delayMs)
  }

  /** One look at the network; re-schedules itself until the node has a key. */
  private async check (): Promise<void> {
    if (this.checking) return
    this.checking = true
    try {
      await this.checkOnce()
    } catch (err) {
      this.log.warn(`check failed: ${describeError(err)}`)
    } finally {
      this.checking = false
      if (this.key === undefined) this.schedule(Math.max(50, Math.min(this.config.stableMs, 1_000)))
    }
  }

  private async checkOnce (): Promise<void> {
    if (this.key !== undefined || this.memberRun !== undefined || this.proposing) return
    const self = this.ctx.rpc.self
    const online = this.ctx.directory.onlineNodes()
    const others = online.filter((p) => p !== self)
    const signal = this.stopController.signal
    const answers = await Promise.all(others.map(async (peer) => {
      try {
        return { peer, info: await this.ctx.rpc.request(NetworkInfo, peer, {}, { timeoutMs: this.config.infoTimeoutMs, signal }) }
      } catch {
        return undefined
      }
    }))
    const infos = answers.filter((a) => a !== undefined)
    if (await this.learnFrom(infos)) return
    // Someone has a key (not yet confirmed by enough holders) or runs a genesis: wait.
    if (infos.some(({ info }) => info.networkKey !== undefined || info.genesis !== 'waiting')) return
    if (online.length < this.config.minNodes || online[0] !== self) return
    const now = this.ctx.clock.now()
    if (now - this.lastChangeAt < this.config.stableMs || now < this.nextAttemptAt) return
    if (this.memberRun !== undefined || this.key !== undefined) return
    await this.propose(online.slice(0, MAX_NETWORK_MEMBERS))
  }

  private async propose (members: string[]): Promise<void> {
    const req: Request = { genesisId: randomHex(16), members, degree: defaultBlsDegree(members.length) }
    const self = this.ctx.rpc.self
    this.proposing = true
    this.ctx.changed()
    this.log.info(`proposing genesis ${short(req.genesisId)} with ${members.length} members, degree ${req.degree}`)
    try {
      const signal = this.stopController.signal
      const remote = members.filter((p) => p !== self).map(async (p) => await this.ctx.rpc.request(GenesisStart, p, req, { signal }))
      const results = await Promise.allSettled([this.accept(req, self), ...remote])
      const failed = results.filter((r) => r.status === 'rejected')
      if (results[0].status === 'fulfilled') {
        this.attempts = 0
        if (failed.length > 0) this.log.warn(`genesis ${short(req.genesisId)} done; ${failed.length} member(s) failed`)
        return
      }
      this.attempts++
      this.nextAttemptAt = this.ctx.clock.now() + backoffDelay(this.config.backoff, this.attempts - 1)
      this.log.warn(`genesis ${short(req.genesisId)} failed (${describeError((results[0] as PromiseRejectedResult).reason)}); retrying later`)
    } finally {
      this.proposing = false
      this.ctx.changed()
    }
  }

  /** A member's part: `genesis/start` from the proposer (or this node proposing). */
  private async accept (req: Request, proposer: string): Promise<{ publicKeySet: string }> {
    const self = this.ctx.rpc.self
    const { members, degree, genesisId } = req
    if (!isSortedDistinct(members)) throw new BadRequestError('members must be sorted and distinct')
    if (!members.includes(self)) throw new BadRequestError('this node is not a member')
    if (members[0] !== proposer) throw new BadRequestError('the proposer must be the lowest member')
    if (degree !== defaultBlsDegree(members.length)) throw new BadRequestError(`degree must be ${defaultBlsDegree(members.length)} for ${members.length} members`)
    if (this.key !== undefined) throw new UnavailableError('this node already has a network key')
    if (this.memberRun !== undefined) throw new UnavailableError('another genesis is running here')
    const sessionId = genesisSessionId(genesisId, degree, members)
    if (this.ctx.hub.hasRun(sessionId)) throw new BadRequestError('this genesis id has been used')
    this.memberRun = genesisId
    this.ctx.changed()
    const op = this.ctx.ops.begin(genesisId, 'genesis', proposer)
    try {
      const me = members.indexOf(self) + 1
      const session = new DkgSession({ group: BlsG1, sessionId, degree, participants: members.map((_, i) => i + 1), me })
      const share = await this.ctx.hub.run({
        id: sessionId,
        peers: committeePeers(members),
        session,
        signal: this.stopController.signal,
        onProgress: () => { op.setPhase(dkgPhase(session.state)) },
        label: `genesis ${short(genesisId)}`
      })
      const key: StoredNetworkKey = { genesisId, members: [...members], publicKeySet: share.publicKeySet, share }
      await this.ctx.store.putNetworkKey(key)
      this.key = key
      op.done()
      this.log.info(`genesis ${short(genesisId)} done: this node holds share ${me} of ${members.length}`)
      return { publicKeySet: bytesToHex(encodeBlsPublicKeySet(share.publicKeySet)) }
    } catch (err) {
      op.fail(describeError(err))
      throw err
    } finally {
      this.memberRun = undefined
      this.ctx.changed()
    }
  }

  /** Store the public key that degree + 1 of its holders report identically; true when stored. */
  private async learnFrom (infos: Array<{ peer: string, info: { networkKey?: NetworkKeyInfo, keyHolder: boolean } }>): Promise<boolean> {
    const candidates = new Map<string, { key: NetworkKeyInfo, reporters: Set<string> }>()
    for (const { peer, info } of infos) {
      const key = info.networkKey
      if (key === undefined || !info.keyHolder || !key.members.includes(peer)) continue
      const id = `${key.genesisId}/${key.publicKeySet}/${key.members.join(',')}`
      const c = candidates.get(id) ?? { key, reporters: new Set<string>() }
      c.reporters.add(peer)
      candidates.set(id, c)
    }
    for (const { key, reporters } of candidates.values()) {
      let publicKeySet
      try {
        publicKeySet = decodeBlsPublicKeySet(hexToBytes(key.publicKeySet))
      } catch {
        continue
      }
      if (!isSortedDistinct(key.members) || publicKeySet.participants.length !== key.members.length || !isConsistentBlsPublicKeySet(publicKeySet)) continue
      if (reporters.size < publicKeySet.degree + 1) continue
      if (this.key !== undefined) return true
      const stored: StoredNetworkKey = { genesisId: key.genesisId, members: [...key.members], publicKeySet }
      await this.ctx.store.putNetworkKey(stored)
      this.key = stored
      this.log.info(`learned the network key of genesis ${short(key.genesisId)} from ${reporters.size} holders (not a key holder)`)
      this.ctx.changed()
      return true
    }
    return false
  }
}
