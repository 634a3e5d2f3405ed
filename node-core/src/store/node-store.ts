/**
 * A node's durable state (spec: docs/node-runtime.md §8): the network key share,
 * PKP records with their key shares, and presignatures. Secret parts (key
 * shares, presignatures) are sealed at rest (store/at-rest.ts); records are
 * written whole or not at all. One store per node id: tabs of one origin share
 * one IndexedDB, so nothing of another node is ever visible through it.
 *
 * Implementations: IdbNodeStore (browser, IndexedDB) and MemoryNodeStore (tests).
 * Both must pass the same contract tests (node-core/test/store/).
 */
import type { G1Point, SecpPoint } from '../crypto/group.js'
import type { KeyShare, PublicKeySet } from '../crypto/key-share.js'
import type { Presignature } from '../crypto/ecdsa/index.js'
import { LitError } from '../errors.js'

/** What a node knows about the network BLS key; `share` only on members. */
export interface StoredNetworkKey {
  genesisId: string
  /** Members in participant-id order (id = index + 1). */
  members: string[]
  publicKeySet: PublicKeySet<G1Point>
  share?: KeyShare<G1Point>
}

/** A PKP this node is a committee member of. */
export interface PkpRecord {
  /** keccak256(uncompressed public key), hex. */
  tokenId: string
  /** 0x-prefixed EIP-55 address. */
  ethAddress: string
  /** Committee PeerIds in participant-id order (id = index + 1). */
  committee: string[]
  /** Ethereum address of the minter (the owner until the registry issue). */
  minter: string
  mintedAt: number
  publicKeySet: PublicKeySet<SecpPoint>
}

/** Public facts about a stored, unused presignature (no secrets). */
export interface PresignatureEntry {
  tokenId: string
  /** hex of the presignature id */
  id: string
  /** The node that started the run and alone hands this presignature out. */
  allocator: string
  createdAt: number
  /** Polynomial degree t of the key it signs for. */
  degree: number
  /** Participant ids of its presign run, ascending. */
  participants: number[]
  /** encodePresignaturePublic, as stored; decoded (points checked) only by whoever needs the points. */
  publicBytes: Uint8Array
}

/** A presignature taken by takePresignatures: its public entry and its secret part. */
export interface TakenPresignature {
  entry: PresignatureEntry
  presignature: Presignature
}

export class StoreError extends LitError {
  constructor (message: string, code = 'ERR_STORE', options?: { cause?: unknown }) { super(message, code, options) }
}

/** The presignature was already taken (for any request): it will never sign again. */
export class PresignatureUsedError extends StoreError {
  constructor (readonly presignatureId: string) { super(`presignature ${presignatureId} was already used`, 'ERR_PRESIGNATURE_USED') }
}

export class PresignatureNotFoundError extends StoreError {
  constructor (readonly presignatureId: string) { super(`no presignature ${presignatureId} here`, 'ERR_PRESIGNATURE_NOT_FOUND') }
}

/** Storage refused a write (quota, blocked database, closed store). Nothing was changed. */
export class StorageUnavailableError extends StoreError {
  constructor (reason: string, options?: { cause?: unknown }) { super(`storage unavailable: ${reason}`, 'ERR_STORAGE_UNAVAILABLE', options) }
}

export interface NodeStore {
  /** The node id this store belongs to. */
  readonly nodeId: string

  getNetworkKey(): Promise<StoredNetworkKey | undefined>
  /** Refuses to replace a key that has a share with one that has none (StoreError). */
  putNetworkKey(key: StoredNetworkKey): Promise<void>

  /** Record and share in one transaction. Refuses an existing tokenId (StoreError 'ERR_PKP_EXISTS'). */
  putPkp(record: PkpRecord, share: KeyShare<SecpPoint>): Promise<void>
  getPkp(tokenId: string): Promise<PkpRecord | undefined>
  getPkpShare(tokenId: string): Promise<KeyShare<SecpPoint> | undefined>
  listPkps(): Promise<PkpRecord[]>

  putPresignature(tokenId: string, allocator: string, presignature: Presignature): Promise<void>
  /** Unused presignatures of a PKP (optionally only those `allocator` hands out), oldest first. */
  listPresignatures(tokenId: string, allocator?: string): Promise<PresignatureEntry[]>
  countPresignatures(tokenId: string, allocator?: string): Promise<number>
  /**
   * Durably mark the presignature used (a tombstone replaces it in one
   * transaction that has committed before this resolves), then return its
   * secret part. PresignatureUsedError on a second take, even after a reload;
   * PresignatureNotFoundError when never stored. `check` runs on the unused
   * entry inside the same transaction, before the tombstone: whatever it throws
   * is thrown and the presignature stays unused.
   */
  takePresignature(tokenId: string, presignatureId: string, check?: (entry: PresignatureEntry) => void): Promise<Presignature>
  /**
   * Take several presignatures in one transaction (arming, docs/node-runtime.md
   * §5.4.1): each listed id that is unused and that `accept` accepts gets its
   * tombstone, committed before this resolves, and comes back with its secret
   * part. Ids unknown, used or refused are skipped, not errors. Use of the
   * returned secrets is the caller's to keep single (in memory).
   */
  takePresignatures(tokenId: string, presignatureIds: readonly string[], accept?: (entry: PresignatureEntry) => boolean): Promise<TakenPresignature[]>
  /** Drop unused presignatures (e.g. ones that can no longer gather 2t+1 signers). Marks them used. */
  discardPresignatures(tokenId: string, presignatureIds: string[]): Promise<void>

  close(): Promise<void>
}
