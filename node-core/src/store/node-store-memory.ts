/**
 * In-memory NodeStore (tests, Node processes). Same contract as IdbNodeStore
 * (node-core/test/store/node-store.test.ts): every record goes through the
 * real codecs on the way in and out, so callers never share objects with the
 * store, and a codec bug fails here as it would in IndexedDB. Nothing is
 * sealed: memory is not "at rest".
 *
 * A MemoryNodeStorage plays the role of the browser's IndexedDB: stores opened
 * on the same storage with the same node id see the same data (a "reload"),
 * different node ids never do.
 */
import type { SecpPoint } from '../crypto/group.js'
import type { KeyShare } from '../crypto/key-share.js'
import type { Presignature } from '../crypto/ecdsa/index.js'
import {
  type NodeStore, type PkpRecord, type PresignatureEntry, type StoredNetworkKey, type TakenPresignature,
  PresignatureNotFoundError, PresignatureUsedError, StorageUnavailableError, StoreError
} from './node-store.js'
import {
  type NetworkKeyRow, type PkpRow, type PresignatureRow, PRESIGNATURE_UNUSED, assertName, assertNodeId, byAge,
  networkKeyFromRow, networkKeyToRow, pkpFromRow, pkpShareFromBytes, pkpToRow, presignatureEntryFromRow,
  presignatureFromBytes, presignatureToRow, tombstoneOf
} from './node-store-codec.js'

interface MemoryNodeData {
  networkKey?: { row: NetworkKeyRow, share?: Uint8Array }
  pkps: Map<string, PkpRow>
  shares: Map<string, Uint8Array>
  /** key: presignatureKey(tokenId, id) */
  presignatures: Map<string, { row: PresignatureRow, secret?: Uint8Array }>
  seq: number
}

/** The backing memory of many node stores, by node id. */
export class MemoryNodeStorage {
  private readonly nodes = new Map<string, MemoryNodeData>()

  /** @internal */
  dataOf (nodeId: string): MemoryNodeData {
    let data = this.nodes.get(nodeId)
    if (data === undefined) {
      data = { pkps: new Map(), shares: new Map(), presignatures: new Map(), seq: 0 }
      this.nodes.set(nodeId, data)
    }
    return data
  }
}

export interface MemoryNodeStoreOptions {
  /** Shared backing memory; a fresh one by default. */
  storage?: MemoryNodeStorage
  /** Clock for `createdAt` (ms). */
  now?: () => number
}

function presignatureKey (tokenId: string, id: string): string {
  return JSON.stringify([tokenId, id])
}

export class MemoryNodeStore implements NodeStore {
  readonly nodeId: string
  private readonly now: () => number
  private data: MemoryNodeData | undefined

  constructor (nodeId: string, opts: MemoryNodeStoreOptions = {}) {
    assertNodeId(nodeId)
    this.nodeId = nodeId
    this.now = opts.now ?? Date.now
    this.data = (opts.storage ?? new MemoryNodeStorage()).dataOf(nodeId)
  }

  /** Same shape as IdbNodeStore.open, for code that picks an implementation. */
  static async open (nodeId: string, opts: MemoryNodeStoreOptions = {}): Promise<MemoryNodeStore> {
    return new MemoryNodeStore(nodeId, opts)
  }

  private get db (): MemoryNodeData {
    if (this.data === undefined) throw new StorageUnavailableError('store is closed')
    return this.data
  }

  async getNetworkKey (): Promise<StoredNetworkKey | undefined> {
    const stored = this.db.networkKey
    return stored === undefined ? undefined : networkKeyFromRow(structuredClone(stored.row), stored.share?.slice())
  }

  async putNetworkKey (key: StoredNetworkKey): Promise<void> {
    const db = this.db
    const { row, share } = networkKeyToRow(key)
    if (db.networkKey?.row.hasShare === true && !row.hasShare) {
      throw new StoreError('refusing to replace a network key share with a share-less key', 'ERR_NETWORK_KEY_DOWNGRADE')
    }
    db.networkKey = { row: structuredClone(row), share }
  }

  async putPkp (record: PkpRecord, share: KeyShare<SecpPoint>): Promise<void> {
    const db = this.db
    const { row, share: shareBytes } = pkpToRow(record, share)
    if (db.pkps.has(row.tokenId)) throw new StoreError(`PKP ${row.tokenId} is already stored`, 'ERR_PKP_EXISTS')
    db.pkps.set(row.tokenId, structuredClone(row))
    db.shares.set(row.tokenId, shareBytes)
  }

  async getPkp (tokenId: string): Promise<PkpRecord | undefined> {
    const row = this.db.pkps.get(tokenId)
    return row === undefined ? undefined : pkpFromRow(structuredClone(row))
  }

  async getPkpShare (tokenId: string): Promise<KeyShare<SecpPoint> | undefined> {
    const bytes = this.db.shares.get(tokenId)
    return bytes === undefined ? undefined : pkpShareFromBytes(tokenId, bytes)
  }

  async listPkps (): Promise<PkpRecord[]> {
    return [...this.db.pkps.values()].map((row) => pkpFromRow(structuredClone(row)))
  }

  async putPresignature (tokenId: string, allocator: string, presignature: Presignature): Promise<void> {
    const db = this.db
    const { row, secret } = presignatureToRow(tokenId, allocator, presignature, this.now(), db.seq + 1)
    const key = presignatureKey(tokenId, row.id)
    // A used presignature must never come back (its tombstone stays); an unused one is not overwritten.
    if (db.presignatures.has(key)) throw new StoreError(`presignature ${row.id} is already stored`, 'ERR_PRESIGNATURE_EXISTS')
    db.seq = row.seq
    db.presignatures.set(key, { row: structuredClone(row), secret })
  }

  private unused (tokenId: string, allocator?: string): PresignatureRow[] {
    assertName('tokenId', tokenId)
    const rows: PresignatureRow[] = []
    for (const { row } of this.db.presignatures.values()) {
      if (row.tokenId === tokenId && row.state === PRESIGNATURE_UNUSED && (allocator === undefined || row.allocator === allocator)) rows.push(row)
    }
    return rows.sort(byAge)
  }

  async listPresignatures (tokenId: string, allocator?: string): Promise<PresignatureEntry[]> {
    return this.unused(tokenId, allocator).map((row) => presignatureEntryFromRow(structuredClone(row)))
  }

  async countPresignatures (tokenId: string, allocator?: string): Promise<number> {
    return this.unused(tokenId, allocator).length
  }

  async takePresignature (tokenId: string, presignatureId: string, check?: (entry: PresignatureEntry) => void): Promise<Presignature> {
    const db = this.db
    const key = presignatureKey(tokenId, presignatureId)
    const stored = db.presignatures.get(key)
    if (stored === undefined) throw new PresignatureNotFoundError(presignatureId)
    if (stored.row.state !== PRESIGNATURE_UNUSED || stored.secret === undefined) throw new PresignatureUsedError(presignatureId)
    check?.(presignatureEntryFromRow(structuredClone(stored.row)))
    // The tombstone replaces the record before the secret is decoded (as in IndexedDB).
    db.presignatures.set(key, { row: tombstoneOf(stored.row) })
    try {
      return presignatureFromBytes(presignatureId, stored.secret)
    } finally {
      stored.secret.fill(0)
    }
  }

  async takePresignatures (tokenId: string, presignatureIds: readonly string[], accept?: (entry: PresignatureEntry) => boolean): Promise<TakenPresignature[]> {
    const db = this.db
    const out: TakenPresignature[] = []
    for (const id of presignatureIds) {
      const key = presignatureKey(tokenId, id)
      const stored = db.presignatures.get(key)
      if (stored === undefined || stored.row.state !== PRESIGNATURE_UNUSED || stored.secret === undefined) continue
      const entry = presignatureEntryFromRow(structuredClone(stored.row))
      if (accept !== undefined && !accept(entry)) continue
      db.presignatures.set(key, { row: tombstoneOf(stored.row) })
      try {
        out.push({ entry, presignature: presignatureFromBytes(id, stored.secret) })
      } finally {
        stored.secret.fill(0)
      }
    }
    return out
  }

  async discardPresignatures (tokenId: string, presignatureIds: string[]): Promise<void> {
    const db = this.db
    for (const id of presignatureIds) {
      const key = presignatureKey(tokenId, id)
      const stored = db.presignatures.get(key)
      if (stored !== undefined) db.presignatures.set(key, { row: tombstoneOf(stored.row) })
    }
  }

  async close (): Promise<void> {
    this.data = undefined
  }
}
