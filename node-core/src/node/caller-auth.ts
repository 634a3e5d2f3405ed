/**
 * Who is calling, as far as an Ethereum address goes: the request's SIWE auth
 * signature (docs/node-runtime.md §6), checked by an AuthSigVerifier (the
 * caching AuthVerifier of auth/siwe.ts in production). Any failure becomes
 * ERR_UNAUTHORIZED with the reason; nothing else leaves the node.
 */
import { getAddress } from 'viem'
import { RpcError, UnauthorizedError } from '../net/rpc/errors.js'
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

/** The minter is the only one who may use a PKP until the registry issue adds owners and permissions. */
export function assertMayUsePkp (caller: string, pkp: { minter: string, tokenId: string }): void {
  if (getAddress(caller) !== getAddress(pkp.minter)) throw new UnauthorizedError(`caller ${getAddress(caller)} may not use PKP ${pkp.tokenId} (not its minter)`)
}
