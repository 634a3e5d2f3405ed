/**
 * The wallet's state in the dashboard: the local accounts (wallet.ts), a browser
 * wallet when one was connected (injected-wallet.ts), and which one is selected.
 * Selecting hands the account to the client SDK (`client.setAccount`): from then
 * on it is the caller nodes see and the signer of registry operations.
 */
import { useState } from 'react'
import type { LocalAccount } from 'viem/accounts'
import type { DashboardClient } from './client-api.js'
import { describeError } from './format.js'
import { connectInjectedWallet, injectedProvider } from './injected-wallet.js'
import { createWallet, saveSelectedWallet, type WalletAccount } from './wallet.js'

/** An account the dashboard can act as. */
export interface WalletEntry {
  name: string
  account: LocalAccount
  kind: 'local' | 'injected'
}

export interface Wallet {
  entries: WalletEntry[]
  selected: WalletEntry
  select: (name: string) => void
  create: (name: string) => Promise<boolean>
  /** Present only when the page has window.ethereum. */
  connectInjected?: () => Promise<void>
  error: string | null
}

/** Name given to the browser wallet's account in the list. */
export const INJECTED_NAME = 'browser wallet'

export function useWallet (client: DashboardClient, initial: { accounts: WalletAccount[], selected: WalletAccount }): Wallet {
  const local = (a: WalletAccount): WalletEntry => ({ name: a.name, account: a.account, kind: 'local' })
  const [entries, setEntries] = useState<WalletEntry[]>(() => initial.accounts.map(local))
  const [selectedName, setSelectedName] = useState(initial.selected.name)
  const [error, setError] = useState<string | null>(null)

  const use = (entry: WalletEntry): void => {
    client.setAccount(entry.account)
    setSelectedName(entry.name)
    setError(null)
    if (entry.kind === 'local') saveSelectedWallet(entry.name).catch((err: unknown) => { setError(describeError(err)) })
  }

  const select = (name: string): void => {
    const entry = entries.find(e => e.name === name)
    if (entry != null) use(entry)
  }

  const create = async (name: string): Promise<boolean> => {
    try {
      const made = local(await createWallet(name))
      setEntries(list => [...list, made])
      use(made)
      return true
    } catch (err) {
      setError(describeError(err))
      return false
    }
  }

  const provider = injectedProvider()
  const connectInjected = provider == null
    ? undefined
    : async (): Promise<void> => {
      try {
        const entry: WalletEntry = { name: INJECTED_NAME, account: await connectInjectedWallet(provider), kind: 'injected' }
        setEntries(list => [...list.filter(e => e.kind !== 'injected'), entry])
        use(entry)
      } catch (err) {
        setError(describeError(err))
      }
    }

  const selected = entries.find(e => e.name === selectedName) ?? entries[0]
  return { entries, selected, select, create, connectInjected, error }
}
