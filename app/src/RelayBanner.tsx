import type { PeerRuntimeSnapshot } from '../../node-core/src/browser.js'
import { shortId } from './format.js'

/** Where the relay connection stands; says so plainly when the relay is unreachable. */
export function RelayBanner ({ snap }: { snap: PeerRuntimeSnapshot }): React.JSX.Element {
  const { relay } = snap
  if (relay.state === 'connected') {
    return <p className='relay ok' data-testid='relay-state' data-state='connected'>Relay connected ({shortId(relay.peerId ?? '')})</p>
  }
  const wait = relay.retryAt == null ? null : Math.max(0, Math.ceil((relay.retryAt - snap.at) / 1000))
  return (
    <p className={`relay ${relay.state}`} data-testid='relay-state' data-state={relay.state}>
      {relay.state === 'connecting' ? 'Connecting to the relay…' : 'Relay unreachable'}
      {relay.failures > 0 && <> — {relay.failures} failed attempt{relay.failures === 1 ? '' : 's'}</>}
      {wait != null && relay.state === 'unreachable' && <>, retrying in {wait} s</>}
      {relay.lastError != null && <span className='error'> ({relay.lastError})</span>}
    </p>
  )
}
