import { useEffect, useRef, useState } from 'react'
import type { DashboardClient, PkpRegistryEntry, PkpSummary, RegistryHistoryEntry, RegistryOperationResult, ShareFault } from './client-api.js'
import { describeError, formatMs, shortHex, shortId } from './format.js'
import { faultsOf } from './faults.js'
import { FaultList } from './FaultList.js'
import { usePolled } from './use-polled.js'

const POLL_MS = 2_000
const OP_TIMEOUT_MS = 30_000

type Scope = 'sign-anything' | 'personal-sign'
type Kind = RegistryOperationResult['kind']

/** One change the panel asks the SDK for. */
type Change =
  | { kind: 'transfer', to: string }
  | { kind: 'addPermittedAddress' | 'removePermittedAddress', address: string }
  | { kind: 'addPermittedAction', cid: string, scope: Scope }
  | { kind: 'removePermittedAction', cid: string }
  | { kind: 'mint' }

type OpState =
  | { kind: 'idle' }
  | { kind: 'running', seq: number, change: Change }
  | { kind: 'done', seq: number, change: Change, nonce: number, submittedTo: number, faults: ShareFault[], ms: number }
  | { kind: 'failed', seq: number, change: Change, error: string, code: string, faults: ShareFault[] }

/** A known account's name for an address (the wallet's local accounts). */
export interface NamedAddress { name: string, address: string }

/**
 * The selected PKP in the registry (docs/registry.md): its owner, who may sign
 * right now, the certified history with each certificate's countersignatures,
 * and forms for the changes its owner can make. Every change goes through the
 * client SDK, signed by the wallet's selected account; a refusal is shown as the
 * SDK's typed error.
 */
export function PkpRegistryPanel ({ client, pkp, address, accounts }: {
  client: DashboardClient
  pkp: PkpSummary | null
  /** The wallet's selected account. */
  address: string
  accounts: readonly NamedAddress[]
}): React.JSX.Element {
  const read = usePolled(async (signal) => pkp == null
    ? null
    : { tokenId: pkp.tokenId, entry: await client.getPkpRegistryEntry({ pubKey: pkp.publicKey, signal }) }, POLL_MS)
  const [op, setOp] = useState<OpState>({ kind: 'idle' })
  const seq = useRef(0)
  const { refresh } = read
  // A new PKP or account: read at once (the pending operation is the account's own).
  useEffect(() => { refresh() }, [pkp?.tokenId, address, refresh])

  const nameOf = (a: string): string | undefined => accounts.find(x => x.address.toLowerCase() === a.toLowerCase())?.name
  /** An address, or the name of one of the wallet's accounts. */
  const resolve = (input: string): string => accounts.find(x => x.name === input.trim())?.address ?? input.trim()

  const run = async (change: Change): Promise<void> => {
    if (pkp == null) return
    const mySeq = ++seq.current
    setOp({ kind: 'running', seq: mySeq, change })
    const started = performance.now()
    const base = { pubKey: pkp.publicKey, signal: AbortSignal.timeout(OP_TIMEOUT_MS) }
    try {
      const res = change.kind === 'transfer'
        ? await client.transferPkp({ ...base, to: change.to })
        : change.kind === 'addPermittedAddress'
          ? await client.addPermittedAddress({ ...base, address: change.address })
          : change.kind === 'removePermittedAddress'
            ? await client.removePermittedAddress({ ...base, address: change.address })
            : change.kind === 'addPermittedAction'
              ? await client.addPermittedAction({ ...base, cid: change.cid, scope: change.scope })
              : change.kind === 'removePermittedAction'
                ? await client.removePermittedAction({ ...base, cid: change.cid })
                : await client.certifyMint(base) as RegistryOperationResult
      setOp({ kind: 'done', seq: mySeq, change, nonce: res.nonce, submittedTo: res.submittedTo.length, faults: res.faults, ms: performance.now() - started })
    } catch (err) {
      const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : ''
      setOp({ kind: 'failed', seq: mySeq, change, error: describeError(err), code, faults: faultsOf(err) })
    }
    refresh()
  }

  const loaded = pkp != null && read.value != null && read.value.tokenId === pkp.tokenId
  const entry = loaded ? read.value?.entry : undefined
  return (
    <section className='panel' data-testid='registry-panel' data-token-id={pkp?.tokenId ?? ''}>
      <h2>Registry: owner and permissions</h2>
      {pkp == null && <p className='muted'>Mint or select a PKP first.</p>}
      {pkp != null && !loaded && read.error == null && <p>Reading the registry…</p>}
      {read.error != null && <p className='error' data-testid='registry-read-error'>{read.error}</p>}
      {pkp != null && loaded && entry === undefined && (
        <p data-testid='registry-unregistered'>
          No certified mint: the registry has no entry for this PKP, so only its minter <code>{pkp.minter}</code>
          {nameOf(pkp.minter) != null && ` (${nameOf(pkp.minter)!})`} may sign with it.{' '}
          <button data-testid='registry-certify' disabled={op.kind === 'running'} onClick={() => { void run({ kind: 'mint' }) }}>Certify the mint</button>
          <span className='muted'> (only the minter can)</span>
        </p>
      )}
      {pkp != null && entry != null && (
        <>
          <EntryView
            entry={entry} address={address} nameOf={nameOf} onRemoveAddress={(a) => { void run({ kind: 'removePermittedAddress', address: a }) }}
            onRemoveAction={(cid) => { void run({ kind: 'removePermittedAction', cid }) }} busy={op.kind === 'running'}
          />
          <ChangeForms busy={op.kind === 'running'} accounts={accounts} resolve={resolve} run={(c) => { void run(c) }} />
        </>
      )}
      <OpView op={op} />
      {entry != null && <HistoryView entry={entry} nameOf={nameOf} />}
    </section>
  )
}

function Who ({ address, nameOf }: { address: string, nameOf: (a: string) => string | undefined }): React.JSX.Element {
  const name = nameOf(address)
  return <><code>{address}</code>{name != null && <b> ({name})</b>}</>
}

function EntryView ({ entry, address, nameOf, onRemoveAddress, onRemoveAction, busy }: {
  entry: PkpRegistryEntry
  address: string
  nameOf: (a: string) => string | undefined
  onRemoveAddress: (address: string) => void
  onRemoveAction: (cid: string) => void
  busy: boolean
}): React.JSX.Element {
  const me = address.toLowerCase()
  const role = entry.owner.toLowerCase() === me ? 'owner' : entry.permittedAddresses.some(a => a.toLowerCase() === me) ? 'permitted' : 'none'
  return (
    <>
      <table>
        <tbody>
          <tr><th>owner</th><td data-testid='registry-owner' data-address={entry.owner}><Who address={entry.owner} nameOf={nameOf} /></td></tr>
          <tr>
            <th>you</th>
            <td data-testid='registry-role' data-role={role}>
              {role === 'owner' ? 'the owner: you may sign and change it' : role === 'permitted' ? 'a permitted address: you may sign' : 'neither owner nor permitted: nodes refuse your signing requests'}
            </td>
          </tr>
          <tr><th>committee</th><td>{entry.committee.length} members; a change needs <span data-testid='registry-quorum'>{entry.quorum}</span> countersignatures</td></tr>
          <tr><th>operations</th><td data-testid='registry-nonce' data-nonce={entry.nonce}>{entry.nonce} certified (the next is #{entry.nonce})</td></tr>
        </tbody>
      </table>
      <h3>Who may sign right now</h3>
      <ul data-testid='registry-signers'>
        <li data-testid='registry-signer' data-kind='owner' data-address={entry.owner}>owner <Who address={entry.owner} nameOf={nameOf} /></li>
        {entry.permittedAddresses.map(a => (
          <li key={a} data-testid='registry-signer' data-kind='address' data-address={a}>
            permitted address <Who address={a} nameOf={nameOf} />{' '}
            <button data-testid='registry-remove-address' disabled={busy} onClick={() => { onRemoveAddress(a) }}>Revoke</button>
          </li>
        ))}
        {entry.permittedActions.map(a => (
          <li key={a.cid} data-testid='registry-signer' data-kind='action' data-cid={a.cid} data-scope={a.scope}>
            Lit Action <code>{a.cid}</code> ({a.scope === 'personal-sign' ? 'EIP-191 personal messages only' : 'anything'}){' '}
            <button data-testid='registry-remove-action' disabled={busy} onClick={() => { onRemoveAction(a.cid) }}>Revoke</button>
          </li>
        ))}
      </ul>
      {entry.permittedActions.length > 0 && <p className='muted'>Action permissions are recorded now and used once Lit Actions run.</p>}
      {entry.pending != null && (
        <p className='error' data-testid='registry-pending' data-nonce={entry.pending.nonce} data-kind={entry.pending.kind}>
          Your {entry.pending.kind} signed for #{entry.pending.nonce} is not certified yet: repeat that same change (another one for #{entry.pending.nonce} is refused, so the members' votes are never split).
        </p>
      )}
    </>
  )
}

function ChangeForms ({ busy, accounts, resolve, run }: {
  busy: boolean
  accounts: readonly NamedAddress[]
  resolve: (input: string) => string
  run: (change: Change) => void
}): React.JSX.Element {
  const [permit, setPermit] = useState('')
  const [to, setTo] = useState('')
  const [cid, setCid] = useState('')
  const [scope, setScope] = useState<Scope>('sign-anything')
  return (
    <div data-testid='registry-forms'>
      <datalist id='registry-accounts'>
        {accounts.map(a => <option key={a.address} value={a.address}>{a.name}</option>)}
      </datalist>
      <p>
        <input
          data-testid='registry-address-input' list='registry-accounts' size={44} placeholder='0x… address or account name'
          value={permit} onChange={e => { setPermit(e.target.value) }}
        />{' '}
        <button
          data-testid='registry-add-address' disabled={busy || permit.trim() === ''}
          onClick={() => { run({ kind: 'addPermittedAddress', address: resolve(permit) }) }}
        >Permit address
        </button>
      </p>
      <p>
        <input data-testid='registry-cid-input' size={44} placeholder='Lit Action IPFS CID (Qm… or bafy…)' value={cid} onChange={e => { setCid(e.target.value) }} />{' '}
        <select data-testid='registry-scope-select' value={scope} onChange={e => { setScope(e.target.value as Scope) }}>
          <option value='sign-anything'>sign anything</option>
          <option value='personal-sign'>personal messages only</option>
        </select>{' '}
        <button
          data-testid='registry-add-action' disabled={busy || cid.trim() === ''}
          onClick={() => { run({ kind: 'addPermittedAction', cid: cid.trim(), scope }) }}
        >Permit action
        </button>
      </p>
      <p>
        <input
          data-testid='registry-transfer-input' list='registry-accounts' size={44} placeholder='new owner: 0x… address or account name'
          value={to} onChange={e => { setTo(e.target.value) }}
        />{' '}
        <button
          data-testid='registry-transfer' disabled={busy || to.trim() === ''}
          onClick={() => { run({ kind: 'transfer', to: resolve(to) }) }}
        >Transfer
        </button>
      </p>
    </div>
  )
}

const LABEL: Record<Kind, string> = {
  mint: 'mint',
  transfer: 'transfer',
  addPermittedAddress: 'permit address',
  removePermittedAddress: 'revoke address',
  addPermittedAction: 'permit action',
  removePermittedAction: 'revoke action'
}

function OpView ({ op }: { op: OpState }): React.JSX.Element | null {
  if (op.kind === 'idle') return null
  const label = LABEL[op.change.kind]
  if (op.kind === 'running') return <p data-testid='registry-op-running' data-seq={op.seq}>{label}: signing, collecting countersignatures…</p>
  if (op.kind === 'done') {
    return (
      <div data-testid='registry-op-result' data-seq={op.seq} data-kind={op.change.kind} data-nonce={op.nonce}>
        <p className='ok'>✓ {label} certified as operation #{op.nonce} in {formatMs(op.ms)}; {op.submittedTo} nodes took the certificate</p>
        <FaultList faults={op.faults} />
      </div>
    )
  }
  return (
    <div data-testid='registry-op-error' data-seq={op.seq} data-kind={op.change.kind} data-code={op.code}>
      <p className='error'>{label} refused: {op.error}</p>
      <FaultList faults={op.faults} />
    </div>
  )
}

function describeArgs (h: RegistryHistoryEntry, nameOf: (a: string) => string | undefined): string {
  const named = (a: unknown): string => typeof a === 'string' ? `${shortHex(a, 4)}${nameOf(a) != null ? ` (${nameOf(a)!})` : ''}` : ''
  switch (h.kind) {
    case 'mint': return `committee of ${Array.isArray(h.args.committee) ? h.args.committee.length : '?'}`
    case 'transfer': return `to ${named(h.args.to)}`
    case 'addPermittedAddress':
    case 'removePermittedAddress': return named(h.args.address)
    case 'addPermittedAction': return `${String(h.args.cid)} (${String(h.args.scope)})`
    case 'removePermittedAction': return String(h.args.cid)
  }
}

function HistoryView ({ entry, nameOf }: { entry: PkpRegistryEntry, nameOf: (a: string) => string | undefined }): React.JSX.Element {
  return (
    <>
      <h3>History (certified operations)</h3>
      <table data-testid='registry-history'>
        <thead><tr><th>#</th><th>operation</th><th>details</th><th>signed by</th><th>issued</th><th>certificate</th></tr></thead>
        <tbody>
          {[...entry.history].reverse().map(h => (
            <tr
              key={h.nonce} data-testid='registry-history-row' data-nonce={h.nonce} data-kind={h.kind} data-signer={h.signer}
              data-countersigs={h.countersigners.length} data-quorum={h.quorum} title={h.opHash}
            >
              <td>{h.nonce}</td>
              <td>{LABEL[h.kind]}</td>
              <td>{describeArgs(h, nameOf)}</td>
              <td><code title={h.signer}>{shortHex(h.signer, 4)}</code>{nameOf(h.signer) != null && ` (${nameOf(h.signer)!})`}</td>
              <td>{new Date(h.issuedAt).toLocaleTimeString()}</td>
              <td title={h.countersigners.join('\n')}>
                <span className={h.countersigners.length >= h.quorum ? 'ok' : 'error'}>
                  {h.countersigners.length >= h.quorum ? '✓ ' : '✗ '}certified by {h.countersigners.length} of {entry.committee.length} members (quorum {h.quorum})
                </span>{' '}
                {h.countersigners.map(m => <code key={m} className='member'>{shortId(m)}</code>)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
