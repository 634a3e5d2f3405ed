/**
 * executeJs, the client half (docs/actions.md §5, §6): bind a presignature to
 * each expected sigName, send one request to every runner, group the runners'
 * outcomes (a strict majority decides; every other group is reported, never
 * dropped), and per sigName combine the signers' shares for the hash they
 * agree on, naming signers that signed something else or nothing.
 *
 * The LitClient gives this module what it needs through {@link ExecuteJsHost}
 * (leases, signer choice, requests), so the combining rules here are the same
 * code paths pkpSign uses (signatureShareCollector).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { actionCid, parseActionCid } from '../actions/cid.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { decodePresignaturePublic, signingNonce, type PresignaturePublic, type SigningNonce } from '../crypto/ecdsa/index.js'
import type { ParticipantId } from '../crypto/shares.js'
import { InvalidArgumentError, LitError } from '../errors.js'
import type { RpcDefinition } from '../net/rpc/index.js'
import { ActionExecute, ActionPut, type ActionBinding, type ActionExecuteAnswer, type AuthSig } from '../node/rpc-definitions.js'
import {
  ActionFailedError, ActionLimitError, ActionNotFoundError, MissingSignatureError, ResponseDisagreementError, SignatureDisagreementError,
  type AnswerGroup
} from './action-errors.js'
import { AbortedError, aggregateFailure, FaultCode, NotEnoughNodesError, throwIfAborted, TimeoutError, toNodeFault, UnauthorizedError, type NodeFault } from './errors.js'
import { signatureShareCollector } from './share-collector.js'
import type { PkpSignature, ShareFault } from './types.js'

/** What the client hands executeJs (lit-client.ts). */
export interface ExecuteJsHost {
  now: () => number
  onlineNodes: () => string[]
  auth: () => Promise<AuthSig>
  request: <Req, Res>(definition: RpcDefinition<Req, Res>, peer: string, body: Req, options: { signal?: AbortSignal, timeoutMs: number }) => Promise<Res>
  /**
   * A leased presignature of the PKP named by `pubKey`, with the signer set to use and
   * fresh entropy (pkpSign's choice); leased for `actionCid` (a caller who is not the
   * PKP's owner may lease for an action permitted on it).
   */
  bind: (pubKey: string, actionCid: string, deadlineAt: number, signal?: AbortSignal) => Promise<PreparedBinding>
  /** Nodes whose shares were bad: left out of later signer sets. */
  suspect: (nodes: readonly string[]) => void
}

export interface PreparedBinding {
  tokenIdHex: string
  publicKey: string
  committee: readonly string[]
  presignature: PresignaturePublic
  presignatureId: string
  signers: ParticipantId[]
  entropy: Uint8Array
}

export type ExecuteJsPhase = 'cid' | 'binding' | 'sent' | 'node-answered' | 'combining' | 'done'

export interface ExecuteJsProgress {
  phase: ExecuteJsPhase
  nodeId?: string
  ms?: number
  outcome?: string
  sigName?: string
}

export interface ExecuteJsRequest {
  /** The action's CID (Qm… or its bafy… form); exactly one of ipfsId and code. */
  ipfsId?: string
  code?: string
  /** Parameters, visible to the action as `jsParams` and as globals; Uint8Arrays travel as arrays of numbers. */
  jsParams?: Record<string, unknown>
  /**
   * The signatures the action will make: sigName → PKP public key. Default: the
   * jsParams keys `sigName` + `publicKey` (Lit's examples), else what the last run
   * of this CID signed.
   */
  sigNames?: Record<string, string>
  /**
   * Who runs the action (docs/actions.md §5.1): 'signers' (default) = the signers of
   * the bindings, or every online node when nothing is bound; 'all' = every online
   * node, as Lit runs it. The signers are 2t+1 nodes, so with at most t faulty they
   * hold an honest majority for the response, and a signature needs every one of them
   * anyway: more runners add CPU on every node, not safety or liveness.
   */
  runners?: 'all' | 'signers'
  agreement?: 'majority' | 'unanimous'
  /** Throw MissingSignatureError when an expected sigName has no signature (default: leave it out, named in faults). */
  requireSignatures?: boolean
  /** Default: the nodes' wall-time limit (30 s) + 15 s. */
  timeoutMs?: number
  signal?: AbortSignal
  onProgress?: (p: ExecuteJsProgress) => void
}

/** A combined signature, as pkpSign returns it (r, s, recid, signature, publicKey, dataSigned, signers), named by sigName. */
export interface ActionSignature extends Pick<PkpSignature, 'r' | 's' | 'recid' | 'signature' | 'publicKey' | 'dataSigned' | 'signers'> {
  sigName: string
  sigType: 'K256'
  kind: 'ecdsa' | 'personal'
  /** The personal message signed (kind 'personal'), 0x hex. */
  message?: string
}

export interface ActionNodeAnswer {
  nodeId: string
  outcome: ActionExecuteAnswer['outcome']
  logs: string
  codeSource: 'cache' | 'peer' | 'inline'
  runMs: number
  ms: number
  refusals: ActionExecuteAnswer['refusals']
}

export interface ActionFault extends ShareFault {
  kind: 'no-answer' | 'node-error' | 'response-disagreement' | 'unauthorized' | 'signature-disagreement' | 'missing-share' | 'bad-share' | 'no-binding'
  sigName?: string
}

export interface ExecuteJsResult {
  ipfsId: string
  cidV1: string
  /** JSON.parse of the agreed response when it parses, else the string (as Lit). */
  response: unknown
  responseRaw?: string
  /** Logs of the first node of the agreed group. */
  logs: string
  signatures: Record<string, ActionSignature>
  nodes: ActionNodeAnswer[]
  disagreements: AnswerGroup[]
  faults: ActionFault[]
  /** Answers that came after the result: their disagreements, faults and the answers themselves. */
  late: Promise<{ disagreements: AnswerGroup[], faults: ActionFault[], nodes: ActionNodeAnswer[] }>
  latencyMs: number
}

export const DEFAULT_ACTION_WALL_MS = 30_000
const TIMEOUT_MARGIN_MS = 15_000

/** Per CID, the sigNames (→ public key) its last run signed: the third source of bindings (§5.2). */
export type SigNameMemory = Map<string, Record<string, string>>

export async function executeJs (host: ExecuteJsHost, req: ExecuteJsRequest, memory: SigNameMemory): Promise<ExecuteJsResult> {
  const started = host.now()
  const { signal } = req
  // No progress after the call has settled: answers that come later must not look like a run still going.
  let settled = false
  const progress = (p: ExecuteJsProgress): void => {
    if (settled) return
    try { req.onProgress?.(p) } catch { /* the caller's problem */ }
  }
  if ((req.ipfsId === undefined) === (req.code === undefined)) throw new InvalidArgumentError('ipfsId', 'give exactly one of ipfsId and code')
  const jsParamsText = encodeJsParams(req.jsParams ?? {})
  throwIfAborted(signal, 'executeJs')
  progress({ phase: 'cid' })
  const cid = req.code !== undefined ? await actionCid(req.code) : cidOf(req.ipfsId!)
  const deadlineAt = started + (req.timeoutMs ?? DEFAULT_ACTION_WALL_MS + TIMEOUT_MARGIN_MS)

  progress({ phase: 'binding' })
  const wanted = expectedSigNames(req, memory.get(cid.cidV1))
  const prepared = new Map<string, PreparedBinding>()
  for (const [sigName, pubKey] of Object.entries(wanted)) {
    try {
      prepared.set(sigName, await host.bind(pubKey, cid.ipfsId, deadlineAt, signal))
    } catch (err) {
      // Refused a presignature: neither the caller nor this action may sign with the PKP.
      if (err instanceof UnauthorizedError) throw new UnauthorizedError(`sigName ${sigName}: ${err.reason}`, err.node)
      throw err
    }
  }
  const bindings: ActionBinding[] = [...prepared].map(([sigName, b]) => ({
    sigName, tokenId: b.tokenIdHex, presignatureId: b.presignatureId, signers: b.signers, entropy: bytesToHex(b.entropy)
  }))

  const runners = chooseRunners(req.runners ?? 'signers', host.onlineNodes(), prepared)
  if (runners.length === 0) throw new NotEnoughNodesError(1, 0, 'online nodes')
  const auth = await host.auth()
  const body = {
    requestId: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
    ...(req.code !== undefined ? { code: req.code } : { ipfsId: req.ipfsId! }),
    jsParams: jsParamsText,
    auth,
    runners,
    bindings
  }
  const answers = new Map<string, { answer: ActionExecuteAnswer, ms: number } | { error: unknown }>()
  // R′ = δ·R of each (sigName, hash) the first answers name, computed while the other runners are still at work.
  const nonces = new Map<string, SigningNonce>()
  const foresee = (answer: ActionExecuteAnswer): void => {
    for (const entry of answer.signatures) {
      const b = prepared.get(entry.sigName)
      const key = nonceKey(entry.sigName, entry.dataSigned)
      if (b === undefined || entry.tokenId !== b.tokenIdHex || nonces.has(key) || !/^[0-9a-f]{64}$/.test(entry.dataSigned)) continue
      try {
        nonces.set(key, signingNonce(b.presignature, { messageHash: hexToBytes(entry.dataSigned), signers: b.signers, entropy: b.entropy }))
      } catch {
        // combineFor meets the same error and reports it
      }
    }
  }
  let wake: (() => void) | undefined
  const allIn = new Promise<void>((resolve) => {
    for (const node of runners) {
      const sentAt = host.now()
      host.request(ActionExecute, node, body, { signal, timeoutMs: Math.max(1, deadlineAt - host.now()) }).then(
        (answer) => {
          answers.set(node, { answer, ms: host.now() - sentAt })
          if (answers.size < runners.length) foresee(answer)
          progress({ phase: 'node-answered', nodeId: node, ms: host.now() - sentAt, outcome: answer.outcome.kind === 'ok' ? 'ok' : answer.outcome.code })
        },
        (error: unknown) => { answers.set(node, { error }) }
      ).finally(() => {
        wake?.()
        if (answers.size === runners.length) resolve()
      })
    }
  })
  progress({ phase: 'sent' })

  // Wait until a majority agrees and every binding's signers have answered, or all runners have.
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(new AbortedError('executeJs', { cause: signal?.reason })) }
    signal?.addEventListener('abort', onAbort, { once: true })
    const finish = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      wake = undefined
      resolve()
    }
    // The requests carry the same deadline; this holds even if a transport failed to enforce it.
    const timer = setTimeout(finish, Math.max(0, deadlineAt - host.now()))
    const check = (): void => {
      if (answers.size === runners.length || decided(runners, answers, prepared)) finish()
    }
    wake = check
    check()
  })
  const seen = new Set(answers.keys())
  settled = true
  const unanswered = runners.filter((node) => !seen.has(node))

  const groups = groupOutcomes(answers)
  const majority = groups.find((g) => g.nodes.length * 2 > runners.length)
  const faults: ActionFault[] = []
  for (const [node, a] of answers) {
    if ('error' in a) faults.push({ node, kind: 'node-error', ...faultOf(node, a.error) })
  }
  if (majority === undefined) {
    if (seen.size === 0) throw new TimeoutError('executeJs', unanswered.map((node) => ({ node, reason: 'no answer before the deadline' })))
    throw failureWithoutMajority(cid.ipfsId, runners, answers, groups)
  }
  const disagreements = groups.filter((g) => g !== majority).map((g) => ({ value: g.value, nodes: g.nodes }))
  for (const g of disagreements) for (const node of g.nodes) faults.push({ node, kind: 'response-disagreement', reason: `answered ${g.value.slice(0, 120)}` })
  if (req.agreement === 'unanimous' && (disagreements.length > 0 || faults.length > 0)) {
    throw new ResponseDisagreementError(groups.map((g) => ({ value: g.value, nodes: g.nodes })))
  }
  const first = okAnswer(answers.get(majority.nodes[0]))!
  const nodes = nodeAnswers(answers)
  if (first.outcome.kind === 'error') {
    const err = outcomeError(first, majority.nodes)
    if (err instanceof ActionLimitError || err instanceof ActionFailedError) err.answers = nodes
    throw err
  }

  // Signatures (§5.6): the client's bindings and the binder's (§5.3).
  const signatures: Record<string, ActionSignature> = {}
  const allBindings = new Map([...prepared, ...binderBindings(first, prepared, faults)])
  for (const [sigName, b] of allBindings) {
    try { req.onProgress?.({ phase: 'combining', sigName }) } catch { /* the caller's problem */ }
    const sig = combineFor(sigName, b, answers, faults, deadlineAt, host, nonces)
    if (sig !== undefined) signatures[sigName] = sig
    else if (req.requireSignatures === true) throw new MissingSignatureError(sigName, faults.filter((f) => f.sigName === sigName).map((f) => f.reason).join('; ') || 'no shares')
  }
  // sigNames the majority signed without a binding, and refusals the action may have swallowed (§4.4).
  for (const refusal of first.refusals) {
    if (signatures[refusal.sigName] !== undefined) continue
    faults.push({ node: majority.nodes[0], kind: refusal.code === 'ERR_NO_BINDING' ? 'no-binding' : refusal.code === 'ERR_UNAUTHORIZED' ? 'unauthorized' : 'missing-share', sigName: refusal.sigName, code: refusal.code, reason: refusal.reason })
  }
  rememberSigNames(memory, cid.cidV1, first, allBindings)

  const late = allIn.then(() => {
    const lateGroups = groupOutcomes(new Map([...answers].filter(([n]) => !seen.has(n))))
    const lateFaults: ActionFault[] = []
    const lateDisagreements: AnswerGroup[] = []
    for (const [node, a] of answers) {
      if (seen.has(node)) continue
      if ('error' in a) lateFaults.push({ node, kind: 'node-error', ...faultOf(node, a.error) })
    }
    for (const g of lateGroups) if (g.value !== majority.value) lateDisagreements.push({ value: g.value, nodes: g.nodes })
    return { disagreements: lateDisagreements, faults: lateFaults, nodes: nodeAnswers(new Map([...answers].filter(([n]) => !seen.has(n)))) }
  })
  const raw = first.outcome.response
  try { req.onProgress?.({ phase: 'done' }) } catch { /* the caller's problem */ }
  return {
    ipfsId: cid.ipfsId,
    cidV1: cid.cidV1,
    response: parseResponse(raw),
    ...(raw !== undefined ? { responseRaw: raw } : {}),
    logs: first.logs,
    signatures,
    nodes,
    disagreements,
    faults,
    late,
    latencyMs: host.now() - started
  }
}

export interface UploadedAction {
  ipfsId: string
  cidV1: string
  bytes: number
  /** Nodes that stored it (the others fetch it from them when they run it). */
  storedOn: string[]
  faults: ShareFault[]
}

/** Store code on the network (§1.5): CID computed here, `action/put` to `to` (default every online node). */
export async function uploadAction (
  host: Pick<ExecuteJsHost, 'onlineNodes' | 'request' | 'now'>, code: string, options: { to?: readonly string[], signal?: AbortSignal, timeoutMs?: number } = {}
): Promise<UploadedAction> {
  const cid = await actionCid(code)
  const targets = options.to ?? host.onlineNodes()
  if (targets.length === 0) throw new NotEnoughNodesError(1, 0, 'online nodes')
  const storedOn: string[] = []
  const faults: NodeFault[] = []
  await Promise.all(targets.map(async (node) => {
    try {
      const res = await host.request(ActionPut, node, { ipfsId: cid.ipfsId, code }, { signal: options.signal, timeoutMs: options.timeoutMs ?? 10_000 })
      if (res.ipfsId !== cid.ipfsId) throw new LitError(`node stored it as ${res.ipfsId}`, FaultCode.BadShare)
      storedOn.push(node)
    } catch (err) {
      faults.push(toNodeFault(node, err))
    }
  }))
  if (storedOn.length === 0) throw aggregateFailure('uploadAction', 1, 0, faults)
  return { ...cid, storedOn: storedOn.sort(), faults: faults.map(({ node, reason, code }) => ({ node, reason, code })) }
}

function cidOf (ipfsId: string): { ipfsId: string, cidV1: string } {
  let cid
  try {
    cid = parseActionCid(ipfsId)
  } catch (err) {
    throw new InvalidArgumentError('ipfsId', err instanceof Error ? err.message : 'not a CID')
  }
  return { ipfsId, cidV1: cid.toV1().toString() }
}

function encodeJsParams (params: Record<string, unknown>): string {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new InvalidArgumentError('jsParams', 'must be an object')
  try {
    return JSON.stringify(params, (_k, v: unknown) => v instanceof Uint8Array ? Array.from(v) : typeof v === 'bigint' ? v.toString() : v)
  } catch (err) {
    throw new InvalidArgumentError('jsParams', err instanceof Error ? err.message : 'not serialisable')
  }
}

function chooseRunners (which: 'all' | 'signers', online: readonly string[], prepared: ReadonlyMap<string, PreparedBinding>): string[] {
  if (which !== 'all' && which !== 'signers') throw new InvalidArgumentError('runners', "must be 'all' or 'signers'")
  if (which === 'signers' && prepared.size > 0) {
    const signers = new Set<string>()
    for (const b of prepared.values()) for (const id of b.signers) signers.add(b.committee[id - 1])
    return [...signers].sort()
  }
  return [...online].sort()
}

function expectedSigNames (req: ExecuteJsRequest, remembered: Record<string, string> | undefined): Record<string, string> {
  if (req.sigNames !== undefined) return req.sigNames
  const p = req.jsParams ?? {}
  if (typeof p.sigName === 'string' && typeof p.publicKey === 'string') return { [p.sigName]: p.publicKey }
  return remembered ?? {}
}

function rememberSigNames (memory: SigNameMemory, cidV1: string, answer: ActionExecuteAnswer, prepared: ReadonlyMap<string, PreparedBinding>): void {
  const names: Record<string, string> = {}
  for (const s of answer.signatures) {
    const b = prepared.get(s.sigName)
    if (b !== undefined) names[s.sigName] = b.publicKey
  }
  // Unbound calls tell which sigNames the action uses, but not their keys: only bound ones are remembered.
  if (Object.keys(names).length > 0) memory.set(cidV1, names)
}

type Answers = ReadonlyMap<string, { answer: ActionExecuteAnswer, ms: number } | { error: unknown }>

function okAnswer (a: ({ answer: ActionExecuteAnswer } | { error: unknown }) | undefined): ActionExecuteAnswer | undefined {
  return a !== undefined && 'answer' in a ? a.answer : undefined
}

/** The byte-exact grouping key of an answer (§5.5). */
function outcomeKey (a: ActionExecuteAnswer): string {
  const o = a.outcome
  return o.kind === 'ok'
    ? JSON.stringify(['ok', a.ipfsId, o.response ?? null])
    : JSON.stringify(['error', a.ipfsId, o.code, o.limit ?? null])
}

function groupOutcomes (answers: Answers): Array<AnswerGroup & { key: string }> {
  const groups = new Map<string, string[]>()
  for (const [node, a] of answers) {
    if (!('answer' in a)) continue
    const key = outcomeKey(a.answer)
    groups.set(key, [...(groups.get(key) ?? []), node])
  }
  return [...groups].map(([key, nodes]) => ({ key, value: describeKey(key), nodes: nodes.sort() })).sort((x, y) => y.nodes.length - x.nodes.length)
}

function describeKey (key: string): string {
  const [kind, , a, b] = JSON.parse(key) as [string, string, string | null, string | null]
  return kind === 'ok' ? (a ?? '(no response)') : `${a ?? 'error'}${b !== null ? ` (${b})` : ''}`
}

/**
 * Enough to answer: a strict majority agrees, and every binding's signers have all answered
 * (§6.2 step 5) — the client's bindings, and the binder's ones (§5.3) named in the answers so far.
 */
function decided (runners: readonly string[], answers: Answers, prepared: ReadonlyMap<string, PreparedBinding>): boolean {
  const groups = groupOutcomes(answers)
  if (groups[0] === undefined || groups[0].nodes.length * 2 <= runners.length) return false
  for (const b of prepared.values()) {
    for (const id of b.signers) if (!answers.has(b.committee[id - 1])) return false
  }
  for (const a of answers.values()) {
    if (!('answer' in a)) continue
    for (const sig of a.answer.signatures) {
      if (sig.bound === undefined || prepared.has(sig.sigName)) continue
      // Only runners can answer: a binder naming others must not hold the result until the deadline.
      if (!sig.bound.signerPeers.every((peer) => answers.has(peer) || !runners.includes(peer))) return false
    }
  }
  return true
}

/**
 * sigNames the client did not bind, bound by the request's binder (§5.3): the binding the
 * majority's first answer reports, checked (the presignature is for the key named by the
 * token id) and shaped like the client's own bindings so the same combining code serves.
 */
function binderBindings (first: ActionExecuteAnswer, prepared: ReadonlyMap<string, PreparedBinding>, faults: ActionFault[]): Map<string, PreparedBinding> {
  const out = new Map<string, PreparedBinding>()
  for (const sig of first.signatures) {
    const bound = sig.bound
    if (bound === undefined || prepared.has(sig.sigName)) continue
    try {
      const presignature = decodePresignaturePublic(hexToBytes(bound.presignature))
      const publicKey = presignature.publicKey.toBytes(false)
      if (bytesToHex(keccak_256(publicKey)) !== sig.tokenId) throw new Error('the presignature is for another key')
      if (bound.signers.length !== bound.signerPeers.length || bound.signers.length !== presignature.participants.length) throw new Error('signers do not match the presignature')
      const committee: string[] = []
      bound.signers.forEach((id, i) => { committee[id - 1] = bound.signerPeers[i] })
      out.set(sig.sigName, {
        tokenIdHex: sig.tokenId,
        publicKey: `0x${bytesToHex(publicKey)}`,
        committee,
        presignature,
        presignatureId: bound.presignatureId,
        signers: bound.signers,
        entropy: hexToBytes(bound.entropy)
      })
    } catch (err) {
      faults.push({ node: '', kind: 'missing-share', sigName: sig.sigName, reason: `the binder's binding is unusable: ${err instanceof Error ? err.message : String(err)}` })
    }
  }
  return out
}

function nonceKey (sigName: string, hash: string): string {
  return `${sigName}\n${hash}`
}

function combineFor (
  sigName: string, b: PreparedBinding, answers: Answers, faults: ActionFault[], deadlineAt: number, host: ExecuteJsHost,
  nonces: ReadonlyMap<string, SigningNonce> = new Map()
): ActionSignature | undefined {
  const signerNodes = new Map<string, ParticipantId>(b.signers.map((id) => [b.committee[id - 1], id] as const))
  // Per hash, the signers that reported it (with or without a share).
  const byHash = new Map<string, Array<{ node: string, entry: ActionExecuteAnswer['signatures'][number] }>>()
  for (const node of signerNodes.keys()) {
    const entry = okAnswer(answers.get(node))?.signatures.find((s) => s.sigName === sigName && s.tokenId === b.tokenIdHex)
    if (entry === undefined) continue
    byHash.set(entry.dataSigned, [...(byHash.get(entry.dataSigned) ?? []), { node, entry }])
  }
  const ranked = [...byHash].sort((x, y) => y[1].length - x[1].length)
  if (ranked.length === 0) {
    faults.push({ node: '', kind: 'missing-share', sigName, reason: 'no signer of the binding signed it' })
    return undefined
  }
  const [hash, group] = ranked[0]
  for (const [other, nodes] of ranked.slice(1)) {
    for (const { node } of nodes) faults.push({ node, kind: 'signature-disagreement', sigName, reason: `signed ${other.slice(0, 16)}… instead of ${hash.slice(0, 16)}…` })
  }
  const collector = signatureShareCollector({
    presignature: b.presignature,
    request: { messageHash: hexToBytes(hash), signers: b.signers, entropy: b.entropy },
    signers: signerNodes,
    deadlineAt: host.now(),
    settleMs: 0,
    ...(nonces.has(nonceKey(sigName, hash)) ? { nonce: nonces.get(nonceKey(sigName, hash))! } : {})
  })
  const inGroup = new Set(group.map((g) => g.node))
  for (const { node, entry } of group) {
    if (entry.share !== undefined) collector.addShare(node, hexToBytes(entry.share), host.now())
    else collector.addFailure(node, new LitError('answered without a share', FaultCode.NoAnswer))
  }
  for (const node of signerNodes.keys()) {
    if (inGroup.has(node)) continue
    const a = answers.get(node)
    const reason = a === undefined ? 'no answer' : 'error' in a ? faultOf(node, a.error).reason : 'signed another hash or nothing'
    collector.addFailure(node, new LitError(reason, FaultCode.NoAnswer))
    if (a !== undefined && 'answer' in a && !a.answer.signatures.some((s) => s.sigName === sigName)) {
      faults.push({ node, kind: 'missing-share', sigName, reason: a.answer.refusals.find((r) => r.sigName === sigName)?.reason ?? 'no share' })
    }
  }
  try {
    const step = collector.step(Math.max(host.now(), deadlineAt))
    if (step.kind !== 'done') return undefined
    const bad = step.faults.filter((f) => f.code === FaultCode.BadShare).map((f) => f.node)
    host.suspect(bad)
    for (const node of bad) faults.push({ node, kind: 'bad-share', sigName, code: FaultCode.BadShare, reason: 'share failed verification' })
    const sig = step.result.signature
    const entry = group[0].entry
    return {
      sigName,
      r: `0x${sig.r.toString(16).padStart(64, '0')}`,
      s: `0x${sig.s.toString(16).padStart(64, '0')}`,
      recid: sig.recoveryId,
      signature: sig.signature,
      publicKey: b.publicKey,
      dataSigned: `0x${hash}`,
      sigType: 'K256',
      kind: entry.kind,
      ...(entry.message !== undefined ? { message: `0x${entry.message}` } : {}),
      signers: step.used
    }
  } catch (err) {
    // Too few good shares: the ones that failed verification are named (and avoided next time).
    const bad = ((err as { faults?: ShareFault[] }).faults ?? []).filter((f) => f.code === FaultCode.BadShare).map((f) => f.node)
    host.suspect(bad)
    for (const node of bad) faults.push({ node, kind: 'bad-share', sigName, code: FaultCode.BadShare, reason: 'share failed verification' })
    if (ranked.length > 1) {
      const groups = ranked.map(([h, nodes]) => ({ value: h, nodes: nodes.map((n) => n.node).sort() }))
      faults.push({ node: '', kind: 'signature-disagreement', sigName, reason: new SignatureDisagreementError(sigName, groups).message })
    } else {
      faults.push({ node: '', kind: 'missing-share', sigName, reason: err instanceof Error ? err.message : 'combining failed' })
    }
    return undefined
  }
}

/** No strict majority of answers: a typed error for what the runners said (most failed the same way, or they disagree). */
function failureWithoutMajority (ipfsId: string, runners: readonly string[], answers: Answers, groups: AnswerGroup[]): LitError {
  const errors = [...answers].filter((e): e is [string, { error: unknown }] => 'error' in e[1])
  const byCode = new Map<string, Array<[string, unknown]>>()
  for (const [node, e] of errors) {
    const code = (e.error as { code?: string }).code ?? 'ERR_UNKNOWN'
    byCode.set(code, [...(byCode.get(code) ?? []), [node, e.error]])
  }
  const common = [...byCode].find(([, list]) => list.length * 2 > runners.length || (groups.length === 0 && list.length === errors.length))
  if (common !== undefined) {
    const [code, list] = common
    if (code === 'ERR_ACTION_NOT_FOUND') return new ActionNotFoundError(ipfsId)
    if (code === 'ERR_ACTION_LIMIT') return new ActionLimitError('size', undefined, list.map(([n]) => n), (list[0][1] as Error).message)
    if (code === 'ERR_UNAUTHORIZED') return new UnauthorizedError((list[0][1] as Error).message, list[0][0])
  }
  if (groups.length === 0) return aggregateFailure('executeJs', Math.floor(runners.length / 2) + 1, 0, errors.map(([node, e]) => toNodeFault(node, e.error)))
  return new ResponseDisagreementError(groups.map((g) => ({ value: g.value, nodes: g.nodes })))
}

function outcomeError (answer: ActionExecuteAnswer, nodes: string[]): LitError {
  const o = answer.outcome
  const refused = answer.refusals.find((r) => r.code === 'ERR_UNAUTHORIZED')
  // The action did not catch the refusal of its signing call (§4.4): that is the error the caller needs.
  if (refused !== undefined) return new UnauthorizedError(`sigName ${refused.sigName}: ${refused.reason}`)
  if (o.code === 'ERR_ACTION_LIMIT') return new ActionLimitError(o.limit ?? 'unknown', o.max, nodes, o.message ?? '')
  return new ActionFailedError(o.message ?? o.code ?? 'failed', nodes)
}

function nodeAnswers (answers: Answers): ActionNodeAnswer[] {
  return [...answers].flatMap(([nodeId, a]) => 'error' in a
    ? []
    : [{ nodeId, outcome: a.answer.outcome, logs: a.answer.logs, codeSource: a.answer.stats.codeSource, runMs: a.answer.stats.runMs, ms: a.ms, refusals: a.answer.refusals }])
}

function faultOf (node: string, err: unknown): { reason: string, code?: string } {
  const f = toNodeFault(node, err)
  return { reason: f.reason, code: f.code }
}

function parseResponse (raw: string | undefined): unknown {
  if (raw === undefined) return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}
