/**
 * A member's durable votes: at most one operation hash per (tokenId, nonce),
 * ever (spec: docs/registry.md §7.8). The node's implementation is an
 * IndexedDB store whose putIfAbsent is one read-write transaction committed
 * before the countersignature leaves the node.
 */
import type { Hex } from 'viem'

export interface VoteStore {
  /** The op hash voted for at (tokenId, nonce), if any. */
  get(tokenId: Hex, nonce: number): Promise<Hex | undefined>
  /**
   * Record `opHash` unless a vote exists; atomically. Returns the existing
   * vote (which may equal `opHash`), or undefined when this call recorded it.
   */
  putIfAbsent(tokenId: Hex, nonce: number, opHash: Hex): Promise<Hex | undefined>
}

/** In-memory VoteStore for tests (not durable). */
export class MemoryVoteStore implements VoteStore {
  private readonly votes = new Map<string, Hex>()

  async get (tokenId: Hex, nonce: number): Promise<Hex | undefined> {
    return this.votes.get(`${tokenId}/${nonce}`)
  }

  async putIfAbsent (tokenId: Hex, nonce: number, opHash: Hex): Promise<Hex | undefined> {
    const key = `${tokenId}/${nonce}`
    const existing = this.votes.get(key)
    if (existing !== undefined) return existing
    this.votes.set(key, opHash)
    return undefined
  }

  /** Number of votes held (tests). */
  get size (): number { return this.votes.size }
}
