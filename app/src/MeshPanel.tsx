import type { MeshEdge, PeerRuntime } from '../../node-core/src/browser.js'
import { formatRtt, shortId } from './format.js'
import { MeshPicture } from './MeshPicture.js'
import { RelayBanner } from './RelayBanner.js'
import { freshSlot } from './slot.js'
import { useSnapshot } from './use-snapshot.js'

function edgesOf (peerId: string, edges: MeshEdge[]): Array<{ peer: string, edge: MeshEdge }> {
  return edges.filter(e => e.a === peerId || e.b === peerId).map(e => ({ peer: e.a === peerId ? e.b : e.a, edge: e }))
}

/** The tab network as the statuses describe it: relay state, mesh picture, links and RTTs. */
export function MeshPanel ({ peer }: { peer: PeerRuntime }): React.JSX.Element {
  const snap = useSnapshot(peer)
  if (snap == null) return <p>Joining the network…</p>
  const { network } = snap
  const n = network.nodes.length
  const direct = network.edges.filter(e => e.kind === 'direct').length
  return (
    <section>
      <RelayBanner snap={snap} />
      <p>
        <b data-testid='node-count'>{n}</b> node{n === 1 ? '' : 's'} · {direct} of {(n * (n - 1)) / 2} links direct
        {network.fullMesh && n > 1 && <> · <b data-testid='full-mesh'>full mesh</b></>}
        {' '}<button onClick={() => { window.open(`/node.html?node=${freshSlot()}`, '_blank') }}>Open another node tab</button>
      </p>
      <div className='columns'>
        <MeshPicture view={network} />
        <table>
          <thead><tr><th>node</th><th>links (RTT)</th></tr></thead>
          <tbody>
            {network.nodes.map(node => (
              <tr key={node.peerId} data-testid='node-row' data-peer-id={node.peerId}>
                <td title={node.peerId}><code>{node.peerId}</code></td>
                <td>
                  {edgesOf(node.peerId, network.edges).map(({ peer: other, edge }) => (
                    <span key={other} className={`link ${edge.kind}`} data-kind={edge.kind} data-rtt={edge.rttMs ?? ''}>
                      {shortId(other)} {edge.kind === 'direct' ? 'direct' : 'relayed'} {formatRtt(edge.rttMs)}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className='muted'>Dashboard peer <code>{shortId(snap.peerId)}</code> (client, not a node)</p>
    </section>
  )
}
