import type { ShareFault } from './client-api.js'
import { shortId } from './format.js'

/** Nodes whose shares were refused or missing, by name. */
export function FaultList ({ faults }: { faults: readonly ShareFault[] }): React.JSX.Element | null {
  if (faults.length === 0) return null
  return (
    <div className='faults'>
      <b>Faulty nodes</b>
      <ul>
        {faults.map(f => (
          <li key={f.node} data-testid='fault' data-node={f.node} data-code={f.code ?? ''}>
            <code title={f.node}>{shortId(f.node)}</code>{f.code != null && <> [{f.code}]</>}: {f.reason}
          </li>
        ))}
      </ul>
    </div>
  )
}
