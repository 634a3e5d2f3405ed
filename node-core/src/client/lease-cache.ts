/**
 * The client's leased presignatures, per PKP (spec: docs/node-runtime.md §5.3,
 * §5.4 step 1). An allocator hands each presignature out once, leased to this
 * client for 60 s; the cache hands each one to exactly one sign request, never
 * twice (not even when an allocator repeats one), and forgets leases that
 * expired. Pure: the time is passed in.
 */
import type { PresignaturePublic } from '../crypto/ecdsa/index.js'
import { presignatureIdHex } from '../crypto/ecdsa/index.js'
import type { ParticipantId } from '../crypto/shares.js'
import { InvalidArgumentError } from '../errors.js'

/** How long an allocator leases a presignature to its caller (docs/node-runtime.md §5.3). */
export const LEASE_TTL_MS = 60_000
/** A lease this close to its end is not handed out: the sign request must reach the signers first. */
export const LEASE_MARGIN_MS = 5_000
/** How many handed-out presignature ids are remembered to refuse repeats. */
const REMEMBERED_IDS = 16_384

export interface Lease {
  tokenId: string
  /** The node that handed it out. */
  allocator: string
  presignature: PresignaturePublic
  /** hex of presignature.id */
  id: string
  expiresAt: number
}

export interface LeaseCacheOptions {
  ttlMs?: number
  marginMs?: number
}

export class PresignatureLeaseCache {
  private readonly ttlMs: number
  private readonly marginMs: number
  private readonly byToken = new Map<string, Lease[]>()
  /** Ids ever added (in order), so a repeated presignature is refused even after it was taken. */
  private readonly seen = new Set<string>()
  private readonly seenOrder: string[] = []

  constructor (options: LeaseCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS
    this.marginMs = options.marginMs ?? LEASE_MARGIN_MS
    if (!(this.ttlMs > this.marginMs) || this.marginMs < 0) throw new InvalidArgumentError('ttlMs', 'must exceed marginMs ≥ 0')
  }

  /**
   * Add presignatures leased from `allocator` at `leasedAt` (the time the lease
   * request was sent: the node's 60 s start no earlier). Returns how many were
   * new; a presignature seen before is dropped.
   */
  add (tokenId: string, allocator: string, presignatures: readonly PresignaturePublic[], leasedAt: number): number {
    let list = this.byToken.get(tokenId)
    if (list == null) {
      list = []
      this.byToken.set(tokenId, list)
    }
    let added = 0
    for (const presignature of presignatures) {
      const id = presignatureIdHex(presignature)
      if (this.seen.has(id)) continue
      this.remember(id)
      list.push({ tokenId, allocator, presignature, id, expiresAt: leasedAt + this.ttlMs })
      added++
    }
    return added
  }

  /**
   * Take (remove) a lease of `tokenId` whose participants include at least 2t+1
   * of the `online` participant ids, the one expiring first. Expired leases are
   * dropped on the way.
   */
  take (tokenId: string, online: ReadonlySet<ParticipantId>, now: number): Lease | undefined {
    const list = this.live(tokenId, now)
    let best = -1
    for (let i = 0; i < list.length; i++) {
      const pub = list[i].presignature
      if (usableSigners(pub, online).length < 2 * pub.degree + 1) continue
      if (best < 0 || list[i].expiresAt < list[best].expiresAt) best = i
    }
    if (best < 0) return undefined
    return list.splice(best, 1)[0]
  }

  /** Unexpired leases of `tokenId` (usable or not). */
  count (tokenId: string, now: number): number {
    return this.live(tokenId, now).length
  }

  /** Unexpired leases of `tokenId` usable with the `online` participants. */
  countUsable (tokenId: string, online: ReadonlySet<ParticipantId>, now: number): number {
    return this.live(tokenId, now).filter(l => usableSigners(l.presignature, online).length >= 2 * l.presignature.degree + 1).length
  }

  /** Drop every expired lease. */
  prune (now: number): void {
    for (const tokenId of [...this.byToken.keys()]) this.live(tokenId, now)
  }

  /** Forget every lease of `tokenId` (e.g. the PKP is gone, or a signer reloaded and burned them). */
  clear (tokenId: string): void {
    this.byToken.delete(tokenId)
  }

  private live (tokenId: string, now: number): Lease[] {
    const list = this.byToken.get(tokenId)
    if (list == null) return []
    const kept = list.filter(l => now < l.expiresAt - this.marginMs)
    // The stored array is the one returned, so take() removes from it.
    if (kept.length === 0) this.byToken.delete(tokenId)
    else this.byToken.set(tokenId, kept)
    return kept
  }

  private remember (id: string): void {
    this.seen.add(id)
    this.seenOrder.push(id)
    if (this.seenOrder.length > REMEMBERED_IDS) this.seen.delete(this.seenOrder.shift()!)
  }
}

/** The presignature's participants that are online, sorted: the signers of a request using it. */
export function usableSigners (pub: PresignaturePublic, online: ReadonlySet<ParticipantId>): ParticipantId[] {
  return pub.participants.filter(id => online.has(id))
}
