import { useEffect, useState } from 'react'
import { hashMessage, hexToBytes, isAddressEqual, recoverAddress, type Hex } from 'viem'
import type { DashboardClient, PkpSignature, PkpSummary, ShareFault } from './client-api.js'
import { describeError, formatMs, shortId } from './format.js'
import type { LatencyLog } from './latency-log.js'
import { faultsOf } from './faults.js'
import { FaultList } from './FaultList.js'

type SignState =
  | { kind: 'idle' }
  | { kind: 'signing', seq: number }
  | { kind: 'signed', seq: number, message: string, hash: Hex, sig: PkpSignature, recovered: string, ms: number }
  | { kind: 'failed', seq: number, error: string, code: string, faults: ShareFault[] }

/**
 * Sign a text with the selected PKP as an Ethereum personal message: the PKP
 * signs keccak256 of the EIP-191 message (viem hashMessage), and the page
 * recovers the signer's address from the signature to check it is the PKP's.
 */
export function SignPanel ({ client, pkp, latency }: { client: DashboardClient, pkp: PkpSummary | null, latency: LatencyLog }): React.JSX.Element {
  const [message, setMessage] = useState('Hello from a PKP')
  const [state, setState] = useState<SignState>({ kind: 'idle' })
  const [seq, setSeq] = useState(0)

  const sign = async (): Promise<void> => {
    if (pkp == null) return
    const mySeq = seq + 1
    setSeq(mySeq)
    setState({ kind: 'signing', seq: mySeq })
    const hash = hashMessage(message)
    const started = performance.now()
    try {
      const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign: hexToBytes(hash), signal: AbortSignal.timeout(30_000) })
      const ms = performance.now() - started
      latency.record(ms, true)
      const recovered = await recoverAddress({ hash, signature: sig.signature })
      setState({ kind: 'signed', seq: mySeq, message, hash, sig, recovered, ms })
    } catch (err) {
      latency.record(performance.now() - started, false, describeError(err))
      const code = (err as { code?: unknown } | null)?.code
      setState({ kind: 'failed', seq: mySeq, error: describeError(err), code: typeof code === 'string' ? code : '', faults: faultsOf(err) })
    }
  }

  return (
    <section className='panel'>
      <h2>Sign a message</h2>
      <p>
        <input data-testid='sign-input' size={40} value={message} onChange={e => { setMessage(e.target.value) }} />{' '}
        <button data-testid='sign-button' disabled={pkp == null || state.kind === 'signing'} onClick={() => { void sign() }}>Sign with PKP</button>
        {pkp == null && <span className='muted'> (mint or select a PKP first)</span>}
        {state.kind === 'signing' && ' signing…'}
      </p>
      {state.kind === 'signed' && <SignatureView state={state} pkp={pkp} />}
      {state.kind === 'failed' && (
        <div data-testid='sign-error' data-seq={state.seq} data-code={state.code}>
          <p className='error'>{state.error}</p>
          <FaultList faults={state.faults} />
        </div>
      )}
    </section>
  )
}

function SignatureView ({ state, pkp }: { state: Extract<SignState, { kind: 'signed' }>, pkp: PkpSummary | null }): React.JSX.Element {
  const { sig, recovered } = state
  const expected = pkp?.ethAddress
  const ok = expected != null && isAddressEqual(recovered as Hex, expected as Hex)
  // Shares that came after the signature was combined are checked as they arrive; bad ones are named here too.
  const [late, setLate] = useState<ShareFault[] | null>(null)
  useEffect(() => {
    let live = true
    setLate(null)
    void sig.lateFaults.then((faults) => { if (live) setLate(faults) })
    return () => { live = false }
  }, [sig])
  return (
    <div data-testid='sign-result' data-seq={state.seq} data-ok={ok} data-audited={late !== null}>
      <table>
        <tbody>
          <tr><th>message</th><td data-testid='sig-message'>{state.message}</td></tr>
          <tr><th>hash (EIP-191)</th><td><code data-testid='sig-hash'>{state.hash}</code></td></tr>
          <tr><th>r</th><td><code data-testid='sig-r'>{sig.r}</code></td></tr>
          <tr><th>s</th><td><code data-testid='sig-s'>{sig.s}</code></td></tr>
          <tr><th>recid</th><td><code data-testid='sig-recid'>{sig.recid}</code></td></tr>
          <tr><th>signature</th><td><code data-testid='sig-signature' className='wrap'>{sig.signature}</code></td></tr>
          <tr>
            <th>recovered</th>
            <td>
              <code data-testid='sig-recovered'>{recovered}</code>{' '}
              {ok ? <b className='ok' data-testid='sig-verified'>✓ the PKP's address</b> : <b className='error' data-testid='sig-mismatch'>✗ not {expected}</b>}
            </td>
          </tr>
          <tr><th>signers</th><td data-testid='sig-signers' data-signers={sig.signers.join(',')}>{sig.signers.map(s => <code key={s} className='member' title={s}>{shortId(s)}</code>)}</td></tr>
          <tr><th>latency</th><td data-testid='sig-latency'>{formatMs(state.ms)} (client) · {formatMs(sig.latencyMs)} (SDK)</td></tr>
        </tbody>
      </table>
      <FaultList faults={[...sig.faults, ...(late ?? [])]} />
      {late === null && <p className='muted' data-testid='sig-auditing'>checking the shares still arriving…</p>}
    </div>
  )
}
