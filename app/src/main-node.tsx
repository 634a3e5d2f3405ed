import { createRoot } from 'react-dom/client'
import { actionFetchAllowFromQuery, actionWallMsFromQuery, AuthVerifier, faultsFromQuery, poolTargetFromQuery, startNodeTab, type LogSink } from '../../node-core/src/browser.js'
import { describeError } from './format.js'
import { NodePage } from './NodePage.js'
import { claimSlot } from './slot.js'
import { installTestHook, isTestBuild } from './test-hook.js'
import './styles.css'

const slot = await claimSlot()
// Test-only faults (?fault=corrupt-shares|silent) are honoured only in test builds.
const faults = isTestBuild() ? faultsFromQuery(location.search) : {}
// The node services' log goes to the console (no secrets are ever logged); debug lines are dropped.
const log: LogSink = (component, level, message) => {
  if (level !== 'debug') console[level](`[${component}] ${message}`)
}
const root = createRoot(document.getElementById('root')!)
try {
  const poolTarget = poolTargetFromQuery(location.search)
  // Test builds: actions may fetch from the test's own server (?actionFetch=origin) and stop sooner (?actionWallMs=N).
  const wallTimeMs = isTestBuild() ? actionWallMsFromQuery(location.search) : undefined
  const actions = {
    fetchAllow: isTestBuild() ? actionFetchAllowFromQuery(location.search) : [],
    ...(wallTimeMs === undefined ? {} : { limits: { wallTimeMs } })
  }
  const tab = await startNodeTab({ slot, faults, auth: new AuthVerifier(), actions, config: { log, ...(poolTarget === undefined ? {} : { poolTarget }) } })
  installTestHook(tab.peer, { node: tab.node })
  document.title = `Lit node ${tab.peerId.slice(-6)}`
  addEventListener('pagehide', () => { tab.peer.announceLeaving() })
  root.render(<NodePage peer={tab.peer} node={tab.node} slot={slot} />)
} catch (err) {
  // Storage blocked, relay info unreadable, …: say so instead of a blank page.
  root.render(<main><h1>Lit node (slot <code>{slot}</code>)</h1><p className='error' data-testid='node-start-error'>The node did not start: {describeError(err)}</p></main>)
  throw err
}
