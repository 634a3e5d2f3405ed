/**
 * Armed presignatures (docs/node-runtime.md §5.4.1): presignatures this node
 * has already taken durably, ahead of their use, so that a signature share
 * needs only an in-memory check-and-set.
 *
 * Arming is the durable take done early, for a batch, when a presignature is
 * leased: the tombstones commit in one transaction before the secrets are
 * held here. Each armed secret is handed out once (the map entry is removed
 * synchronously, before any await). After a reload the map is empty and the
 * tombstones stand, so an armed presignature a share may already have left
 * with is refused (ERR_PRESIGNATURE_USED): a crash wastes the armed ones,
 * never signs twice with one nonce. A presignature that was not armed is
 * taken durably at signing time, as before.
 */
import type { Presignature } from '../crypto/ecdsa/index.js'
import type { NodeStore, PresignatureEntry, TakenPresignature } from '../store/node-store.js'
import type { Clock } from './clock.js'

interface Armed {
  /** Resolves once the arming transaction has committed: the secret, or undefined when it was not taken. */
  ready: Promise<TakenPresignature | undefined>
  /** Dropped (never used) after this time. */
  until: number
}

export class ArmedPresignatures {
  private readonly armed = new Map<string, Armed>()

  constructor (
    private readonly store: Pick<NodeStore, 'takePresignature' | 'takePresignatures'>,
    private readonly clock: Clock,
    /** How long an armed secret is kept for its lease (the lease plus its grace). */
    private readonly keepMs: number
  ) {}

  /** Whether `id` is armed here and not yet used (nor past its keep time). */
  holds (tokenId: string, id: string): boolean {
    const armed = this.armed.get(keyOf(tokenId, id))
    return armed !== undefined && armed.until > this.clock.now()
  }

  /** How many secrets are held now (expired ones included until the next sweep). */
  get size (): number { return this.armed.size }

  /**
   * Take `ids` durably now and hold their secrets for one use each. `accept`
   * runs on each unused entry inside the transaction (e.g. "allocated by the
   * caller"). Resolves to the ids armed; ids unknown, used, refused or already
   * armed here are left out.
   */
  async arm (tokenId: string, ids: readonly string[], accept?: (entry: PresignatureEntry) => boolean): Promise<string[]> {
    this.sweep()
    const fresh = [...new Set(ids)].filter((id) => !this.armed.has(keyOf(tokenId, id)))
    if (fresh.length === 0) return []
    // Registered before the transaction starts, so a share request arriving while it
    // runs waits for it here instead of meeting the tombstone in the store.
    const batch = this.store.takePresignatures(tokenId, fresh, accept)
    const until = this.clock.now() + this.keepMs
    for (const id of fresh) {
      const ready = batch.then((taken) => taken.find((t) => t.entry.id === id), () => undefined)
      this.armed.set(keyOf(tokenId, id), { ready, until })
    }
    let taken: TakenPresignature[]
    try {
      taken = await batch
    } catch (err) {
      for (const id of fresh) this.armed.delete(keyOf(tokenId, id))
      throw err
    }
    const armed = new Set(taken.map((t) => t.entry.id))
    // Entries the transaction did not take fall back to the durable path at once.
    for (const id of fresh) if (!armed.has(id)) this.armed.delete(keyOf(tokenId, id))
    return fresh.filter((id) => armed.has(id))
  }

  /**
   * The presignature's secret for one signature share: the armed one when this
   * node armed it (in memory), else the store's durable take. `check` runs on
   * the entry first; whatever it throws is thrown and the presignature stays
   * usable (armed or stored).
   */
  async take (tokenId: string, id: string, check?: (entry: PresignatureEntry) => void): Promise<Presignature> {
    const key = keyOf(tokenId, id)
    const armed = this.armed.get(key)
    if (armed === undefined || armed.until <= this.clock.now()) {
      this.armed.delete(key)
      return await this.store.takePresignature(tokenId, id, check)
    }
    // Check-and-set before any await: a second request for it takes the durable path and meets the tombstone.
    this.armed.delete(key)
    const taken = await armed.ready
    if (taken === undefined) return await this.store.takePresignature(tokenId, id, check)
    try {
      check?.(taken.entry)
    } catch (err) {
      if (!this.armed.has(key)) this.armed.set(key, armed)
      throw err
    }
    return taken.presignature
  }

  /** Forget every held secret (the node stops; they are tombstoned in the store already). */
  clear (): void {
    this.armed.clear()
  }

  /** Drop secrets kept past their lease: they are never handed out. */
  private sweep (): void {
    const now = this.clock.now()
    for (const [key, armed] of this.armed) if (armed.until <= now) this.armed.delete(key)
  }
}

function keyOf (tokenId: string, id: string): string {
  return `${tokenId}/${id}`
}
