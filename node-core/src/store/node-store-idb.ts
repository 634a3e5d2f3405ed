/**
 * IndexedDB NodeStore (spec: docs/node-runtime.md §8). One database per node
 * id (`lit-node-state-<nodeId>`): tabs of one origin share IndexedDB, and a
 * node must never see another node's shares.
 *
 * Object stores:
 *   meta           'sealingKey' → CryptoKey (non-extractable AES-256-GCM), 'nodeId', 'presignatureSeq'
 *   network        'current'    → network key row + sealed share
 *   pkps           tokenId      → PkpRow (public)
 *   keyShares      tokenId      → sealed KeyShare
 *   presignatures  [tokenId, id] → public row + sealed secret, or a tombstone
 *                  indexes byToken [tokenId, state], byAllocator [tokenId, allocator, state]
 *                  (queried with plain keys, not IDBKeyRange: that global belongs to the
 *                  factory's realm, and tests pass a factory of their own)
 *
 * Rules kept here:
 *   - Never await anything but IndexedDB requests inside a transaction (it
 *     would auto-commit): sealing and opening happen before or after.
 *   - Every transaction either commits whole or is aborted; any failure
 *     surfaces as a StoreError (StorageUnavailableError for the browser's own
 *     refusals: quota, blocked, closed) and leaves nothing half-written.
 *   - takePresignature(s) commit their tombstones (durability 'strict') before
 *     a secret is opened: a crash loses a presignature, never reuses one.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type { SecpPoint } from '../crypto/group.js'
import type { KeyShare } from '../crypto/key-share.js'
import type { Presignature } from '../crypto/ecdsa/index.js'
import { asStoreError, idbFactory, openIdb, runTransaction } from './idb.js'
import { type SealedValue, generateSealingKey, open, seal, sealingAad } from './at-rest.js'
import {
  type NodeStore, type PkpRecord, type PresignatureEntry, type StoredNetworkKey, type TakenPresignature,
  PresignatureNotFoundError, PresignatureUsedError, StoreError
} from './node-store.js'
import {
  type NetworkKeyRow, type PkpRow, type PresignatureRow, CorruptRecordError, PRESIGNATURE_UNUSED, assertName, assertNodeId, byAge,
  networkKeyFromRow, networkKeyToRow, pkpFromRow, pkpShareFromBytes, pkpToRow, presignatureEntryFromRow,
  presignatureFromBytes, presignatureToRow, tombstoneOf
} from './node-store-codec.js'

export const NODE_STATE_DB_PREFIX = 'lit-node-state-'
export const NODE_STATE_DB_VERSION = 1

/** Object store names; also the first part of every sealed value's additional data. */
export const STORES = {
  meta: 'meta',
  network: 'network',
  pkps: 'pkps',
  keyShares: 'keyShares',
  presignatures: 'presignatures'
} as const

const NETWORK_KEY = 'current'
const META_SEALING_KEY = 'sealingKey'
const META_NODE_ID = 'nodeId'
const META_PRESIGNATURE_SEQ = 'presignatureSeq'

interface StoredNetworkKeyValue { row: NetworkKeyRow, share?: SealedValue }
type StoredPresignature = PresignatureRow & { secret?: SealedValue }

interface NodeStateDb extends DBSchema {
  meta: { key: string, value: unknown }
  network: { key: string, value: StoredNetworkKeyValue }
  pkps: { key: string, value: PkpRow }
  keyShares: { key: string, value: SealedValue }
  presignatures: {
    key: [string, string]
    value: StoredPresignature
    indexes: { byToken: [string, number], byAllocator: [string, string, number] }
  }
}

type Db = IDBPDatabase<NodeStateDb>
type Tx<Names extends ArrayLike<StoreNames<NodeStateDb>>, Mode extends IDBTransactionMode> = IDBPTransaction<NodeStateDb, Names, Mode>

export interface IdbNodeStoreOptions {
  /** The IndexedDB factory (tests pass fake-indexeddb's); `globalThis.indexedDB` by default. */
  indexedDB?: IDBFactory
  /** Clock for `createdAt` (ms). */
  now?: () => number
}

export function nodeStateDbName (nodeId: string): string {
  assertNodeId(nodeId)
  return NODE_STATE_DB_PREFIX + nodeId
}

function upgrade (db: IDBDatabase, oldVersion: number): void {
  // Version 1: everything. Later versions add steps below `if (oldVersion < N)`.
  if (oldVersion < 1) {
    db.createObjectStore(STORES.meta)
    db.createObjectStore(STORES.network)
    db.createObjectStore(STORES.pkps, { keyPath: 'tokenId' })
    db.createObjectStore(STORES.keyShares)
    const presignatures = db.createObjectStore(STORES.presignatures, { keyPath: ['tokenId', 'id'] })
    presignatures.createIndex('byToken', ['tokenId', 'state'])
    presignatures.createIndex('byAllocator', ['tokenId', 'allocator', 'state'])
  }
}

function isSealingKey (value: unknown): value is CryptoKey {
  if (typeof value !== 'object' || value === null) return false
  const k = value as CryptoKey
  return k.type === 'secret' && k.algorithm?.name === 'AES-GCM' && Array.isArray(k.usages) && k.usages.includes('decrypt') && k.usages.includes('encrypt')
}

export class IdbNodeStore implements NodeStore {
  readonly nodeId: string
  private db: Db | undefined
  private readonly key: CryptoKey
  private readonly now: () => number
  private readonly pkpCache = new Map<string, PkpRecord>()
  private readonly shareCache = new Map<string, KeyShare<SecpPoint>>()
  /**
   * Open bytes of the presignatures this store wrote and not yet taken: signing
   * then needs no AES-GCM open (an asynchronous WebCrypto call, a thread hop
   * that cost milliseconds on a busy machine). The tombstone still commits
   * before they are used; after a reload they come from the sealed record.
   */
  private readonly openSecrets = new Map<string, Uint8Array>()
  /**
   * Unused presignatures per PKP, oldest first: read from the database on the first
   * listing, then kept in step with every committed write. This tab is the database's
   * only writer (one tab per node, app/src/slot.ts), so listings — the pool's level,
   * the allocator's picks, the node page — need no IndexedDB read (each was a getAll
   * through the browser process, several a second on every node while signing).
   */
  private readonly unused = new Map<string, Map<string, PresignatureEntry>>()
  private readonly loadingUnused = new Map<string, Promise<Map<string, PresignatureEntry>>>()
  /** Committed presignature writes per PKP, so a listing read while one committed is read again. */
  private readonly presignatureWrites = new Map<string, number>()

  private constructor (nodeId: string, db: Db, key: CryptoKey, now: () => number) {
    this.nodeId = nodeId
    this.db = db
    this.key = key
    this.now = now
    // Another connection wants a newer schema, or the browser dropped the
    // database: let go, and refuse further calls rather than write half.
    db.addEventListener('versionchange', () => { void this.close() })
    db.addEventListener('close', () => { this.db = undefined })
  }

  /** Open (creating on first use) the database of `nodeId` and its sealing key. */
  static async open (nodeId: string, opts: IdbNodeStoreOptions = {}): Promise<IdbNodeStore> {
    const name = nodeStateDbName(nodeId)
    const factory = idbFactory(opts.indexedDB)
    const db = await openIdb<NodeStateDb>(factory, name, NODE_STATE_DB_VERSION, upgrade, 'database upgrade blocked by another open connection (close other tabs of this node)')
    try {
      const key = await loadOrCreateSealingKey(db, nodeId)
      return new IdbNodeStore(nodeId, db, key, opts.now ?? Date.now)
    } catch (err) {
      db.close()
      throw asStoreError(err, 'open')
    }
  }

  /**
   * Run `body` in one transaction and wait for its commit. On any failure the
   * transaction is aborted (nothing of it stays) and the error is a StoreError.
   * `body` must await only requests of `tx`.
   */
  private async tx<Names extends Array<StoreNames<NodeStateDb>>, Mode extends IDBTransactionMode, T> (
    names: Names, mode: Mode, body: (tx: Tx<Names, Mode>) => Promise<T>
  ): Promise<T> {
    return await runTransaction(this.db, names, mode, body)
  }

  async getNetworkKey (): Promise<StoredNetworkKey | undefined> {
    const stored = await this.tx([STORES.network], 'readonly', async (tx) => await tx.objectStore(STORES.network).get(NETWORK_KEY))
    if (stored === undefined) return undefined
    let share: Uint8Array | undefined
    if (stored.share !== undefined) share = await open(this.key, stored.share, sealingAad(STORES.network, NETWORK_KEY))
    try {
      return networkKeyFromRow(stored.row, share)
    } finally {
      share?.fill(0)
    }
  }

  async putNetworkKey (key: StoredNetworkKey): Promise<void> {
    const { row, share } = networkKeyToRow(key)
    const value: StoredNetworkKeyValue = { row }
    if (share !== undefined) {
      value.share = await seal(this.key, share, sealingAad(STORES.network, NETWORK_KEY))
      share.fill(0)
    }
    await this.tx([STORES.network], 'readwrite', async (tx) => {
      const store = tx.objectStore(STORES.network)
      const current = await store.get(NETWORK_KEY)
      if (current?.row.hasShare === true && !row.hasShare) {
        throw new StoreError('refusing to replace a network key share with a share-less key', 'ERR_NETWORK_KEY_DOWNGRADE')
      }
      await store.put(value, NETWORK_KEY)
    })
  }

  async putPkp (record: PkpRecord, share: KeyShare<SecpPoint>): Promise<void> {
    const { row, share: shareBytes } = pkpToRow(record, share)
    const sealed = await seal(this.key, shareBytes, sealingAad(STORES.keyShares, row.tokenId))
    shareBytes.fill(0)
    await this.tx([STORES.pkps, STORES.keyShares], 'readwrite', async (tx) => {
      const pkps = tx.objectStore(STORES.pkps)
      if (await pkps.count(row.tokenId) > 0) throw new StoreError(`PKP ${row.tokenId} is already stored`, 'ERR_PKP_EXISTS')
      await tx.objectStore(STORES.keyShares).put(sealed, row.tokenId)
      await pkps.put(row)
    })
  }

  async getPkp (tokenId: string): Promise<PkpRecord | undefined> {
    assertName('tokenId', tokenId)
    const cached = this.pkpCache.get(tokenId)
    if (cached !== undefined) return copyPkp(cached)
    const row = await this.tx([STORES.pkps], 'readonly', async (tx) => await tx.objectStore(STORES.pkps).get(tokenId))
    return row === undefined ? undefined : copyPkp(this.decodePkp(row))
  }

  async getPkpShare (tokenId: string): Promise<KeyShare<SecpPoint> | undefined> {
    assertName('tokenId', tokenId)
    const cached = this.shareCache.get(tokenId)
    if (cached !== undefined) return cached
    const sealed = await this.tx([STORES.keyShares], 'readonly', async (tx) => await tx.objectStore(STORES.keyShares).get(tokenId))
    if (sealed === undefined) return undefined
    const bytes = await open(this.key, sealed, sealingAad(STORES.keyShares, tokenId))
    try {
      const share = pkpShareFromBytes(tokenId, bytes)
      this.shareCache.set(tokenId, share)
      return share
    } finally {
      bytes.fill(0)
    }
  }

  async listPkps (): Promise<PkpRecord[]> {
    const rows = await this.tx([STORES.pkps], 'readonly', async (tx) => await tx.objectStore(STORES.pkps).getAll())
    return rows.map((row) => copyPkp(this.pkpCache.get(row.tokenId) ?? this.decodePkp(row)))
  }

  /**
   * PKP records and key shares are written once and never change (putPkp refuses
   * an existing token), so each is decoded (points checked) once per store; the
   * sign path read them on every request. Sealing protects them at rest; the tab
   * holds the decoded share while it signs in any case.
   */
  private decodePkp (row: Parameters<typeof pkpFromRow>[0]): PkpRecord {
    const record = pkpFromRow(row)
    this.pkpCache.set(record.tokenId, record)
    return record
  }

  async putPresignature (tokenId: string, allocator: string, presignature: Presignature): Promise<void> {
    const { row, secret } = presignatureToRow(tokenId, allocator, presignature, this.now(), 0)
    const sealed = await seal(this.key, secret, sealingAad(STORES.presignatures, tokenId, row.id))
    // The open bytes stay in memory until the presignature is taken (see openSecrets).
    const kept = secret.slice()
    secret.fill(0)
    try {
      await this.putPresignatureRow(tokenId, row, sealed)
    } catch (err) {
      kept.fill(0)
      throw err
    }
    this.openSecrets.set(secretKey(tokenId, row.id), kept)
    this.committed(tokenId, (index) => { index.set(row.id, presignatureEntryFromRow(row)) })
  }

  private async putPresignatureRow (tokenId: string, row: ReturnType<typeof presignatureToRow>['row'], sealed: Awaited<ReturnType<typeof seal>>): Promise<void> {
    await this.tx([STORES.meta, STORES.presignatures], 'readwrite', async (tx) => {
      const presignatures = tx.objectStore(STORES.presignatures)
      // A used presignature must never come back (its tombstone stays); an unused one is not overwritten.
      if (await presignatures.count([tokenId, row.id]) > 0) throw new StoreError(`presignature ${row.id} is already stored`, 'ERR_PRESIGNATURE_EXISTS')
      const meta = tx.objectStore(STORES.meta)
      const last = await meta.get(META_PRESIGNATURE_SEQ)
      const seq = (typeof last === 'number' ? last : 0) + 1
      await presignatures.put({ ...row, seq, secret: sealed })
      await meta.put(seq, META_PRESIGNATURE_SEQ)
    })
  }

  private async unusedRows (tokenId: string): Promise<StoredPresignature[]> {
    return await this.tx([STORES.presignatures], 'readonly', async (tx) => {
      return await tx.objectStore(STORES.presignatures).index('byToken').getAll([tokenId, PRESIGNATURE_UNUSED])
    })
  }

  async listPresignatures (tokenId: string, allocator?: string): Promise<PresignatureEntry[]> {
    const out: PresignatureEntry[] = []
    for (const e of (await this.unusedIndex(tokenId)).values()) {
      if (allocator === undefined || e.allocator === allocator) out.push({ ...e, participants: [...e.participants] })
    }
    return out
  }

  async countPresignatures (tokenId: string, allocator?: string): Promise<number> {
    const index = await this.unusedIndex(tokenId)
    if (allocator === undefined) return index.size
    let n = 0
    for (const e of index.values()) if (e.allocator === allocator) n++
    return n
  }

  /** The unused presignatures of `tokenId` (see `unused`), read once. */
  private async unusedIndex (tokenId: string): Promise<Map<string, PresignatureEntry>> {
    assertName('tokenId', tokenId)
    const have = this.unused.get(tokenId)
    if (have !== undefined) return have
    let loading = this.loadingUnused.get(tokenId)
    if (loading === undefined) {
      loading = this.loadUnused(tokenId).finally(() => { this.loadingUnused.delete(tokenId) })
      this.loadingUnused.set(tokenId, loading)
    }
    return await loading
  }

  private async loadUnused (tokenId: string): Promise<Map<string, PresignatureEntry>> {
    for (;;) {
      const writes = this.presignatureWrites.get(tokenId) ?? 0
      const rows = await this.unusedRows(tokenId)
      // A write that committed while this read ran may or may not be in it: read again.
      if ((this.presignatureWrites.get(tokenId) ?? 0) !== writes) continue
      const index = new Map(rows.sort(byAge).map((row) => [row.id, presignatureEntryFromRow(row)] as const))
      if (this.db !== undefined) this.unused.set(tokenId, index)
      return index
    }
  }

  /** After a presignature write of `tokenId` committed: count it, and apply it to the listing if one is held. */
  private committed (tokenId: string, change: (index: Map<string, PresignatureEntry>) => void): void {
    this.presignatureWrites.set(tokenId, (this.presignatureWrites.get(tokenId) ?? 0) + 1)
    const index = this.unused.get(tokenId)
    if (index !== undefined) change(index)
  }

  async takePresignature (tokenId: string, presignatureId: string, check?: (entry: PresignatureEntry) => void): Promise<Presignature> {
    assertName('tokenId', tokenId)
    assertName('presignatureId', presignatureId)
    // Spec §8: the tombstone commits before the secret is opened.
    const sealed = await this.tx([STORES.presignatures], 'readwrite', async (tx) => {
      const store = tx.objectStore(STORES.presignatures)
      const row = await store.get([tokenId, presignatureId])
      if (row === undefined) throw new PresignatureNotFoundError(presignatureId)
      if (row.state !== PRESIGNATURE_UNUSED || row.secret === undefined) throw new PresignatureUsedError(presignatureId)
      check?.(presignatureEntryFromRow(row))
      await store.put(tombstoneOf(row))
      return row.secret
    })
    this.committed(tokenId, (index) => { index.delete(presignatureId) })
    return await this.openTaken(tokenId, presignatureId, sealed)
  }

  /** The secret of a presignature whose tombstone has committed: the open bytes kept from its write, else the sealed record opened. */
  private async openTaken (tokenId: string, presignatureId: string, sealed: SealedValue): Promise<Presignature> {
    const key = secretKey(tokenId, presignatureId)
    const kept = this.openSecrets.get(key)
    this.openSecrets.delete(key)
    const bytes = kept ?? await open(this.key, sealed, sealingAad(STORES.presignatures, tokenId, presignatureId))
    try {
      return presignatureFromBytes(presignatureId, bytes)
    } finally {
      bytes.fill(0)
    }
  }

  async takePresignatures (tokenId: string, presignatureIds: readonly string[], accept?: (entry: PresignatureEntry) => boolean): Promise<TakenPresignature[]> {
    assertName('tokenId', tokenId)
    for (const id of presignatureIds) assertName('presignatureId', id)
    // As takePresignature: every tombstone commits (one transaction) before any secret is opened.
    const sealed = await this.tx([STORES.presignatures], 'readwrite', async (tx) => {
      const store = tx.objectStore(STORES.presignatures)
      const rows = await Promise.all([...new Set(presignatureIds)].map(async (id) => await store.get([tokenId, id])))
      const taken: Array<{ entry: PresignatureEntry, secret: SealedValue }> = []
      const tombstones: Array<Promise<unknown>> = []
      for (const row of rows) {
        if (row === undefined || row.state !== PRESIGNATURE_UNUSED || row.secret === undefined) continue
        const entry = presignatureEntryFromRow(row)
        if (accept !== undefined && !accept(entry)) continue
        taken.push({ entry, secret: row.secret })
        tombstones.push(store.put(tombstoneOf(row)))
      }
      await Promise.all(tombstones)
      return taken
    })
    this.committed(tokenId, (index) => { for (const { entry } of sealed) index.delete(entry.id) })
    const out: TakenPresignature[] = []
    for (const { entry, secret } of sealed) {
      try {
        out.push({ entry, presignature: await this.openTaken(tokenId, entry.id, secret) })
      } catch {
        // A record that does not open is lost (its tombstone stands); the others are still returned.
      }
    }
    return out
  }

  async discardPresignatures (tokenId: string, presignatureIds: string[]): Promise<void> {
    assertName('tokenId', tokenId)
    await this.tx([STORES.presignatures], 'readwrite', async (tx) => {
      const store = tx.objectStore(STORES.presignatures)
      for (const id of presignatureIds) {
        const row = await store.get([tokenId, id])
        if (row !== undefined && row.state === PRESIGNATURE_UNUSED) await store.put(tombstoneOf(row))
      }
    })
    this.committed(tokenId, (index) => { for (const id of presignatureIds) index.delete(id) })
    for (const id of presignatureIds) this.dropSecret(tokenId, id)
  }

  private dropSecret (tokenId: string, id: string): void {
    const key = secretKey(tokenId, id)
    this.openSecrets.get(key)?.fill(0)
    this.openSecrets.delete(key)
  }

  async close (): Promise<void> {
    const db = this.db
    this.db = undefined
    this.pkpCache.clear()
    this.shareCache.clear()
    for (const bytes of this.openSecrets.values()) bytes.fill(0)
    this.openSecrets.clear()
    this.unused.clear()
    db?.close()
  }
}

function secretKey (tokenId: string, presignatureId: string): string {
  return `${tokenId}/${presignatureId}`
}

/** Callers get their own record (the committee array is mutable; the key set is readonly and shared). */
function copyPkp (record: PkpRecord): PkpRecord {
  return { ...record, committee: [...record.committee] }
}

/**
 * The database's sealing key, generated (non-extractable) on first use. Two
 * tabs may race here: the key generated outside the transaction is stored only
 * if none is there yet when the write transaction runs, so both end with one key.
 */
async function loadOrCreateSealingKey (db: Db, nodeId: string): Promise<CryptoKey> {
  const [existing, storedNodeId] = await Promise.all([db.get(STORES.meta, META_SEALING_KEY), db.get(STORES.meta, META_NODE_ID)])
  if (storedNodeId !== undefined && storedNodeId !== nodeId) throw new CorruptRecordError('meta.nodeId')
  if (existing !== undefined) {
    if (!isSealingKey(existing)) throw new CorruptRecordError('meta.sealingKey')
    return existing
  }
  const fresh = await generateSealingKey()
  const tx = db.transaction(STORES.meta, 'readwrite', { durability: 'strict' })
  const done = tx.done
  done.catch(() => {})
  try {
    const raced = await tx.store.get(META_SEALING_KEY)
    if (raced === undefined) {
      await tx.store.put(fresh, META_SEALING_KEY)
      await tx.store.put(nodeId, META_NODE_ID)
    }
    await done
    if (raced === undefined) return fresh
    if (!isSealingKey(raced)) throw new CorruptRecordError('meta.sealingKey')
    return raced
  } catch (err) {
    try { tx.abort() } catch { /* finished */ }
    throw err
  }
}
