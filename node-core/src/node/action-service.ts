/**
 * Lit Actions, the node half (docs/actions.md §1.5, §5, §7): `action/put`
 * stores code under its CID; `action/execute` resolves the code (inline, local
 * store, or peers), runs it once per request in the sandbox with the node's
 * host API, and — only if the run ended well — makes a signature share for each
 * signing call whose binding names this node as a signer (§5.4). Nothing an
 * action does throws out of the handler: a failed or stopped run is a normal
 * answer carrying its outcome and logs (§2.8).
 */
import { BadRequestError, NotFoundError, RpcError, UnauthorizedError, UnavailableError } from '../net/rpc/errors.js'
import { ActionCodeLimitError, ERR_ACTION_LIMIT } from '../actions/errors.js'
import type { ActionCodeStore } from '../actions/code-store.js'
import { actionCid, parseActionCid } from '../actions/cid.js'
import { DEFAULT_ACTION_LIMITS, type ActionLimits } from '../actions/limits.js'
import type { RunResult } from '../actions/sandbox/quickjs-runner.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { fromBase64 } from '../base64.js'
import { decodeIbeCiphertext, type IbeCiphertext } from '../crypto/bls/index.js'
import type { StoredNetworkKey } from '../store/node-store.js'
import { actionConditionOf, canonicalConditions, parseAccessControlConditions } from './access-conditions.js'
import { ActionDecryptShares } from './action-decrypt.js'
import { ActionCallError, ActionRunHost, type ActionDecryptArgs, type ActionRefusal } from './action-host.js'
import { ActionRequests, decryptKey, type RequestInfo } from './action-requests.js'
import { actionPermittedOn, assertMayUsePkp, callerAddress } from './caller-auth.js'
import { isSortedDistinct, serve, type NodeContext } from './context.js'
import { detailMs } from './op-status.js'
import { toRpcError } from './errors.js'
import { neverAnswer } from './faults.js'
import { describeError, short } from './log.js'
import { ActionBind, ActionExecute, ActionPut, type ActionExecuteAnswer, type ActionExecuteRequest, type AuthSig, type BinderBinding } from './rpc-definitions.js'
import type { PresignPool } from './presign-pool.js'
import type { PkpRecord } from '../store/node-store.js'
import type { SignService } from './sign-service.js'

/** What the service needs of a sandbox (actions/sandbox/sandbox-pool.ts SandboxPool in a tab). */
export interface ActionSandbox {
  run(
    input: { code: string, jsParams: unknown, auth: { actionIpfsIds: string[], authSigAddress?: string }, limits: ActionLimits },
    host: { call(method: string, args: unknown): Promise<unknown> },
    options: { signal?: AbortSignal }
  ): Promise<RunResult>
}

export interface ActionServiceInit {
  codeStore: ActionCodeStore
  sandbox: ActionSandbox
  limits?: Partial<ActionLimits>
  /** Origins an action's fetch may reach (actions.md §3.7). */
  fetchAllow?: readonly string[]
  /** Decrypt for a run with the request's auth (a node-side client); absent: decryptAndCombine is refused. */
  decrypt?: (args: ActionDecryptArgs, auth: AuthSig, signal: AbortSignal) => Promise<string>
  /** Picks presignatures when this node is a request's binder (§5.3); absent: it binds none. */
  binderPool?: Pick<PresignPool, 'leaseAmong'>
  /** The network key (for decryptions under an action condition, §3.6); absent: those are refused. */
  networkKey?: () => StoredNetworkKey | undefined
  /**
   * Marks a request in progress and returns its release: the presignature pool holds its
   * background runs meanwhile, as for pkpSign, so a run and its shares do not queue behind
   * presign work on the shared cores (bench: refills during runs tripled executeJs p50).
   */
  beginForeground?: () => () => void
}

/** A request refused before it runs because a part of it is over a limit (actions.md §2.8 "refused"). */
export class ActionLimitRpcError extends RpcError {
  constructor (readonly limit: string, readonly max: number, readonly used: number) {
    super(`${limit} of ${used} bytes is over the limit of ${max}`, ERR_ACTION_LIMIT)
  }
}

/** How long a runner waits for its request's binder (which may run one presign first). */
const BIND_TIMEOUT_MS = 30_000

/** Decoded code kept in memory: entries and total characters. */
const HOT_CODE_ENTRIES = 32
const HOT_CODE_CHARS = 4 * 1024 * 1024

type SignatureEntry = ActionExecuteAnswer['signatures'][number]

export class ActionService {
  private readonly limits: ActionLimits
  /** Requests run here: each once, and what their runs asked to decrypt (§3.6). */
  private readonly requests: ActionRequests
  private readonly decryptShares: ActionDecryptShares | undefined
  /** Recently run code by CIDv1, least recently used first. */
  private readonly hotCode = new Map<string, string>()

  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'store' | 'ops' | 'auth' | 'registry' | 'faults' | 'log' | 'clock' | 'changed'>,
    private readonly signer: Pick<SignService, 'shareFor'>,
    private readonly init: ActionServiceInit
  ) {
    this.limits = { ...DEFAULT_ACTION_LIMITS, ...init.limits }
    this.requests = new ActionRequests(ctx.clock)
    this.decryptShares = init.networkKey === undefined ? undefined : new ActionDecryptShares(ctx, this.requests, init.networkKey)
  }

  async start (): Promise<void> {
    await this.init.codeStore.start()
    await serve(this.ctx, ActionPut, async (req) => await this.put(req.code, req.ipfsId))
    await serve(this.ctx, ActionExecute, async (req, hctx) => {
      if (this.ctx.faults.silent === true) return await neverAnswer(hctx.signal)
      return await this.execute(req, hctx.remotePeer, hctx.signal)
    })
    await this.decryptShares?.start()
    await serve(this.ctx, ActionBind, async (req, hctx) => {
      if (this.ctx.faults.silent === true) return await neverAnswer(hctx.signal)
      return await this.bind(req, hctx.remotePeer, hctx.signal)
    })
  }

  async stop (): Promise<void> {
    await this.ctx.rpc.unhandle(ActionPut)
    await this.ctx.rpc.unhandle(ActionExecute)
    await this.ctx.rpc.unhandle(ActionBind)
    await this.decryptShares?.stop()
    await this.init.codeStore.stop()
  }

  private async put (code: string, ipfsId: string): Promise<{ ipfsId: string, cidV1: string, bytes: number }> {
    const bytes = new TextEncoder().encode(code).length
    if (bytes > this.limits.codeBytes) throw new ActionCodeLimitError('bytes', this.limits.codeBytes, bytes)
    return await this.init.codeStore.put(code, ipfsId)
  }

  private async execute (req: ActionExecuteRequest, peer: string, signal: AbortSignal): Promise<ActionExecuteAnswer> {
    const release = this.init.beginForeground?.()
    try {
      return await this.executeChecked(req, peer, signal)
    } finally {
      release?.()
    }
  }

  private async executeChecked (req: ActionExecuteRequest, peer: string, signal: AbortSignal): Promise<ActionExecuteAnswer> {
    const caller = await callerAddress(this.ctx.auth, req.auth)
    this.checkShape(req)
    this.requests.admit(req.requestId)
    try {
      return await this.run(req, caller, peer, signal)
    } finally {
      this.requests.ended(req.requestId)
    }
  }

  private async run (req: ActionExecuteRequest, caller: string, peer: string, signal: AbortSignal): Promise<ActionExecuteAnswer> {
    const op = this.ctx.ops.begin(req.requestId.slice(0, 32), 'action', peer)
    const t0 = performance.now()
    try {
      op.setPhase('fetching-code')
      const { code, ipfsId, cidV1, source } = await this.resolveCode(req, signal)
      const jsParams = parseJsParams(req.jsParams)
      op.setPhase('running', ipfsId)
      const info: RequestInfo = { caller, ipfsId, runners: req.runners }
      this.requests.started(req.requestId, info)
      const host = new ActionRunHost({
        registry: this.ctx.registry,
        store: this.ctx.store,
        caller,
        actionCid: ipfsId,
        fetchAllow: this.init.fetchAllow ?? [],
        decrypt: async (args: ActionDecryptArgs, s: AbortSignal) => await this.decryptForRun(req, info, args, s),
        signal
      })
      const runStarted = performance.now()
      const result = await this.init.sandbox.run(
        { code: asAsyncBody(code), jsParams, auth: { actionIpfsIds: [ipfsId], authSigAddress: caller }, limits: this.limits },
        host, { signal })
      const ranFor = performance.now() - runStarted
      const refusals: ActionRefusal[] = [...host.refusals]
      const signatures: SignatureEntry[] = []
      // A failed or stopped run releases nothing and consumes nothing (§5.4).
      const t2 = performance.now()
      if (result.outcome.kind === 'ok') {
        op.setPhase('signing')
        for (const call of [...host.calls].sort((a, b) => (a.sigName < b.sigName ? -1 : 1))) {
          const entry = await this.signCall(req, call, refusals)
          if (entry !== undefined) signatures.push(entry)
        }
      }
      // Where a request's time goes (node page, op/status): code, run (queue + sandbox), shares.
      op.done(`${short(ipfsId)} ${result.outcome.kind}${result.outcome.code !== undefined ? ` ${result.outcome.code}` : ''} code ${detailMs(runStarted - t0)} run ${detailMs(ranFor)} sign ${detailMs(performance.now() - t2)} ms`)
      this.ctx.changed()
      return {
        ipfsId,
        cidV1,
        outcome: trimOutcome(result.outcome),
        logs: result.logs.slice(0, 64 * 1024),
        signatures,
        refusals: refusals.slice(0, 10),
        stats: {
          codeSource: source,
          queueMs: Math.max(0, Math.round(ranFor - result.stats.runMs)),
          runMs: Math.round(result.stats.runMs),
          ...(result.stats.memPeakBytes !== undefined ? { memPeakBytes: Math.round(result.stats.memPeakBytes) } : {})
        }
      }
    } catch (err) {
      op.fail(describeError(err))
      throw err
    }
  }

  /** Request checks before anything runs (actions.md §7). */
  private checkShape (req: ActionExecuteRequest): void {
    if ((req.ipfsId === undefined) === (req.code === undefined)) throw new BadRequestError('exactly one of ipfsId and code')
    if (!isSortedDistinct(req.runners)) throw new BadRequestError('runners must be sorted and distinct')
    if (!req.runners.includes(this.ctx.rpc.self)) throw new BadRequestError('this node is not among the runners')
    const names = req.bindings.map((b) => b.sigName)
    if (new Set(names).size !== names.length) throw new BadRequestError('two bindings for one sigName')
    const codeBytes = req.code === undefined ? 0 : new TextEncoder().encode(req.code).length
    if (codeBytes > this.limits.codeBytes) throw new ActionCodeLimitError('bytes', this.limits.codeBytes, codeBytes)
    const paramBytes = req.jsParams === undefined ? 0 : new TextEncoder().encode(req.jsParams).length
    if (paramBytes > this.limits.jsParamsBytes) throw new ActionLimitRpcError('jsParams', this.limits.jsParamsBytes, paramBytes)
  }

  /**
   * decryptAndCombine in a run (§3.6): under an action condition the key holders among
   * the runners are asked (action-decrypt.ts), after the call is recorded so that they
   * can see this node's run asked for it; otherwise the node decrypts as a client with
   * the request's own auth.
   */
  private async decryptForRun (req: ActionExecuteRequest, info: RequestInfo, args: ActionDecryptArgs, signal: AbortSignal): Promise<string> {
    let conditions
    try {
      conditions = parseAccessControlConditions(args.accessControlConditions)
    } catch (err) {
      throw new ActionCallError('TypeError', `accessControlConditions: ${describeError(err)}`)
    }
    if (actionConditionOf(conditions) === undefined) {
      if (this.init.decrypt === undefined) throw new ActionCallError('UnavailableError', 'decryptAndCombine is not available on this node')
      return await this.init.decrypt(args, req.auth, signal)
    }
    if (this.decryptShares === undefined) throw new ActionCallError('UnavailableError', 'decryptAndCombine under an action condition is not available on this node')
    const dataHash = args.dataToEncryptHash.replace(/^0x/, '').toLowerCase()
    if (!/^[0-9a-f]{64}$/.test(dataHash)) throw new ActionCallError('TypeError', 'dataToEncryptHash must be 32 bytes of hex')
    let ciphertext: IbeCiphertext
    try {
      ciphertext = decodeIbeCiphertext(fromBase64(args.ciphertext))
    } catch (err) {
      throw new ActionCallError('TypeError', `ciphertext: ${describeError(err)}`)
    }
    this.requests.recordDecrypt(req.requestId, decryptKey(canonicalConditions(conditions), dataHash))
    const plaintext = await this.decryptShares.decryptInRun(req.requestId, info, { conditions, ciphertext, dataHash }, signal)
    if (bytesToHex(sha256(plaintext)) !== dataHash) throw new ActionCallError('DecryptError', 'the plaintext does not match dataToEncryptHash')
    return new TextDecoder().decode(plaintext)
  }

  private async resolveCode (req: ActionExecuteRequest, signal: AbortSignal): Promise<{ code: string, ipfsId: string, cidV1: string, source: 'cache' | 'peer' | 'inline' }> {
    if (req.code !== undefined) {
      const cid = await actionCid(req.code)
      // Inline code is kept like uploaded code (§1.4), so a later run by ipfsId finds it.
      await this.init.codeStore.put(req.code, cid.ipfsId).catch(() => {})
      return { code: req.code, ipfsId: cid.ipfsId, cidV1: cid.cidV1, source: 'inline' }
    }
    const cid = parseActionCid(req.ipfsId)
    const cidV1 = cid.toV1().toString()
    // Code is immutable under its CID: the last few are kept decoded, off IndexedDB.
    const hot = this.hotCode.get(cidV1)
    if (hot !== undefined) {
      this.hotCode.delete(cidV1)
      this.hotCode.set(cidV1, hot)
      return { code: hot, ipfsId: req.ipfsId!, cidV1, source: 'cache' }
    }
    const got = await this.init.codeStore.get(req.ipfsId!, { signal, timeoutMs: this.limits.codeFetchMs })
    this.hotCode.set(cidV1, got.code)
    let total = 0
    for (const c of this.hotCode.values()) total += c.length
    for (const [key, c] of this.hotCode) {
      if (this.hotCode.size <= HOT_CODE_ENTRIES && total <= HOT_CODE_CHARS) break
      this.hotCode.delete(key)
      total -= c.length
    }
    return { code: got.code, ipfsId: req.ipfsId!, cidV1, source: got.source }
  }

  /** The binding of the request's binder, the first of sorted(runners ∩ committee) (§5.3); this node's own when it is the binder. */
  private async askBinder (req: ActionExecuteRequest, sigName: string, record: PkpRecord): Promise<BinderBinding> {
    const committee = new Set(record.committee)
    const binder = [...req.runners].sort().find((p) => committee.has(p))
    if (binder === undefined) throw new UnavailableError('no runner is in the PKP\'s committee')
    if (binder === this.ctx.rpc.self) return await this.bind({ requestId: req.requestId, sigName, tokenId: record.tokenId }, binder)
    return await this.ctx.rpc.request(ActionBind, binder, { requestId: req.requestId, sigName, tokenId: record.tokenId }, { timeoutMs: BIND_TIMEOUT_MS })
  }

  /**
   * As the binder (§5.3): for a runner of a request this node runs, one presignature of the
   * PKP among the runners, the same answer to every asker. The caller must be allowed to sign
   * with the PKP (or the action permitted on it); each signer still checks every call itself.
   */
  private async bind (req: { requestId: string, sigName: string, tokenId: string }, asker: string, signal?: AbortSignal): Promise<BinderBinding> {
    const info = await this.requests.info(req.requestId, signal)
    if (!info.runners.includes(asker)) throw new UnauthorizedError('the asking node is not a runner of this request')
    const pool = this.init.binderPool
    if (pool === undefined) throw new UnavailableError('this node does not bind presignatures')
    const binding = await this.requests.bindingFor(req.requestId, req.sigName, async () => {
      const record = await this.ctx.store.getPkp(req.tokenId)
      if (record === undefined) throw new NotFoundError('unknown PKP')
      if (!actionPermittedOn(this.ctx.registry, req.tokenId, info.ipfsId)) assertMayUsePkp(info.caller, record, this.ctx)
      const entry = await pool.leaseAmong(record, new Set(info.runners), `action ${req.requestId.slice(0, 16)}`)
      if (entry === undefined) throw new UnavailableError('fewer than 2t+1 of the PKP\'s committee run this request')
      return {
        tokenId: req.tokenId,
        presignatureId: entry.id,
        signers: [...entry.participants].sort((a, b) => a - b),
        signerPeers: [...entry.participants].sort((a, b) => a - b).map((id) => record.committee[id - 1]),
        entropy: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
        presignature: bytesToHex(entry.publicBytes)
      }
    })
    if (binding.tokenId !== req.tokenId) throw new BadRequestError(`sigName ${req.sigName} is bound to another PKP in this request`)
    const { tokenId: _, ...answer } = binding
    return answer
  }

  /** The share for one recorded call, if this node signs its binding (§5.2, §5.4); refusals otherwise. */
  private async signCall (
    req: ActionExecuteRequest, call: ActionRunHost['calls'][number], refusals: ActionRefusal[]
  ): Promise<SignatureEntry | undefined> {
    const record = await this.ctx.store.getPkp(call.tokenId)
    let binding: { presignatureId: string, signers: number[], entropy: string } | undefined = req.bindings.find((b) => b.sigName === call.sigName && b.tokenId === call.tokenId)
    let bound: BinderBinding | undefined
    if (binding === undefined) {
      // Not bound by the client: the request's binder picks one for every runner (§5.3).
      try {
        if (record === undefined) throw new UnavailableError('this node holds no share of the PKP, so it cannot tell its binder')
        binding = bound = await this.askBinder(req, call.sigName, record)
      } catch (err) {
        refusals.push({ sigName: call.sigName, code: 'ERR_NO_BINDING', reason: `no presignature was bound to sigName ${call.sigName} for this PKP: ${describeError(err)}`.slice(0, 1000) })
        return undefined
      }
    }
    const entry: SignatureEntry = {
      sigName: call.sigName,
      tokenId: call.tokenId,
      presignatureId: binding.presignatureId,
      dataSigned: call.hash,
      kind: call.kind,
      ...(call.message !== undefined ? { message: call.message } : {}),
      ...(bound !== undefined ? { bound } : {})
    }
    const me = record === undefined ? 0 : record.committee.indexOf(this.ctx.rpc.self) + 1
    if (record === undefined || !binding.signers.includes(me)) return entry
    try {
      const { share } = await this.signer.shareFor(record, {
        tokenId: call.tokenId, presignatureId: binding.presignatureId, messageHash: call.hash, signers: binding.signers, entropy: binding.entropy
      })
      return { ...entry, share }
    } catch (err) {
      const e = toRpcError(err)
      refusals.push({ sigName: call.sigName, code: e.code, reason: e.message.slice(0, 1000) })
      return entry
    }
  }
}

/**
 * The code runs as the body of an async function, as Lit's runtime does, so an
 * action may `await` at its top level; the function's promise is what the run
 * waits for (actions.md §3.9).
 */
export function asAsyncBody (code: string): string {
  return `(async () => {\n${code}\n})()`
}

function parseJsParams (text: string | undefined): unknown {
  if (text === undefined) return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new BadRequestError('jsParams is not JSON')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('jsParams must be a JSON object')
  return value
}

function trimOutcome (o: RunResult['outcome']): ActionExecuteAnswer['outcome'] {
  if (o.kind === 'ok') return o.response === undefined ? { kind: 'ok' } : { kind: 'ok', response: o.response }
  return {
    kind: 'error',
    code: o.code,
    message: o.message.slice(0, 1000),
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
    ...(o.used !== undefined ? { used: Math.round(o.used) } : {}),
    ...(o.max !== undefined ? { max: Math.round(o.max) } : {})
  }
}
