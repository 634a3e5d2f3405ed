import { createRoot } from 'react-dom/client'
import { connectBrowserClient } from '../../node-core/src/browser.js'
import { Dashboard } from './Dashboard.js'
import { describeError } from './format.js'
import { installTestHook } from './test-hook.js'
import { openWallet } from './wallet.js'
import './styles.css'

const root = createRoot(document.getElementById('root')!)
try {
  const accounts = await openWallet()
  const client = await connectBrowserClient({ account: accounts.selected.account })
  installTestHook(client.peer, { client })
  addEventListener('pagehide', () => { client.peer.announceLeaving() })
  root.render(<Dashboard peer={client.peer} client={client} accounts={accounts} />)
} catch (err) {
  root.render(<main><h1>Lit browser testnet</h1><p className='error' data-testid='dashboard-start-error'>The dashboard did not start: {describeError(err)}</p></main>)
  throw err
}
