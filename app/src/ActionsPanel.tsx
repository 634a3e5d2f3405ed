import { useState } from 'react'
import { isAddressEqual, recoverAddress, type Hex } from 'viem'
import type { ActionSignature, DashboardClient, ExecuteJsResult, PkpSummary, UploadedAction } from './client-api.js'
import { describeError, formatMs, shortId } from './format.js'
import { faultsOf } from './faults.js'
import { FaultList } from './FaultList.js'

const EXAMPLE = `// jsParams: toSign (32 bytes), publicKey, sigName
await Lit.Actions.signEcdsa({ toSign, publicKey, sigName })
Lit.Actions.setResponse({ response: JSON.stringify({ signed: true }) })
console.log('signed', sigName)
`

type RunState =
  | { kind: 'idle' }
  | { kind: 'running', phase: string }
  | { kind: 'done', result: ExecuteJsResult, recovered: Record<string, string>, ms: number }
  | { kind: 'failed', error: string, code: string, faults: Array<{ node: string, reason: string }> }

/**
 * Lit Actions: edit code, upload it (the nodes store it under its IPFS CID),
 * grant the CID on the selected PKP, run it with jsParams, and see each node's
 * outcome and logs and the combined signatures with their recovered address.
 * The page only calls the client SDK (uploadAction, addPermittedAction, executeJs).
 */
export function ActionsPanel ({ client, pkp }: { client: DashboardClient, pkp: PkpSummary | null }): React.JSX.Element {
  const [code, setCode] = useState(EXAMPLE)
  const [params, setParams] = useState('{ "toSign": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32], "sigName": "sig1" }')
  const [uploaded, setUploaded] = useState<UploadedAction | null>(null)
  const [uploadError, setUploadError] = useState<string | null>(null)
  const [scope, setScope] = useState<'sign-anything' | 'personal-sign'>('sign-anything')
  const [grant, setGrant] = useState<string | null>(null)
  const [runners, setRunners] = useState<'signers' | 'all'>('signers')
  const [run, setRun] = useState<RunState>({ kind: 'idle' })
  const [runs, setRuns] = useState(0)

  const upload = async (): Promise<void> => {
    setUploadError(null)
    try {
      setUploaded(await client.uploadAction(code, { signal: AbortSignal.timeout(20_000) }))
    } catch (err) {
      setUploaded(null)
      setUploadError(describeError(err))
    }
  }

  const permit = async (): Promise<void> => {
    if (pkp == null || uploaded == null) return
    setGrant('granting…')
    try {
      await client.addPermittedAction({ pubKey: pkp.publicKey, cid: uploaded.ipfsId, scope })
      setGrant(`granted (${scope})`)
    } catch (err) {
      setGrant(describeError(err))
    }
  }

  const execute = async (inline: boolean): Promise<void> => {
    let jsParams: Record<string, unknown>
    try {
      jsParams = JSON.parse(params) as Record<string, unknown>
    } catch (err) {
      setRun({ kind: 'failed', error: `jsParams: ${describeError(err)}`, code: 'ERR_INVALID_ARGUMENT', faults: [] })
      return
    }
    // The selected PKP signs unless the parameters name another key.
    if (pkp != null && jsParams.publicKey === undefined) jsParams.publicKey = pkp.publicKey
    setRun({ kind: 'running', phase: 'starting' })
    const started = performance.now()
    try {
      const result = await client.executeJs({
        ...(inline || uploaded == null ? { code } : { ipfsId: uploaded.ipfsId }),
        jsParams,
        runners,
        // Only while this run is still going: a straggler's answer after the result must not overwrite it.
        onProgress: (p) => { setRun((r) => (r.kind === 'running' ? { kind: 'running', phase: p.phase } : r)) }
      })
      const recovered: Record<string, string> = {}
      for (const sig of Object.values(result.signatures)) recovered[sig.sigName] = await recoverAddress({ hash: sig.dataSigned as Hex, signature: sig.signature })
      setRun({ kind: 'done', result, recovered, ms: performance.now() - started })
    } catch (err) {
      const c = (err as { code?: unknown } | null)?.code
      setRun({ kind: 'failed', error: describeError(err), code: typeof c === 'string' ? c : '', faults: faultsOf(err) })
    } finally {
      setRuns((n) => n + 1)
    }
  }

  return (
    <section className='panel' data-testid='actions-panel'>
      <h2>Lit Actions</h2>
      <textarea data-testid='action-code' rows={8} cols={90} value={code} onChange={(e) => { setCode(e.target.value); setUploaded(null) }} />
      <p>
        <button data-testid='action-upload' onClick={() => { void upload() }}>Upload to IPFS</button>{' '}
        {uploaded != null && (
          <span>
            CID <code data-testid='action-cid'>{uploaded.ipfsId}</code> <span className='muted'>({uploaded.cidV1}, {uploaded.bytes} bytes, on {uploaded.storedOn.length} nodes)</span>
          </span>
        )}
        {uploadError != null && <span className='error' data-testid='action-upload-error'>{uploadError}</span>}
      </p>
      <p>
        <select data-testid='action-scope' value={scope} onChange={(e) => { setScope(e.target.value as typeof scope) }}>
          <option value='sign-anything'>may sign anything</option>
          <option value='personal-sign'>personal messages only</option>
        </select>{' '}
        <button data-testid='action-grant' disabled={pkp == null || uploaded == null} onClick={() => { void permit() }}>Permit this CID on the selected PKP</button>{' '}
        {grant != null && <span data-testid='action-grant-status'>{grant}</span>}
      </p>
      <p>
        jsParams <input data-testid='action-params' size={90} value={params} onChange={(e) => { setParams(e.target.value) }} />
      </p>
      <p>
        <select data-testid='action-runners' value={runners} onChange={(e) => { setRunners(e.target.value as typeof runners) }}>
          <option value='signers'>run on the signers (2t+1)</option>
          <option value='all'>run on every online node</option>
        </select>{' '}
        <button data-testid='action-run' disabled={run.kind === 'running'} onClick={() => { void execute(false) }}>Run {uploaded != null ? 'by CID' : 'inline'}</button>{' '}
        {run.kind === 'running' && <span data-testid='action-phase'>{run.phase}…</span>}
      </p>
      {run.kind === 'done' && <RunView state={run} pkp={pkp} seq={runs} />}
      {run.kind === 'failed' && (
        <div data-testid='action-error' data-code={run.code} data-seq={runs}>
          <p className='error'>{run.error}</p>
          <FaultList faults={run.faults} />
        </div>
      )}
    </section>
  )
}

function RunView ({ state, pkp, seq }: { state: Extract<RunState, { kind: 'done' }>, pkp: PkpSummary | null, seq: number }): React.JSX.Element {
  const { result } = state
  return (
    <div data-testid='action-result' data-seq={seq}>
      <p>
        response <code data-testid='action-response'>{result.responseRaw ?? '(none)'}</code> · {formatMs(state.ms)}
        {result.disagreements.length > 0 && <b className='error' data-testid='action-disagreement'> {result.disagreements.length} disagreeing group(s)</b>}
      </p>
      <table>
        <thead><tr><th>node</th><th>outcome</th><th>code from</th><th>run</th><th>logs</th></tr></thead>
        <tbody>
          {result.nodes.map((n) => (
            <tr key={n.nodeId} data-testid='action-node' data-node={n.nodeId} data-outcome={n.outcome.kind === 'ok' ? 'ok' : (n.outcome.code ?? 'error')} data-source={n.codeSource}>
              <td><code title={n.nodeId}>{shortId(n.nodeId)}</code></td>
              <td>{n.outcome.kind === 'ok' ? 'ok' : `${n.outcome.code ?? ''} ${n.outcome.limit ?? ''} ${n.outcome.message ?? ''}`}</td>
              <td>{n.codeSource}</td>
              <td>{formatMs(n.runMs)}</td>
              <td><pre className='wrap'>{n.logs}</pre></td>
            </tr>
          ))}
        </tbody>
      </table>
      {Object.values(result.signatures).map((sig) => <SignatureRow key={sig.sigName} sig={sig} recovered={state.recovered[sig.sigName]} pkp={pkp} />)}
      <FaultList faults={result.faults} />
    </div>
  )
}

function SignatureRow ({ sig, recovered, pkp }: { sig: ActionSignature, recovered: string | undefined, pkp: PkpSummary | null }): React.JSX.Element {
  const ok = recovered !== undefined && pkp != null && isAddressEqual(recovered as Hex, pkp.ethAddress as Hex)
  return (
    <p data-testid='action-signature' data-signame={sig.sigName} data-ok={ok} data-signature={sig.signature} data-hash={sig.dataSigned}>
      <b>{sig.sigName}</b> <code className='wrap'>{sig.signature}</code> recovered <code data-testid='action-recovered'>{recovered}</code>{' '}
      {ok ? <b className='ok'>✓ the PKP's address</b> : <b className='error'>✗</b>}
    </p>
  )
}
