import { createRoot } from 'react-dom/client'
import { IdbIdentityStore, startPeer } from '../../node-core/src/browser.js'
import { NodePage } from './NodePage.js'
import { claimSlot } from './slot.js'
import { installTestHook } from './test-hook.js'
import './styles.css'

const slot = await claimSlot()
const peer = await startPeer({ role: 'node', identity: { store: new IdbIdentityStore(), slot } })
installTestHook(peer)
document.title = `Lit node ${peer.libp2p.peerId.toString().slice(-6)}`
addEventListener('pagehide', () => { peer.announceLeaving() })
createRoot(document.getElementById('root')!).render(<NodePage peer={peer} slot={slot} />)
