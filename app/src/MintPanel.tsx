import { useRef, useState } from 'react'
import type { DashboardClient, MintedPkp, MintProgress as Progress } from './client-api.js'
import { describeError, formatMs } from './format.js'
import { MintProgress } from './MintProgress.js'

type MintState =
  | { kind: 'idle' }
  | { kind: 'minting', progress: Progress, startedAt: number }
  | { kind: 'minted', pkp: MintedPkp, ms: number, lastProgress: Progress }
  | { kind: 'failed', error: string, lastProgress: Progress | null }

/** The Mint button and the DKG's progress; hands the new PKP to `onMinted`. */
export function MintPanel ({ client, onMinted }: { client: DashboardClient, onMinted: (pkp: MintedPkp) => void }): React.JSX.Element {
  const [state, setState] = useState<MintState>({ kind: 'idle' })
  const abort = useRef<AbortController | null>(null)

  const mint = async (): Promise<void> => {
    const controller = new AbortController()
    abort.current = controller
    const startedAt = performance.now()
    let last: Progress = { phase: 'committee', nodesDone: 0, committeeSize: 0 }
    setState({ kind: 'minting', progress: last, startedAt })
    try {
      const pkp = await client.mintPkp({
        signal: controller.signal,
        onProgress: (p) => {
          last = p
          setState(s => s.kind === 'minting' ? { ...s, progress: p } : s)
        }
      })
      const done: Progress = { phase: 'done', nodesDone: pkp.committee.length, committeeSize: pkp.committee.length }
      setState({ kind: 'minted', pkp, ms: performance.now() - startedAt, lastProgress: done })
      onMinted(pkp)
    } catch (err) {
      setState({ kind: 'failed', error: describeError(err), lastProgress: last })
    } finally {
      abort.current = null
    }
  }

  const progress = state.kind === 'minting' ? state.progress : state.kind === 'idle' ? null : state.lastProgress
  return (
    <section className='panel'>
      <h2>Mint a PKP</h2>
      <p>
        <button data-testid='mint-button' disabled={state.kind === 'minting'} onClick={() => { void mint() }}>Mint</button>
        {state.kind === 'minting' && <> <button onClick={() => { abort.current?.abort() }}>Cancel</button> minting…</>}
        {state.kind === 'minted' && (
          <>
            {' '}
            <span data-testid='mint-result' data-token-id={state.pkp.tokenId} data-address={state.pkp.ethAddress} data-ms={Math.round(state.ms)}>
              minted <code>{state.pkp.ethAddress}</code> in {formatMs(state.ms)}
            </span>
          </>
        )}
        {state.kind === 'failed' && <> <span className='error' data-testid='mint-error'>{state.error}</span></>}
      </p>
      {progress != null && <MintProgress progress={progress} />}
    </section>
  )
}
