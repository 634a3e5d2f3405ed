import { useState } from 'react'
import type { Wallet } from './use-wallet.js'

/**
 * The dashboard's accounts: pick the one that asks (SIWE), signs registry
 * operations and owns what it mints; make new named ones; or use a browser wallet.
 */
export function WalletPanel ({ wallet }: { wallet: Wallet }): React.JSX.Element {
  const [name, setName] = useState('')
  const { selected } = wallet
  const create = async (): Promise<void> => {
    if (await wallet.create(name)) setName('')
  }
  return (
    <section className='panel' data-testid='wallet-panel'>
      <h2>Wallet</h2>
      <p>
        Acting as <b data-testid='wallet-selected-name'>{selected.name}</b>{' '}
        <code data-testid='wallet-address'>{selected.account.address}</code>
      </p>
      <table>
        <tbody>
          {wallet.entries.map(e => (
            <tr
              key={e.name} data-testid='wallet-account' data-name={e.name} data-address={e.account.address} data-kind={e.kind}
              data-selected={e.name === selected.name} className={e.name === selected.name ? 'selected' : undefined}
            >
              <td>
                <input
                  type='radio' name='wallet-account' aria-label={`act as ${e.name}`} data-testid='wallet-use'
                  checked={e.name === selected.name} onChange={() => { wallet.select(e.name) }}
                />
              </td>
              <td>{e.name}</td>
              <td><code>{e.account.address}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <input
          data-testid='wallet-new-name' placeholder='name, e.g. B' size={12} value={name}
          onChange={e => { setName(e.target.value) }} onKeyDown={e => { if (e.key === 'Enter') void create() }}
        />{' '}
        <button data-testid='wallet-create' onClick={() => { void create() }}>New account</button>
        {wallet.connectInjected != null && (
          <> <button data-testid='wallet-connect-injected' onClick={() => { void wallet.connectInjected?.() }}>Use browser wallet</button></>
        )}
      </p>
      {wallet.error != null && <p className='error' data-testid='wallet-error'>{wallet.error}</p>}
      <p className='muted'>
        Local test accounts kept in this browser's IndexedDB (keys in the clear: a testnet wallet). The selected one
        proves who asks (SIWE), signs registry changes and owns what it mints.
        {wallet.connectInjected != null && ' A browser wallet can sign in, but refuses registry changes whose EIP-712 chain id is not its own.'}
      </p>
    </section>
  )
}
