/**
 * The dashboard's wallet: one local viem account whose private key is kept in
 * this origin's IndexedDB, so a reload keeps the same address (and with it the
 * PKPs it minted and the data it encrypted to itself).
 *
 * A testnet wallet: the key sits in IndexedDB in the clear, readable by any
 * script of this origin. Several selectable accounts are issue 5; the store is
 * keyed by account name already so that needs no migration.
 */
import { openDB, type IDBPDatabase } from 'idb'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import type { Hex } from 'viem'

const DB_NAME = 'lit-dashboard-wallet'
const STORE = 'accounts'
const DEFAULT_ACCOUNT = 'default'

interface StoredAccount {
  privateKey: Hex
  createdAt: number
}

async function open (): Promise<IDBPDatabase> {
  return await openDB(DB_NAME, 1, {
    upgrade (db) { db.createObjectStore(STORE) }
  })
}

function isStoredAccount (v: unknown): v is StoredAccount {
  const r = v as Partial<StoredAccount> | undefined
  return typeof r?.privateKey === 'string' && /^0x[0-9a-f]{64}$/i.test(r.privateKey) && typeof r.createdAt === 'number'
}

/**
 * The stored account, or a new one (key from viem's generatePrivateKey, i.e.
 * crypto.getRandomValues) stored first. `add` (not `put`) makes two tabs that
 * race on first use agree: the loser re-reads the winner's key.
 */
export async function loadOrCreateWallet (name = DEFAULT_ACCOUNT): Promise<PrivateKeyAccount> {
  const db = await open()
  try {
    const existing: unknown = await db.get(STORE, name)
    if (isStoredAccount(existing)) return privateKeyToAccount(existing.privateKey)
    const fresh: StoredAccount = { privateKey: generatePrivateKey(), createdAt: Date.now() }
    try {
      await db.add(STORE, fresh, name)
      return privateKeyToAccount(fresh.privateKey)
    } catch (err) {
      const winner: unknown = await db.get(STORE, name)
      if (isStoredAccount(winner)) return privateKeyToAccount(winner.privateKey)
      throw err
    }
  } finally {
    db.close()
  }
}
