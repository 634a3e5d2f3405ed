/**
 * Who may use a PKP (spec: docs/registry.md §11). Pure functions of the
 * certified state.
 */
import { getAddress, isAddress, type Hex } from 'viem'
import { cidKey } from './cid.js'
import type { RegistryView } from './registry-state.js'
import type { TokenState } from './types.js'

export interface SignRequest {
  /** The address proven by the request's auth signature, if any. */
  caller?: string
  /** The IPFS CID of the Lit Action asking to sign, if any. */
  actionCid?: string
  /** Whether the bytes to sign are an EIP-191 personal message (what 'personal-sign' actions may sign). */
  toSignIsPersonalMessage: boolean
}

export type AuthorizeResult =
  | { ok: true, via: 'owner' | 'address' | 'action' }
  | { ok: false, reason: string }

function checksummed (address: string | undefined): string | undefined {
  return address !== undefined && isAddress(address, { strict: false }) ? getAddress(address) : undefined
}

/** registry.md §11: owner, then permitted address, then permitted action. */
export function authorizeSign (state: TokenState | undefined, req: SignRequest): AuthorizeResult {
  if (state === undefined) return { ok: false, reason: 'the PKP has no certified registry entry here' }
  const reasons: string[] = []
  if (req.caller !== undefined) {
    const caller = checksummed(req.caller)
    if (caller === undefined) return { ok: false, reason: 'caller is not an Ethereum address' }
    if (caller === state.owner) return { ok: true, via: 'owner' }
    if (state.permittedAddresses.has(caller)) return { ok: true, via: 'address' }
    reasons.push(`caller ${caller} is neither the owner nor a permitted address of token ${state.tokenId}`)
  } else {
    reasons.push('no caller address')
  }
  if (req.actionCid !== undefined) {
    const key = cidKey(req.actionCid)
    const scope = key === undefined ? undefined : state.permittedActions.get(key)
    if (key === undefined) {
      reasons.push(`action ${req.actionCid} is not a valid CID`)
    } else if (scope === 'sign-anything') {
      return { ok: true, via: 'action' }
    } else if (scope === 'personal-sign') {
      if (req.toSignIsPersonalMessage) return { ok: true, via: 'action' }
      reasons.push(`action ${req.actionCid} may only sign personal messages`)
    } else {
      reasons.push(`action ${req.actionCid} is not permitted`)
    }
  } else {
    reasons.push('no permitted action')
  }
  return { ok: false, reason: reasons.join('; ') }
}

/** Whether `caller` owns the PKP (a decrypt condition, registry.md §11). */
export function ownsPkp (registry: RegistryView, tokenId: Hex, caller: string | undefined): boolean {
  const state = registry.token(tokenId)
  const c = checksummed(caller)
  return state !== undefined && c !== undefined && state.owner === c
}

/** Whether `caller` is the owner or a permitted address of the PKP (registry.md §11). */
export function isPermittedOnPkp (registry: RegistryView, tokenId: Hex, caller: string | undefined): boolean {
  const state = registry.token(tokenId)
  const c = checksummed(caller)
  return state !== undefined && c !== undefined && (state.owner === c || state.permittedAddresses.has(c))
}
