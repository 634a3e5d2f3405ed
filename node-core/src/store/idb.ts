/**
 * What every IndexedDB store of a node shares: opening a database (a blocked
 * upgrade refused at once, not left hanging), running one transaction to its
 * commit (aborted, nothing kept, on any failure), and turning what the browser
 * throws into StoreErrors. The node state (node-store-idb.ts) and the registry
 * (registry-store-idb.ts) each keep their own database and schema.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb'
import { InvalidArgumentError, LitError } from '../errors.js'
import { StorageUnavailableError } from './node-store.js'

/** Turn anything the browser threw into a StoreError; ours pass through. */
export function asStoreError (err: unknown, what: string): Error {
  if (err instanceof LitError) return err
  const name = (err as { name?: unknown } | null)?.name
  if (name === 'DataCloneError') return new InvalidArgumentError(what, 'a value cannot be stored (not structured-cloneable)')
  return new StorageUnavailableError(`${what}: ${typeof name === 'string' ? name : 'error'}`, { cause: err })
}

/** The IndexedDB factory to use, refused with a typed error where IndexedDB cannot work. */
export function idbFactory (given?: IDBFactory): IDBFactory {
  const factory = given ?? globalThis.indexedDB
  if (factory === undefined) throw new StorageUnavailableError('IndexedDB is not available here')
  // idb recognises requests and transactions by `instanceof` the global IDB
  // classes, so a factory passed in (tests: fake-indexeddb) needs them as
  // globals too ('fake-indexeddb/auto' installs them).
  if (typeof globalThis.IDBRequest !== 'function' || typeof globalThis.IDBTransaction !== 'function') {
    throw new StorageUnavailableError('the IndexedDB classes (IDBRequest, IDBTransaction, …) are not globals here')
  }
  return factory
}

/** indexedDB.open with `factory`; a blocked upgrade is refused at once (StorageUnavailableError: `blocked`). */
export async function openIdb<Schema extends DBSchema> (
  factory: IDBFactory, name: string, version: number, upgrade: (db: IDBDatabase, oldVersion: number) => void, blocked: string
): Promise<IDBPDatabase<Schema>> {
  return await new Promise<IDBPDatabase<Schema>>((resolve, reject) => {
    let settled = false
    let request: IDBOpenDBRequest
    try {
      request = factory.open(name, version)
    } catch (err) {
      reject(asStoreError(err, 'open'))
      return
    }
    request.onupgradeneeded = (event) => { upgrade(request.result, event.oldVersion) }
    request.onblocked = () => {
      if (settled) return
      settled = true
      reject(new StorageUnavailableError(blocked))
    }
    request.onsuccess = () => {
      const db = request.result
      if (settled) { db.close(); return } // succeeded after we gave up (blocked): do not leak the connection
      settled = true
      try {
        resolve(wrap(db) as unknown as IDBPDatabase<Schema>)
      } catch (err) {
        db.close()
        reject(asStoreError(err, 'open'))
      }
    }
    request.onerror = (event) => {
      event.preventDefault()
      if (settled) return
      settled = true
      reject(asStoreError(request.error, 'open'))
    }
  })
}

/**
 * One transaction over `names`, awaited to its commit ('strict' durability when
 * it writes); aborted, so nothing is kept, when `body` or the commit fails.
 * `body` must await nothing but requests of this transaction.
 */
export async function runTransaction<Schema extends DBSchema, Names extends Array<StoreNames<Schema>>, Mode extends IDBTransactionMode, T> (
  db: IDBPDatabase<Schema> | undefined, names: Names, mode: Mode, body: (tx: IDBPTransaction<Schema, Names, Mode>) => Promise<T>
): Promise<T> {
  if (db === undefined) throw new StorageUnavailableError('store is closed')
  let tx: IDBPTransaction<Schema, Names, Mode>
  try {
    tx = db.transaction(names, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' })
  } catch (err) {
    throw asStoreError(err, names.join('+'))
  }
  const done = tx.done
  done.catch(() => {}) // observed below; keeps an abort from surfacing as an unhandled rejection
  try {
    const result = await body(tx)
    await done
    return result
  } catch (err) {
    try { tx.abort() } catch { /* already finished or aborted */ }
    throw asStoreError(err, names.join('+'))
  }
}
