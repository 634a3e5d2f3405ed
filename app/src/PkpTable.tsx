import type { PkpSummary } from './client-api.js'
import { shortHex, shortId } from './format.js'

/** The PKPs the online nodes hold; a row's radio picks the PKP to sign with. */
export function PkpTable ({ pkps, selected, onSelect, error }: {
  pkps: PkpSummary[] | undefined
  selected: string | null
  onSelect: (tokenId: string) => void
  error: string | null
}): React.JSX.Element {
  return (
    <section className='panel'>
      <h2>PKPs</h2>
      {error != null && <p className='error'>{error}</p>}
      {pkps == null
        ? <p>Asking the nodes…</p>
        : pkps.length === 0
          ? <p data-testid='no-pkps'>None yet: press Mint.</p>
          : (
            <table>
              <thead><tr><th /><th>public key</th><th>address</th><th>committee</th><th>threshold</th><th>pool</th></tr></thead>
              <tbody>
                {pkps.map(p => (
                  <tr
                    key={p.tokenId} data-testid='pkp-row' data-token-id={p.tokenId} data-address={p.ethAddress}
                    data-public-key={p.publicKey} data-pool={p.pool} className={p.tokenId === selected ? 'selected' : undefined}
                  >
                    <td><input type='radio' name='pkp' aria-label={`select ${p.ethAddress}`} checked={p.tokenId === selected} onChange={() => { onSelect(p.tokenId) }} /></td>
                    <td title={p.publicKey}><code>{shortHex(p.publicKey, 8)}</code></td>
                    <td><code data-testid='pkp-address'>{p.ethAddress}</code></td>
                    <td>{p.committee.map(id => <code key={id} className='member' title={id}>{shortId(id)}</code>)}</td>
                    <td data-testid='pkp-threshold'>{p.threshold} of {p.committee.length}</td>
                    <td data-testid='pkp-pool' title='unleased presignatures in the nodes’ pools, and those this dashboard holds leased'>{p.pool}{p.leased > 0 ? ` + ${p.leased} leased` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            )}
    </section>
  )
}
