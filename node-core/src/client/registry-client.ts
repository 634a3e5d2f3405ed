/**
 * The client half of the PKP registry (spec: docs/registry.md §13, §15.6):
 * certify a new PKP's mint, transfer it, grant and revoke permissions, read
 * them. For each operation the client
 *
 * 1. reads the PKP's certified history from a member and verifies it itself
 *    (catchUp over the certificates: no member is trusted for the owner or the
 *    nonce), then checks locally that its account is the owner and that the
 *    change applies;
 * 2. signs the operation (EIP-712) with its account for the next nonce;
 * 3. asks every online member to countersign (`registry/countersign`), pushes
 *    the certificates a member lacks when it answers ERR_REGISTRY_NEEDS_CATCH_UP,
 *    checks each countersignature (verifyCountersignature) and stops at a quorum;
 * 4. builds the certificate and submits it to every online node (`registry/submit`).
 *
 * A signed operation is kept until it is certified; a later call for another
 * change at the same nonce is refused (PendingOperationError) until the same
 * call has been repeated and went through, so that this client never splits
 * the members' votes (registry.md §7, lock-up). Repeating the same change
 * resends the same signed bytes.
 */
import type { Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { InvalidArgumentError, LitError } from '../errors.js'
import { RemoteError } from '../net/rpc/errors.js'
import type { RpcDefinition } from '../net/rpc/definition.js'
import {
  NotOwnerError, applyCertified, buildCertificate, catchUp, checkTransition, parseOperation, quorumSize, signOperation, unsigned, verifyCertificate,
  verifyCountersignature, type ActionScope, type Certificate, type Committee, type Countersignature, type MemberKeys, type Operation,
  type SignedOperation, type TokenState
} from '../registry/index.js'
import { peerIdMemberKeys } from '../node/registry-keys.js'
import { REGISTRY_EPOCH } from '../node/registry-service.js'
import {
  MAX_CERTIFICATES_PER_ANSWER, RegistryCertificates, RegistryCountersign, RegistryStateRequest, RegistrySubmit
} from '../node/rpc-definitions.js'
import {
  PendingOperationError, PkpNotRegisteredError, RegistryRefusedError, aggregateFailure, throwIfAborted, toNodeFault, type NodeFault
} from './errors.js'
import type { MintRegistryStatus, PkpPermissions, PkpRegistryEntry, RegistryOperationResult } from './types.js'

/** What the registry client needs to know of a PKP. */
export interface RegistryPkp {
  /** 0x + 64 lower-case hex digits. */
  tokenId: Hex
  /** 0x04…, 65 bytes. */
  publicKey: Hex
  /** Sorted PeerIds (its DKG committee = its registry committee). */
  committee: readonly string[]
}

export type RegistryRequest = <Req, Res>(definition: RpcDefinition<Req, Res>, peer: string, body: Req, options: { signal?: AbortSignal, timeoutMs: number }) => Promise<Res>

export interface RegistryClientInit {
  account: LocalAccount
  /** Online node PeerIds (not this client). */
  onlineNodes: () => string[]
  request: RegistryRequest
  now: () => number
  /** Deadline of one whole operation (ms). */
  timeoutMs: number
  keys?: MemberKeys
}

/** Pause between retries of members that had not finished the mint's DKG when asked. */
const MINT_RETRY_MS = [100, 200, 400, 800, 1_600]
/** Codes after which a member is asked again for a mint: it holds no record of the PKP yet (its DKG may still be finishing). */
const MINT_RETRY_CODES = new Set(['ERR_NOT_FOUND'])

type Intent =
  | { kind: 'transfer', args: { to: string } }
  | { kind: 'addPermittedAddress' | 'removePermittedAddress', args: { address: string } }
  | { kind: 'addPermittedAction', args: { cid: string, scope: ActionScope } }
  | { kind: 'removePermittedAction', args: { cid: string } }

export class RegistryClient {
  private readonly keys: MemberKeys
  /** Verified states, by token id (refreshed from this nonce on). */
  private readonly states = new Map<Hex, TokenState>()
  /** Signed, not yet certified operations, by token id. */
  private readonly pending = new Map<Hex, SignedOperation>()

  constructor (private readonly init: RegistryClientInit) {
    this.keys = init.keys ?? peerIdMemberKeys()
  }

  // ---------------------------------------------------------------- reading

  /** The PKP's certified entry, verified from its members' certificates; undefined before its mint is certified. */
  async permissions (pkp: RegistryPkp, signal?: AbortSignal): Promise<PkpPermissions | undefined> {
    const state = await this.verifiedState(pkp, this.init.now() + this.init.timeoutMs, signal)
    return state === undefined ? undefined : permissionsOf(state)
  }

  /**
   * The certified entry with its history (each operation with the members that
   * countersigned it) and this client's pending operation, if any; undefined
   * before the mint is certified.
   */
  async entry (pkp: RegistryPkp, signal?: AbortSignal): Promise<PkpRegistryEntry | undefined> {
    const state = await this.verifiedState(pkp, this.init.now() + this.init.timeoutMs, signal)
    if (state === undefined) return undefined
    const quorum = quorumSize(state.committee.members.length)
    const pending = this.pending.get(pkp.tokenId)
    return {
      ...permissionsOf(state),
      quorum,
      history: state.history.map(({ certificate, opHash, signer }) => ({
        nonce: certificate.op.nonce,
        kind: certificate.op.kind,
        opHash,
        signer,
        issuedAt: certificate.op.issuedAt,
        args: { ...certificate.op.args },
        countersigners: certificate.countersigs.map((c) => c.nodeId).sort(),
        quorum
      })),
      ...(pending !== undefined && pending.nonce >= state.nonce ? { pending: { nonce: pending.nonce, kind: pending.kind } } : {})
    }
  }

  /**
   * Read the token's history from the member that claims the most operations,
   * verify it from scratch (or from the state this client verified before), and
   * fall back to the next member when a claim does not verify.
   */
  private async verifiedState (pkp: RegistryPkp, deadlineAt: number, signal?: AbortSignal): Promise<TokenState | undefined> {
    const committee = committeeOf(pkp)
    const online = new Set(this.init.onlineNodes())
    const members = committee.members.filter((m) => online.has(m))
    const claims = (await Promise.all(members.map(async (m) => {
      try {
        const res = await this.init.request(RegistryStateRequest, m, { tokenId: pkp.tokenId }, { signal, timeoutMs: remaining(deadlineAt, this.init.now) })
        return { member: m, nonce: res.state?.nonce ?? 0 }
      } catch {
        return { member: m, nonce: 0 }
      }
    }))).sort((a, b) => b.nonce - a.nonce)
    let best = this.states.get(pkp.tokenId)
    for (const claim of claims) {
      throwIfAborted(signal, 'registry read')
      if (claim.nonce <= (best?.nonce ?? 0)) break
      try {
        const certs = await this.fetchCertificates(claim.member, pkp.tokenId, best?.nonce ?? 0, deadlineAt, signal)
        const result = await catchUp(best, certs, { tokenId: pkp.tokenId, committee, keys: this.keys })
        if (result.state !== undefined && result.state.nonce > (best?.nonce ?? 0)) best = result.state
      } catch {
        // this member's answer does not verify or did not come: the next one
      }
    }
    if (best !== undefined) this.states.set(pkp.tokenId, best)
    return best
  }

  private async fetchCertificates (member: string, tokenId: Hex, from: number, deadlineAt: number, signal?: AbortSignal): Promise<unknown[]> {
    const out: unknown[] = []
    let next = from
    for (;;) {
      const res = await this.init.request(RegistryCertificates, member, { tokenId, fromNonce: next, limit: MAX_CERTIFICATES_PER_ANSWER }, { signal, timeoutMs: remaining(deadlineAt, this.init.now) })
      out.push(...res.certificates)
      if (res.certificates.length < MAX_CERTIFICATES_PER_ANSWER || out.length >= 1024) return out
      next += res.certificates.length
    }
  }

  // ---------------------------------------------------------------- operations

  /** Certify a fresh PKP's mint (registry.md §6): the minter signs it, the committee members that witnessed the DKG countersign. */
  async certifyMint (pkp: RegistryPkp, signal?: AbortSignal, opts: { fresh?: boolean } = {}): Promise<RegistryOperationResult> {
    const deadlineAt = this.init.now() + this.init.timeoutMs
    // `fresh`: the key came out of a DKG this client just ran, so no mint of it can exist (one needs
    // this minter's signature): skip reading the registry first, a round trip and a verification.
    const existing = opts.fresh === true ? undefined : await this.verifiedState(pkp, deadlineAt, signal)
    if (existing !== undefined) throw new RegistryRefusedError('ERR_REGISTRY_STALE_NONCE', `PKP ${pkp.tokenId} is already minted in the registry (owner ${existing.owner})`)
    const op = parseOperation({
      kind: 'mint', tokenId: pkp.tokenId, nonce: 0, issuedAt: this.init.now(), args: { publicKey: pkp.publicKey.toLowerCase(), committee: [...pkp.committee] }
    })
    return await this.run(pkp, op, undefined, deadlineAt, signal)
  }

  /** certifyMint that reports instead of throwing (what mintPkp records). */
  async tryCertifyMint (pkp: RegistryPkp, signal?: AbortSignal, opts: { fresh?: boolean } = {}): Promise<MintRegistryStatus> {
    try {
      await this.certifyMint(pkp, signal, opts)
      return { certified: true }
    } catch (err) {
      const e = err instanceof LitError ? err : new LitError(err instanceof Error ? err.message : String(err), 'ERR_UNKNOWN')
      return { certified: false, code: e.code, reason: e.message }
    }
  }

  async transfer (pkp: RegistryPkp, to: string, signal?: AbortSignal): Promise<RegistryOperationResult> {
    return await this.change(pkp, { kind: 'transfer', args: { to } }, signal)
  }

  async addPermittedAddress (pkp: RegistryPkp, address: string, signal?: AbortSignal): Promise<RegistryOperationResult> {
    return await this.change(pkp, { kind: 'addPermittedAddress', args: { address } }, signal)
  }

  async removePermittedAddress (pkp: RegistryPkp, address: string, signal?: AbortSignal): Promise<RegistryOperationResult> {
    return await this.change(pkp, { kind: 'removePermittedAddress', args: { address } }, signal)
  }

  async addPermittedAction (pkp: RegistryPkp, cid: string, scope: ActionScope, signal?: AbortSignal): Promise<RegistryOperationResult> {
    return await this.change(pkp, { kind: 'addPermittedAction', args: { cid, scope } }, signal)
  }

  async removePermittedAction (pkp: RegistryPkp, cid: string, signal?: AbortSignal): Promise<RegistryOperationResult> {
    return await this.change(pkp, { kind: 'removePermittedAction', args: { cid } }, signal)
  }

  private async change (pkp: RegistryPkp, intent: Intent, signal?: AbortSignal): Promise<RegistryOperationResult> {
    const deadlineAt = this.init.now() + this.init.timeoutMs
    const state = await this.verifiedState(pkp, deadlineAt, signal)
    if (state === undefined) throw new PkpNotRegisteredError(pkp.tokenId)
    // Strict parse of what the caller gave (checksums, CIDs), for the next nonce.
    const op = parseOperation({ kind: intent.kind, tokenId: pkp.tokenId, nonce: state.nonce, issuedAt: this.init.now(), args: intent.args })
    const pending = this.pending.get(pkp.tokenId)
    if (pending !== undefined && pending.nonce === state.nonce && !sameIntent(unsigned(pending), op)) {
      throw new PendingOperationError(pkp.tokenId, pending.nonce, pending.kind)
    }
    if (state.owner !== this.init.account.address) throw new NotOwnerError(pkp.tokenId, this.init.account.address, state.owner)
    checkTransition(state, op)
    return await this.run(pkp, op, state, deadlineAt, signal)
  }

  /** Sign (or reuse the pending signature of the same change), collect a quorum, submit everywhere. */
  private async run (pkp: RegistryPkp, op: Operation, state: TokenState | undefined, deadlineAt: number, signal?: AbortSignal): Promise<RegistryOperationResult> {
    const committee = committeeOf(pkp)
    const pending = this.pending.get(pkp.tokenId)
    const signed = pending !== undefined && pending.nonce === op.nonce && sameIntent(unsigned(pending), op)
      ? pending
      : await signOperation(this.init.account, op)
    this.pending.set(pkp.tokenId, signed)
    const { countersigs, faults } = await this.collect(signed, committee, state, deadlineAt, signal)
    const certificate = buildCertificate(signed, countersigs)
    const certified = await verifyCertificate(certificate, committee, this.keys)
    this.pending.delete(pkp.tokenId)
    // Verified just above: apply it directly (catchUp would verify every signature again).
    let after: TokenState
    try {
      after = applyCertified(state, certified)
    } catch (err) {
      throw new LitError('the certified operation does not apply to the verified state', 'ERR_REGISTRY_INTERNAL', { cause: err })
    }
    if (after.nonce !== op.nonce + 1) throw new LitError('the certified operation does not apply to the verified state', 'ERR_REGISTRY_INTERNAL')
    this.states.set(pkp.tokenId, after)
    const submitted = await this.submitEverywhere(certificate, deadlineAt, signal)
    return {
      kind: op.kind,
      tokenId: pkp.tokenId,
      nonce: op.nonce,
      certificate,
      permissions: permissionsOf(after),
      submittedTo: submitted.accepted,
      faults: publicFaults([...faults, ...submitted.faults])
    }
  }

  /** Countersignatures from a quorum of the committee, each verified; members behind are caught up first. */
  private async collect (
    signed: SignedOperation, committee: Committee, state: TokenState | undefined, deadlineAt: number, signal?: AbortSignal
  ): Promise<{ countersigs: Countersignature[], faults: NodeFault[] }> {
    const q = quorumSize(committee.members.length)
    const online = new Set(this.init.onlineNodes())
    const faults: NodeFault[] = []
    const good = new Map<string, Countersignature>()
    for (const m of committee.members) if (!online.has(m)) faults.push({ node: m, code: 'ERR_UNREACHABLE', reason: 'not online' })
    const ask = async (member: string): Promise<void> => {
      let caughtUp = false
      for (let attempt = 0; ; attempt++) {
        throwIfAborted(signal, 'registry operation')
        try {
          const cs = await this.init.request(RegistryCountersign, member, { op: signed }, { signal, timeoutMs: remaining(deadlineAt, this.init.now) })
          if (cs.nodeId !== member || !(await verifyCountersignature(signed, cs, committee, this.keys))) {
            faults.push({ node: member, code: 'ERR_BAD_COUNTERSIGNATURE', reason: 'countersignature does not verify' })
          } else {
            good.set(member, { nodeId: cs.nodeId, sig: cs.sig })
          }
          return
        } catch (err) {
          const code = err instanceof RemoteError ? err.code : undefined
          if (code === 'ERR_REGISTRY_NEEDS_CATCH_UP' && !caughtUp && state !== undefined) {
            caughtUp = true
            if (await this.pushHistory(member, state, deadlineAt, signal)) continue
          }
          const delay = MINT_RETRY_MS[attempt]
          if (signed.kind === 'mint' && code !== undefined && MINT_RETRY_CODES.has(code) && delay !== undefined && this.init.now() + delay < deadlineAt) {
            await new Promise((resolve) => setTimeout(resolve, delay))
            continue
          }
          faults.push(toNodeFault(member, err))
          return
        }
      }
    }
    const members = committee.members.filter((m) => online.has(m))
    await new Promise<void>((resolve) => {
      let open = members.length
      if (open === 0) resolve()
      for (const m of members) {
        void ask(m).catch((err: unknown) => { faults.push(toNodeFault(m, err)) }).finally(() => {
          open--
          // Enough: the others still vote for the same bytes, so nothing is lost by not waiting.
          if (good.size >= q || open === 0) resolve()
        })
      }
    })
    if (good.size >= q) return { countersigs: [...good.values()], faults }
    throwIfAborted(signal, 'registry operation')
    throw registryFailure(q, good.size, faults)
  }

  /** Give a member that is behind the certificates it lacks, in nonce order. True when it caught up. */
  private async pushHistory (member: string, state: TokenState, deadlineAt: number, signal?: AbortSignal): Promise<boolean> {
    try {
      const theirs = await this.init.request(RegistryStateRequest, member, { tokenId: state.tokenId }, { signal, timeoutMs: remaining(deadlineAt, this.init.now) })
      const from = theirs.state?.nonce ?? 0
      for (const certified of state.history.slice(from)) {
        await this.init.request(RegistrySubmit, member, { certificate: certified.certificate }, { signal, timeoutMs: remaining(deadlineAt, this.init.now) })
      }
      return true
    } catch {
      return false
    }
  }

  /** Submit the certificate to every online node (members and others: decrypt checks read it too). */
  private async submitEverywhere (certificate: Certificate, deadlineAt: number, signal?: AbortSignal): Promise<{ accepted: string[], faults: NodeFault[] }> {
    const nodes = this.init.onlineNodes()
    const faults: NodeFault[] = []
    const accepted: string[] = []
    await Promise.all(nodes.map(async (node) => {
      try {
        await this.init.request(RegistrySubmit, node, { certificate }, { signal, timeoutMs: remaining(deadlineAt, this.init.now) })
        accepted.push(node)
      } catch (err) {
        faults.push(toNodeFault(node, err))
      }
    }))
    return { accepted: accepted.sort(), faults }
  }
}

// ---------------------------------------------------------------- helpers

export function committeeOf (pkp: RegistryPkp): Committee {
  if (!Array.isArray(pkp.committee) || pkp.committee.length === 0) throw new InvalidArgumentError('committee', 'expected the PKP\'s committee')
  return { epoch: REGISTRY_EPOCH, members: [...pkp.committee] }
}

export function permissionsOf (state: TokenState): PkpPermissions {
  return {
    tokenId: state.tokenId,
    owner: state.owner,
    permittedAddresses: [...state.permittedAddresses].sort(),
    permittedActions: [...state.permittedActions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cid, scope]) => ({ cid, scope })),
    nonce: state.nonce,
    committee: [...state.committee.members]
  }
}

/** The same change (kind and arguments), whatever its time. */
function sameIntent (a: Operation, b: Operation): boolean {
  return a.kind === b.kind && a.tokenId === b.tokenId && a.nonce === b.nonce && JSON.stringify(a.args) === JSON.stringify(b.args)
}

/**
 * Too few countersignatures: the members' own registry refusal when they gave
 * one (the most frequent ERR_REGISTRY_ code wins), else the client's usual
 * aggregate (unauthorized, timeouts, not enough nodes).
 */
export function registryFailure (needed: number, good: number, faults: readonly NodeFault[]): LitError {
  const counts = new Map<string, NodeFault[]>()
  for (const f of faults) if (f.code.startsWith('ERR_REGISTRY_')) counts.set(f.code, [...(counts.get(f.code) ?? []), f])
  const top = [...counts.values()].sort((a, b) => b.length - a.length)[0]
  if (top !== undefined) return new RegistryRefusedError(top[0].code, top[0].reason, publicFaults(faults))
  return aggregateFailure('registry operation', needed, good, faults)
}

function publicFaults (faults: readonly NodeFault[]): Array<{ node: string, reason: string, code: string }> {
  return faults.map(({ node, reason, code }) => ({ node, reason, code }))
}

function remaining (deadlineAt: number, now: () => number): number {
  return Math.max(1, Math.round(deadlineAt - now()))
}
