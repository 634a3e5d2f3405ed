import type { NetworkInfo } from './client-api.js'
import { shortHex, shortId } from './format.js'

/** The network's BLS key (from genesis) and what each online node reports. */
export function NetworkKeyPanel ({ info, error }: { info: NetworkInfo | undefined, error: string | null }): React.JSX.Element {
  if (info == null) {
    return <section className='panel'><h2>Network key</h2><p>{error != null ? <span className='error'>{error}</span> : 'Asking the nodes…'}</p></section>
  }
  const key = info.networkKey
  return (
    <section className='panel' data-testid='network-key' data-genesis={info.genesis} data-members={key?.members.join(',') ?? ''}>
      <h2>Network key</h2>
      {key == null
        ? <p>Genesis: <b data-testid='genesis-state'>{info.genesis}</b> {info.genesis === 'waiting' && <span className='muted'>(needs 3 nodes online)</span>}</p>
        : (
          <p>
            BLS12-381 public key <code data-testid='network-public-key' data-value={key.publicKey} title={key.publicKey}>{shortHex(key.publicKey, 10)}</code>
            <br />any <b data-testid='network-threshold'>{key.threshold}</b> of <b data-testid='network-members'>{key.members.length}</b> members decrypt together
          </p>
          )}
      {error != null && <p className='error'>{error}</p>}
      <table>
        <thead><tr><th>node</th><th>key holder</th><th>PKPs</th><th>presignatures</th><th>secp256k1</th></tr></thead>
        <tbody>
          {info.nodes.map(n => (
            <tr key={n.peerId} data-testid='network-node' data-peer-id={n.peerId} data-key-holder={n.keyHolder} data-curve-arithmetic={n.curveArithmetic ?? 'unknown'}>
              <td title={n.peerId}><code>{shortId(n.peerId)}</code></td>
              <td>{n.keyHolder ? 'yes' : (key != null && !key.members.includes(n.peerId) ? 'no (joined after genesis)' : 'no')}</td>
              <td>{n.pkps}</td>
              <td>{n.presignatures}</td>
              <td>{n.curveArithmetic ?? '?'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
