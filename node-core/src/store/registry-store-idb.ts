/**
 * IndexedDB RegistryStore (spec: docs/registry.md §13, wiring). Its own
 * database per node id, `lit-registry/<nodeId>`, apart from the node state
 * database (node-store-idb.ts): votes and certificates are public facts, so
 * nothing here is sealed.
 *
 * Object stores:
 *   votes         [tokenId, nonce] → op hash (0x-hex)
 *   certificates  [tokenId, nonce] → CertificateRow; index byToken (tokenId)
 *   tokens        tokenId → tokenId (the tokens with certificates)
 *
 * Rules kept here:
 *   - putIfAbsent is ONE read-write transaction (read, then add) with
 *     durability 'strict', and resolves only after it committed: the vote is
 *     on disk before the countersignature leaves the node (registry.md §7.8).
 *   - Never await anything but IndexedDB requests inside a transaction.
 *   - Any browser failure is a StoreError (StorageUnavailableError), a
 *     record that does not parse is a CorruptRecordError.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type { Hex } from 'viem'
import type { Certificate } from '../registry/index.js'
import { idbFactory, openIdb, runTransaction } from './idb.js'
import { CorruptRecordError, assertNodeId } from './node-store-codec.js'
import {
  type CertificateRow, type RegistryStore, CertificateConflictError, assertNonce, assertOpHash, assertTokenId, certificateFromRow,
  certificateToRow, readLimit, sameOperation, voteFromRow
} from './registry-store.js'

export const REGISTRY_DB_PREFIX = 'lit-registry/'
export const REGISTRY_DB_VERSION = 1

export const REGISTRY_STORES = { votes: 'votes', certificates: 'certificates', tokens: 'tokens' } as const

interface RegistryDb extends DBSchema {
  votes: { key: [string, number], value: unknown }
  certificates: { key: [string, number], value: CertificateRow, indexes: { byToken: string } }
  tokens: { key: string, value: string }
}

type Db = IDBPDatabase<RegistryDb>
type Tx<Names extends ArrayLike<StoreNames<RegistryDb>>, Mode extends IDBTransactionMode> = IDBPTransaction<RegistryDb, Names, Mode>

export interface IdbRegistryStoreOptions {
  /** The IndexedDB factory (tests pass fake-indexeddb's); `globalThis.indexedDB` by default. */
  indexedDB?: IDBFactory
}

export function registryDbName (nodeId: string): string {
  assertNodeId(nodeId)
  return REGISTRY_DB_PREFIX + nodeId
}

function upgrade (db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore(REGISTRY_STORES.votes)
    const certificates = db.createObjectStore(REGISTRY_STORES.certificates, { keyPath: ['tokenId', 'nonce'] })
    certificates.createIndex('byToken', 'tokenId')
    db.createObjectStore(REGISTRY_STORES.tokens)
  }
}

export class IdbRegistryStore implements RegistryStore {
  private db: Db | undefined

  private constructor (readonly nodeId: string, db: Db) {
    this.db = db
    db.addEventListener('versionchange', () => { void this.close() })
    db.addEventListener('close', () => { this.db = undefined })
  }

  /** Open (creating on first use) the registry database of `nodeId`. */
  static async open (nodeId: string, opts: IdbRegistryStoreOptions = {}): Promise<IdbRegistryStore> {
    const name = registryDbName(nodeId)
    const factory = idbFactory(opts.indexedDB)
    return new IdbRegistryStore(nodeId, await openIdb<RegistryDb>(factory, name, REGISTRY_DB_VERSION, upgrade, 'registry database upgrade blocked by another open connection'))
  }

  /** One transaction, awaited to its commit; aborted (nothing kept) on any failure. */
  private async tx<Names extends Array<StoreNames<RegistryDb>>, Mode extends IDBTransactionMode, T> (
    names: Names, mode: Mode, body: (tx: Tx<Names, Mode>) => Promise<T>
  ): Promise<T> {
    return await runTransaction(this.db, names, mode, body)
  }

  async get (tokenId: Hex, nonce: number): Promise<Hex | undefined> {
    assertTokenId(tokenId)
    assertNonce(nonce)
    const value = await this.tx([REGISTRY_STORES.votes], 'readonly', async (tx) => await tx.objectStore(REGISTRY_STORES.votes).get([tokenId, nonce]))
    return voteFromRow(tokenId, nonce, value)
  }

  async putIfAbsent (tokenId: Hex, nonce: number, opHash: Hex): Promise<Hex | undefined> {
    assertTokenId(tokenId)
    assertNonce(nonce)
    assertOpHash(opHash)
    // registry.md §7.8: read and write in one strict read-write transaction, committed before we answer.
    return await this.tx([REGISTRY_STORES.votes], 'readwrite', async (tx) => {
      const votes = tx.objectStore(REGISTRY_STORES.votes)
      const existing = voteFromRow(tokenId, nonce, await votes.get([tokenId, nonce]))
      if (existing !== undefined) return existing
      await votes.add(opHash, [tokenId, nonce])
      return undefined
    })
  }

  async putCertificate (certificate: Certificate): Promise<void> {
    const row = certificateToRow(certificate)
    const tokenId = row.tokenId as Hex
    await this.tx([REGISTRY_STORES.certificates, REGISTRY_STORES.tokens], 'readwrite', async (tx) => {
      const certificates = tx.objectStore(REGISTRY_STORES.certificates)
      const existing = await certificates.get([tokenId, row.nonce])
      if (existing !== undefined) {
        let stored: Certificate | undefined
        try {
          stored = certificateFromRow(tokenId, row.nonce, existing)
        } catch (err) {
          if (!(err instanceof CorruptRecordError)) throw err
        }
        if (stored !== undefined) {
          if (sameOperation(stored, certificate)) return
          throw new CertificateConflictError(tokenId, row.nonce)
        }
      }
      await certificates.put(row)
      await tx.objectStore(REGISTRY_STORES.tokens).put(tokenId, tokenId)
    })
  }

  async certificates (tokenId: Hex, fromNonce = 0, limit?: number): Promise<Certificate[]> {
    assertTokenId(tokenId)
    assertNonce(fromNonce, 'fromNonce')
    const max = readLimit(limit)
    const rows = await this.tx([REGISTRY_STORES.certificates], 'readonly', async (tx) =>
      await tx.objectStore(REGISTRY_STORES.certificates).index('byToken').getAll(tokenId))
    return rows
      .map((row) => ({ row, nonce: (row as Partial<CertificateRow>)?.nonce }))
      .map(({ row, nonce }) => {
        if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0) throw new CorruptRecordError(`registry certificate ${tokenId}/?`)
        return { row, nonce }
      })
      .filter(({ nonce }) => nonce >= fromNonce)
      .sort((a, b) => a.nonce - b.nonce)
      .slice(0, max)
      .map(({ row, nonce }) => certificateFromRow(tokenId, nonce, row))
  }

  async tokens (): Promise<Hex[]> {
    const ids = await this.tx([REGISTRY_STORES.tokens], 'readonly', async (tx) => await tx.objectStore(REGISTRY_STORES.tokens).getAllKeys())
    return ids.filter((t): t is Hex => typeof t === 'string' && /^0x[0-9a-f]{64}$/.test(t)).sort()
  }

  async close (): Promise<void> {
    const db = this.db
    this.db = undefined
    db?.close()
  }
}
