import { createRoot } from 'react-dom/client'
import { connectBrowserClient } from '../../node-core/src/browser.js'
import { Dashboard } from './Dashboard.js'
import { describeError } from './format.js'
import { installTestHook } from './test-hook.js'
import { loadOrCreateWallet } from './wallet.js'
import './styles.css'

const root = createRoot(document.getElementById('root')!)
try {
  const account = await loadOrCreateWallet()
  const client = await connectBrowserClient({ account })
  installTestHook(client.peer, { client })
  addEventListener('pagehide', () => { client.peer.announceLeaving() })
  root.render(<Dashboard peer={client.peer} client={client} address={account.address} />)
} catch (err) {
  root.render(<main><h1>Lit browser testnet</h1><p className='error' data-testid='dashboard-start-error'>The dashboard did not start: {describeError(err)}</p></main>)
  throw err
}
