import type { MintPhase, MintProgress as Progress } from './client-api.js'

const PHASES: ReadonlyArray<{ phase: MintPhase, label: string }> = [
  { phase: 'committee', label: 'committee' },
  { phase: 'dkg-round1', label: 'DKG 1: commitments' },
  { phase: 'dkg-round2', label: 'DKG 2: shares' },
  { phase: 'dkg-round3', label: 'DKG 3: complaints' },
  { phase: 'dkg-round4', label: 'DKG 4: confirm' },
  { phase: 'verify', label: 'verify' },
  { phase: 'done', label: 'done' }
]

/** The mint's way through the DKG phases: past phases ticked, the current one with its node count. */
export function MintProgress ({ progress }: { progress: Progress }): React.JSX.Element {
  const at = PHASES.findIndex(p => p.phase === progress.phase)
  return (
    <ol className='phases' data-testid='mint-progress' data-phase={progress.phase}>
      {PHASES.map((p, i) => (
        <li key={p.phase} className={i < at ? 'past' : i === at ? 'current' : 'future'} data-phase={p.phase}>
          {i < at || progress.phase === 'done' ? '✓ ' : ''}{p.label}
          {i === at && progress.phase !== 'done' && <> · {progress.nodesDone}/{progress.committeeSize} nodes</>}
        </li>
      ))}
    </ol>
  )
}
