import type { LitNodeSnapshot, NodeFaults, PeerRuntime } from '../../node-core/src/browser.js'
import { as0x, formatMs, formatRtt, shortHex, shortId } from './format.js'
import { RelayBanner } from './RelayBanner.js'
import { useObservable, type Observable } from './use-node-snapshot.js'
import { useSnapshot } from './use-snapshot.js'

function faultNames (faults: NodeFaults): string[] {
  return [faults.corruptShares === true ? 'corrupt-shares' : null, faults.silent === true ? 'silent' : null].filter(f => f != null)
}

/** One node tab: its identity, the network key, the PKPs it holds, recent operations and its links. */
export function NodePage ({ peer, node, slot }: { peer: PeerRuntime, node: Observable<LitNodeSnapshot>, slot: string }): React.JSX.Element {
  const snap = useSnapshot(peer)
  const lit = useObservable(node)
  if (snap == null) return <p>Starting node…</p>
  const direct = snap.links.filter(l => l.kind === 'direct').length
  const faults = faultNames(lit.faults)
  return (
    <main>
      <h1>Lit node <code data-testid='peer-id'>{snap.peerId}</code></h1>
      <p>
        slot <code>{slot}</code> · state <b data-testid='lifecycle'>{lit.lifecycle}</b> · {direct} direct of {snap.knownNodes.length} known nodes
        {faults.length > 0 && <> · <b className='error' data-testid='node-faults'>test fault: {faults.join(', ')}</b></>}
      </p>
      {lit.error != null && <p className='error'>{lit.error}</p>}
      <RelayBanner snap={snap} />
      <NetworkKeySection lit={lit} />
      <PkpSection lit={lit} />
      <OperationsSection lit={lit} />
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

function NetworkKeySection ({ lit }: { lit: LitNodeSnapshot }): React.JSX.Element {
  const key = lit.networkKey
  const holder = lit.keyHolder
  const status = holder
    ? 'key holder'
    : key == null
      ? 'not a key holder (no network key yet)'
      : key.members.includes(lit.nodeId)
        ? 'genesis member without a share (its part of the DKG failed): not a key holder'
        : 'joined after genesis: not a key holder'
  return (
    <section className='panel'>
      <h2>Network key</h2>
      {key == null
        ? <p>Genesis: <b data-testid='node-genesis'>{lit.genesis}</b></p>
        : (
          <p>
            BLS12-381 public key <code data-testid='node-network-key' data-value={as0x(key.publicKey)} title={as0x(key.publicKey)}>{shortHex(as0x(key.publicKey), 10)}</code>
            <br />any {key.threshold} of {key.members.length} members decrypt together
          </p>
          )}
      <p><b data-testid='key-holder' data-holder={holder}>{status}</b></p>
    </section>
  )
}

function PkpSection ({ lit }: { lit: LitNodeSnapshot }): React.JSX.Element {
  return (
    <section className='panel'>
      <h2>PKPs held here</h2>
      {lit.pkps.length === 0
        ? <p>None.</p>
        : (
          <table>
            <thead><tr><th>address</th><th>public key</th><th>committee</th><th>threshold</th><th>pool (this node allocates)</th></tr></thead>
            <tbody>
              {lit.pkps.map(p => (
                <tr key={p.tokenId} data-testid='node-pkp' data-token-id={as0x(p.tokenId)} data-pool={p.pool}>
                  <td><code>{p.ethAddress}</code></td>
                  <td title={as0x(p.publicKey)}><code>{shortHex(as0x(p.publicKey), 8)}</code></td>
                  <td>{p.committee.length} nodes</td>
                  <td>{p.threshold} of {p.committee.length}</td>
                  <td data-testid='node-pkp-pool'>{p.pool}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
    </section>
  )
}

function OperationsSection ({ lit }: { lit: LitNodeSnapshot }): React.JSX.Element {
  return (
    <section className='panel'>
      <h2>Recent operations</h2>
      {lit.operations.length === 0
        ? <p>None yet.</p>
        : (
          <table>
            <thead><tr><th>kind</th><th>phase</th><th>peer</th><th>took</th><th>detail</th></tr></thead>
            <tbody>
              {lit.operations.map(op => (
                <tr key={op.id} data-testid='node-op' data-kind={op.kind} data-phase={op.phase}>
                  <td>{op.kind}</td>
                  <td className={op.phase === 'failed' ? 'error' : undefined}>{op.phase}</td>
                  <td>{op.peer != null ? <code title={op.peer}>{shortId(op.peer)}</code> : ''}</td>
                  <td>{op.endedAt != null ? formatMs(op.endedAt - op.startedAt) : '…'}</td>
                  <td className='muted'>{op.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
    </section>
  )
}
