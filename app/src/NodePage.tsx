import type { PeerRuntime } from '../../node-core/src/browser.js'
import { formatRtt, shortId } from './format.js'
import { RelayBanner } from './RelayBanner.js'
import { useSnapshot } from './use-snapshot.js'

/** One node tab: its identity, state, and its links to the other nodes. */
export function NodePage ({ peer, slot }: { peer: PeerRuntime, slot: string }): React.JSX.Element {
  const snap = useSnapshot(peer)
  if (snap == null) return <p>Starting node…</p>
  const direct = snap.links.filter(l => l.kind === 'direct').length
  return (
    <main>
      <h1>Lit node <code data-testid='peer-id'>{snap.peerId}</code></h1>
      <p>slot <code>{slot}</code> · state <b data-testid='lifecycle'>{snap.lifecycle}</b> · {direct} direct of {snap.knownNodes.length} known nodes</p>
      <RelayBanner snap={snap} />
      <h2>Peers</h2>
      {snap.links.length === 0
        ? <p>No peers yet.</p>
        : (
          <table>
            <thead><tr><th>peer</th><th>role</th><th>link</th><th>RTT</th></tr></thead>
            <tbody>
              {snap.links.map(l => (
                <tr key={l.peer} data-testid='peer-row'>
                  <td title={l.peer}><code>{shortId(l.peer)}</code></td>
                  <td>{l.remoteRole ?? '?'}</td>
                  <td className={l.kind}>{l.kind === 'direct' ? 'direct WebRTC' : 'relayed'}</td>
                  <td>{formatRtt(l.rttMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
      <details><summary>Listening addresses</summary><ul>{snap.addrs.map(a => <li key={a}><code>{a}</code></li>)}</ul></details>
    </main>
  )
}
