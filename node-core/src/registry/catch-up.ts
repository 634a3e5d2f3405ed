/**
 * Catch-up from untrusted peers (spec: docs/registry.md §10): verify every
 * certificate, sort by nonce, apply the contiguous run from the state's next
 * nonce, and report the bad ones. A bad certificate never changes the state.
 */
import type { Hex } from 'viem'
import { LitError } from '../errors.js'
import { verifyCertificate } from './certificate.js'
import { MAX_CATCH_UP_CERTIFICATES } from './constants.js'
import { InvalidCertificateError, RegistryError, SafetyViolationError } from './errors.js'
import { applyCertified } from './registry-state.js'
import type { CertifiedOperation, Committee, MemberKeys, TokenState } from './types.js'

export interface CatchUpOptions {
  tokenId: Hex
  /** The token's registry committee (registry.md §2.1): trusted input. */
  committee: Committee
  keys: MemberKeys
}

export interface RejectedCertificate {
  /** Position in the input list. */
  index: number
  /** The nonce it claims, when it parsed. */
  nonce?: number
  error: LitError
}

export interface CatchUpResult {
  /** The state after the contiguous run (the input state when nothing applied). */
  state: TokenState | undefined
  /** Nonces newly applied, ascending. */
  applied: number[]
  /** Certificates refused, with the reason. */
  rejected: RejectedCertificate[]
  /** Nonces of valid certificates beyond a gap (ask another peer for the missing ones). */
  pending: number[]
}

function asLitError (err: unknown): LitError {
  return err instanceof LitError ? err : new RegistryError(err instanceof Error ? err.message : String(err))
}

function claimedNonce (input: unknown): number | undefined {
  const n = (input as { op?: { nonce?: unknown } } | null)?.op?.nonce
  return typeof n === 'number' ? n : undefined
}

export async function catchUp (state: TokenState | undefined, certs: readonly unknown[], opts: CatchUpOptions): Promise<CatchUpResult> {
  const rejected: RejectedCertificate[] = []
  if (state !== undefined && state.tokenId !== opts.tokenId) throw new RegistryError(`state is of token ${state.tokenId}, not ${opts.tokenId}`, 'ERR_INVALID_ARGUMENT')
  // §10.1
  const byNonce = new Map<number, { certified: CertifiedOperation, index: number }[]>()
  for (let index = 0; index < certs.length; index++) {
    if (index >= MAX_CATCH_UP_CERTIFICATES) {
      rejected.push({ index, error: new InvalidCertificateError(`over the limit of ${MAX_CATCH_UP_CERTIFICATES} certificates per catch-up`) })
      continue
    }
    let certified: CertifiedOperation
    try {
      certified = await verifyCertificate(certs[index], opts.committee, opts.keys)
    } catch (err) {
      const nonce = claimedNonce(certs[index])
      rejected.push({ index, ...(nonce !== undefined ? { nonce } : {}), error: asLitError(err) })
      continue
    }
    const op = certified.certificate.op
    if (op.tokenId !== opts.tokenId) {
      rejected.push({ index, nonce: op.nonce, error: new InvalidCertificateError(`certificate is for token ${op.tokenId}, not ${opts.tokenId}`) })
      continue
    }
    const group = byNonce.get(op.nonce) ?? []
    // §10.2: identical duplicates count once.
    if (!group.some((g) => g.certified.opHash === certified.opHash && g.certified.signer === certified.signer)) group.push({ certified, index })
    byNonce.set(op.nonce, group)
  }
  // §10.2: two different certified ops for one nonce: neither is applied.
  const chosen = new Map<number, { certified: CertifiedOperation, index: number }>()
  for (const [nonce, group] of byNonce) {
    if (group.length === 1) { chosen.set(nonce, group[0]); continue }
    for (const g of group) {
      rejected.push({ index: g.index, nonce, error: new SafetyViolationError(opts.tokenId, nonce, `${group.length} different certified operations for one nonce`) })
    }
  }
  // §10.3
  const applied: number[] = []
  const pending: number[] = []
  let current = state
  for (const nonce of [...chosen.keys()].sort((a, b) => a - b)) {
    const { certified, index } = chosen.get(nonce)!
    const next = current?.nonce ?? 0
    if (nonce < next) {
      try {
        applyCertified(current, certified) // a no-op when it matches the history
      } catch (err) {
        rejected.push({ index, nonce, error: asLitError(err) })
      }
      continue
    }
    // A failed apply leaves `next` where it was, so everything after it lands here.
    if (nonce > next) { pending.push(nonce); continue }
    try {
      current = applyCertified(current, certified)
      applied.push(nonce)
    } catch (err) {
      rejected.push({ index, nonce, error: asLitError(err) })
    }
  }
  rejected.sort((a, b) => a.index - b.index)
  return { state: current, applied, rejected, pending }
}
