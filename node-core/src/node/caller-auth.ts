/**
 * Who is calling, as far as an Ethereum address goes: the request's SIWE auth
 * signature (docs/node-runtime.md §6), checked by an AuthSigVerifier (the
 * caching AuthVerifier of auth/siwe.ts in production). Any failure becomes
 * ERR_UNAUTHORIZED with the reason; nothing else leaves the node.
 *
 * And who may use a PKP (docs/registry.md §11, §15.4): its owner or a
 * permitted address in the node's certified registry state; before the
 * PKP's mint is certified here, its minter (the fallback that keeps PKPs
 * minted before the registry, or whose mint certificate has not reached this
 * node yet, usable).
 */
import { getAddress, type Hex } from 'viem'
import { RpcError, UnauthorizedError } from '../net/rpc/errors.js'
import { authorizeSign, cidKey, type RegistryView } from '../registry/index.js'
import type { AuthSig } from './rpc-definitions.js'

export interface AuthSigVerifier {
  /** The checksummed address that signed `authSig`, or a throw (typed auth error) naming why not. */
  verify(authSig: AuthSig): Promise<string> | string
}

export async function callerAddress (verifier: AuthSigVerifier, authSig: AuthSig): Promise<string> {
  try {
    return getAddress(await verifier.verify(authSig))
  } catch (err) {
    if (err instanceof RpcError) throw err
    const reason = err instanceof Error ? err.message : 'invalid auth signature'
    throw new UnauthorizedError(`auth signature refused: ${reason}`)
  }
}

/** Why a caller may use a PKP: a registry grant, or the minter fallback before a certified mint. */
export type PkpUseDecision =
  | { ok: true, via: 'owner' | 'address' | 'action' | 'minter' }
  | { ok: false, reason: string }

/** The PKP facts the check needs (a PkpRecord has them; `tokenId` as stored, hex without 0x). */
export interface PkpRef {
  tokenId: string
  minter: string
}

/**
 * Whether `caller` may use the PKP (sign with it, lease its presignatures):
 * with a certified registry entry here, registry.md §11 authorizeSign (owner or
 * permitted address); without one (no mint certificate applied on this node
 * yet), only its minter — the record of who asked for the DKG.
 */
export function pkpUseDecision (registry: RegistryView | undefined, caller: string, pkp: PkpRef): PkpUseDecision {
  const who = getAddress(caller)
  const state = registry?.token(`0x${pkp.tokenId.toLowerCase().replace(/^0x/, '')}` as Hex)
  if (state === undefined) {
    return who === getAddress(pkp.minter)
      ? { ok: true, via: 'minter' }
      : { ok: false, reason: `caller ${who} may not use PKP ${pkp.tokenId} (not its minter, and its mint is not certified here)` }
  }
  const result = authorizeSign(state, { caller: who, toSignIsPersonalMessage: false })
  return result.ok ? result : { ok: false, reason: `caller ${who} may not use PKP ${pkp.tokenId}: neither its owner ${state.owner} nor a permitted address` }
}

/**
 * A service's node context as assertMayUsePkp reads it: any Pick of
 * NodeContext fits (the fields besides `registry` are listed only so that a
 * Pick without `registry` still type-checks).
 */
export interface ServiceContext {
  readonly registry?: RegistryView
  readonly rpc?: unknown
  readonly store?: unknown
  readonly auth?: unknown
}

/**
 * Throws ERR_UNAUTHORIZED (with the reason) unless `caller` may use the PKP.
 * `via` is the calling service's node context (any Pick of NodeContext: at
 * run time it is the node's whole context, registry included); without it, or
 * without a registry in it, only the minter may, as before the registry.
 * sign-service.ts and presign-pool.ts both call this.
 */
export function assertMayUsePkp (caller: string, pkp: PkpRef, via?: ServiceContext): void {
  const decision = pkpUseDecision(via?.registry, caller, pkp)
  if (!decision.ok) throw new UnauthorizedError(decision.reason)
}

/** Whether the action `cid` is permitted (in any scope) on the PKP in this node's certified state. */
export function actionPermittedOn (registry: RegistryView | undefined, tokenId: string, cid: string): boolean {
  const key = cidKey(cid)
  if (key === undefined) return false
  return registry?.token(`0x${tokenId.toLowerCase().replace(/^0x/, '')}` as Hex)?.permittedActions.has(key) === true
}
