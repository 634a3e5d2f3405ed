import { createRoot } from 'react-dom/client'
import { startPeer } from '../../node-core/src/browser.js'
import { Dashboard } from './Dashboard.js'
import { installTestHook } from './test-hook.js'
import './styles.css'

const peer = await startPeer({ role: 'client' })
installTestHook(peer)
addEventListener('pagehide', () => { peer.announceLeaving() })
createRoot(document.getElementById('root')!).render(<Dashboard peer={peer} />)
