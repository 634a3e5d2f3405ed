import { useRef, useState } from 'react'
import { anyone, callerIs, currentActionIs, type AccessControlConditions } from '../../node-core/src/browser.js'
import type { DashboardClient, EncryptResponse, ShareFault } from './client-api.js'
import { describeError, formatMs, shortHex } from './format.js'
import { faultsOf } from './faults.js'
import { FaultList } from './FaultList.js'

type Who = 'me' | 'anyone' | 'action'

interface Sealed extends EncryptResponse {
  conditions: AccessControlConditions
  who: Who
  /** Counts encryptions, so a test can tell this ciphertext from the last. */
  seq: number
}

type DecryptState =
  | { kind: 'idle' }
  | { kind: 'decrypting' }
  | { kind: 'decrypted', text: string, ms: number, faults: ShareFault[] }
  | { kind: 'failed', error: string, faults: ShareFault[] }

/**
 * Encrypt a text to the network key under "caller is my address", "anyone" or
 * "only a run of Lit Action <CID>" (local, no node involved), then ask the key
 * holders to decrypt it; for an action, the jsParams its decryptAndCombine needs.
 */
export function EncryptPanel ({ client, address }: { client: DashboardClient, address: string }): React.JSX.Element {
  const [text, setText] = useState('a secret for the network')
  const [who, setWho] = useState<Who>('me')
  const [actionId, setActionId] = useState('')
  const [sealed, setSealed] = useState<Sealed | null>(null)
  const [encryptError, setEncryptError] = useState<string | null>(null)
  const [dec, setDec] = useState<DecryptState>({ kind: 'idle' })
  const encryptions = useRef(0)

  const encrypt = async (): Promise<void> => {
    setEncryptError(null)
    setDec({ kind: 'idle' })
    try {
      const conditions = who === 'me' ? [callerIs(address)] : who === 'action' ? [currentActionIs(actionId.trim())] : [anyone]
      const res = await client.encrypt({ accessControlConditions: conditions, dataToEncrypt: text })
      setSealed({ ...res, conditions, who, seq: ++encryptions.current })
    } catch (err) {
      setSealed(null)
      setEncryptError(describeError(err))
    }
  }

  const decrypt = async (): Promise<void> => {
    if (sealed == null) return
    setDec({ kind: 'decrypting' })
    const started = performance.now()
    try {
      const res = await client.decrypt({
        accessControlConditions: sealed.conditions,
        ciphertext: sealed.ciphertext,
        dataToEncryptHash: sealed.dataToEncryptHash,
        signal: AbortSignal.timeout(30_000)
      })
      setDec({ kind: 'decrypted', text: new TextDecoder().decode(res.decryptedData), ms: performance.now() - started, faults: res.faults })
    } catch (err) {
      setDec({ kind: 'failed', error: describeError(err), faults: faultsOf(err) })
    }
  }

  return (
    <section className='panel'>
      <h2>Encrypt and decrypt</h2>
      <p>
        <input data-testid='encrypt-input' size={40} value={text} onChange={e => { setText(e.target.value) }} />
        <br />
        <label><input type='radio' name='who' data-testid='cond-me' checked={who === 'me'} onChange={() => { setWho('me') }} /> caller is my address</label>{' '}
        <label><input type='radio' name='who' data-testid='cond-anyone' checked={who === 'anyone'} onChange={() => { setWho('anyone') }} /> anyone</label>{' '}
        <label><input type='radio' name='who' data-testid='cond-action' checked={who === 'action'} onChange={() => { setWho('action') }} /> only a run of Lit Action</label>{' '}
        <input data-testid='cond-action-cid' size={48} placeholder='Qm…' value={actionId} onChange={e => { setActionId(e.target.value) }} />{' '}
        <button data-testid='encrypt-button' onClick={() => { void encrypt() }}>Encrypt</button>
      </p>
      {encryptError != null && <p className='error' data-testid='encrypt-error'>{encryptError}</p>}
      {sealed != null && (
        <div data-testid='ciphertext' data-who={sealed.who} data-hash={sealed.dataToEncryptHash} data-seq={sealed.seq}>
          <p>
            ciphertext <code title={sealed.ciphertext}>{shortHex(sealed.ciphertext, 16)}</code> ({sealed.ciphertext.length} base64 chars)
            <br />data hash <code>{sealed.dataToEncryptHash}</code> · {sealed.who === 'me' ? <>only <code>{address}</code> may decrypt</> : sealed.who === 'action' ? 'only a run of that action may decrypt' : 'anyone may decrypt'}
          </p>
          {sealed.who === 'action' && (
            <p>
              jsParams for the action&apos;s <code>decryptAndCombine</code>:<br />
              <textarea data-testid='action-decrypt-params' readOnly rows={3} cols={90} value={JSON.stringify({ accessControlConditions: sealed.conditions, ciphertext: sealed.ciphertext, dataToEncryptHash: sealed.dataToEncryptHash })} />
            </p>
          )}
          <p><button data-testid='decrypt-button' disabled={dec.kind === 'decrypting'} onClick={() => { void decrypt() }}>Decrypt</button>{dec.kind === 'decrypting' && ' decrypting…'}</p>
        </div>
      )}
      {dec.kind === 'decrypted' && (
        <div data-testid='decrypt-result'>
          <p>decrypted <b data-testid='decrypted-text'>{dec.text}</b> <span className='muted'>in {formatMs(dec.ms)}</span></p>
          <FaultList faults={dec.faults} />
        </div>
      )}
      {dec.kind === 'failed' && (
        <div data-testid='decrypt-error'><p className='error'>{dec.error}</p><FaultList faults={dec.faults} /></div>
      )}
    </section>
  )
}
