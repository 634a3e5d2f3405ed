/**
 * IndexedDB implementation of {@link IdentityStore} (browser only).
 * One database, one object store, key = slot, value = private key bytes.
 */
import { openDB, type IDBPDatabase } from 'idb'
import { assertSlot, type IdentityStore } from './identity.js'

const DB_NAME = 'lit-node'
const DB_VERSION = 1
const STORE = 'identity'

export class IdbIdentityStore implements IdentityStore {
  private db: Promise<IDBPDatabase> | undefined

  constructor (private readonly dbName = DB_NAME) {}

  private open (): Promise<IDBPDatabase> {
    this.db ??= openDB(this.dbName, DB_VERSION, {
      upgrade (db) {
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE)
      }
    })
    return this.db
  }

  async get (slot: string): Promise<Uint8Array | undefined> {
    assertSlot(slot)
    const value: unknown = await (await this.open()).get(STORE, slot)
    return value instanceof Uint8Array ? value : undefined
  }

  async put (slot: string, privateKey: Uint8Array): Promise<void> {
    assertSlot(slot)
    await (await this.open()).put(STORE, privateKey.slice(), slot)
  }

  async delete (slot: string): Promise<void> {
    assertSlot(slot)
    await (await this.open()).delete(STORE, slot)
  }

  async close (): Promise<void> {
    if (this.db != null) (await this.db).close()
    this.db = undefined
  }
}
