/**
 * The dashboard's wallet: named local viem accounts ("default", "A", "B", …)
 * whose private keys are kept in this origin's IndexedDB, and which of them is
 * selected, so a reload keeps the same accounts and selection (and with them the
 * PKPs they own and the data they encrypted to themselves). The selected account
 * is the one the client SDK uses: SIWE auth for every request, and the signer of
 * registry operations (LitClient.setAccount).
 *
 * A testnet wallet: the keys sit in IndexedDB in the clear, readable by any
 * script of this origin. A browser wallet (window.ethereum) is in
 * injected-wallet.ts; it is never stored.
 */
import { openDB, type IDBPDatabase } from 'idb'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import type { Hex } from 'viem'

const DB_NAME = 'lit-dashboard-wallet'
/** 1: `accounts` (name → StoredAccount); 2: adds `settings` (the selected name). */
const DB_VERSION = 2
const STORE = 'accounts'
const SETTINGS = 'settings'
const SELECTED_KEY = 'selected'
export const DEFAULT_ACCOUNT = 'default'
/** Account names: 1–32 letters, digits, space, `_`, `.`, `-`. */
const NAME = /^[A-Za-z0-9 _.-]{1,32}$/

interface StoredAccount {
  privateKey: Hex
  createdAt: number
}

/** A named local account. */
export interface WalletAccount {
  name: string
  account: PrivateKeyAccount
  createdAt: number
}

/** A wallet operation the user can fix (a bad or taken name). */
export class WalletError extends Error {
  constructor (message: string, readonly code: 'ERR_WALLET_NAME' | 'ERR_WALLET_EXISTS') {
    super(message)
    this.name = 'WalletError'
  }
}

async function open (): Promise<IDBPDatabase> {
  return await openDB(DB_NAME, DB_VERSION, {
    upgrade (db, oldVersion) {
      if (oldVersion < 1) db.createObjectStore(STORE)
      if (oldVersion < 2) db.createObjectStore(SETTINGS)
    }
  })
}

async function withDb<T> (fn: (db: IDBPDatabase) => Promise<T>): Promise<T> {
  const db = await open()
  try {
    return await fn(db)
  } finally {
    db.close()
  }
}

function isStoredAccount (v: unknown): v is StoredAccount {
  const r = v as Partial<StoredAccount> | undefined
  return typeof r?.privateKey === 'string' && /^0x[0-9a-f]{64}$/i.test(r.privateKey) && typeof r.createdAt === 'number'
}

export function checkWalletName (name: string): string {
  const trimmed = name.trim()
  if (!NAME.test(trimmed)) throw new WalletError(`account name "${name}": use 1–32 letters, digits, spaces, _ . -`, 'ERR_WALLET_NAME')
  return trimmed
}

/**
 * The stored account, or a new one (key from viem's generatePrivateKey, i.e.
 * crypto.getRandomValues) stored first. `add` (not `put`) makes two tabs that
 * race on first use agree: the loser re-reads the winner's key.
 */
export async function loadOrCreateWallet (name = DEFAULT_ACCOUNT): Promise<PrivateKeyAccount> {
  return await withDb(async (db) => {
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
  })
}

/** Every stored account, oldest first (a record that does not parse is left out). */
export async function listWallets (): Promise<WalletAccount[]> {
  return await withDb(async (db) => {
    const tx = db.transaction(STORE)
    const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()])
    await tx.done
    const out: WalletAccount[] = []
    keys.forEach((key, i) => {
      const v: unknown = values[i]
      if (typeof key === 'string' && isStoredAccount(v)) out.push({ name: key, account: privateKeyToAccount(v.privateKey), createdAt: v.createdAt })
    })
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1))
  })
}

/** A new account under a new name; a taken name is refused (never overwritten: it may own PKPs). */
export async function createWallet (name: string): Promise<WalletAccount> {
  const checked = checkWalletName(name)
  const fresh: StoredAccount = { privateKey: generatePrivateKey(), createdAt: Date.now() }
  await withDb(async (db) => {
    try {
      await db.add(STORE, fresh, checked)
    } catch (err) {
      if (isStoredAccount(await db.get(STORE, checked))) throw new WalletError(`an account named "${checked}" exists already`, 'ERR_WALLET_EXISTS')
      throw err
    }
  })
  return { name: checked, account: privateKeyToAccount(fresh.privateKey), createdAt: fresh.createdAt }
}

/** The name of the account selected last (undefined: none saved yet). */
export async function selectedWalletName (): Promise<string | undefined> {
  return await withDb(async (db) => {
    const v: unknown = await db.get(SETTINGS, SELECTED_KEY)
    return typeof v === 'string' ? v : undefined
  })
}

export async function saveSelectedWallet (name: string): Promise<void> {
  await withDb(async (db) => { await db.put(SETTINGS, name, SELECTED_KEY) })
}

/** What the dashboard starts with: every account (the default one made on first use) and the selected one. */
export async function openWallet (): Promise<{ accounts: WalletAccount[], selected: WalletAccount }> {
  await loadOrCreateWallet(DEFAULT_ACCOUNT)
  const accounts = await listWallets()
  const name = await selectedWalletName()
  const selected = accounts.find(a => a.name === name) ?? accounts.find(a => a.name === DEFAULT_ACCOUNT) ?? accounts[0]
  return { accounts, selected }
}
