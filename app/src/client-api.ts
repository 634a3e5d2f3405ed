/**
 * What the dashboard asks of the client SDK: the LitClient methods it calls and
 * nothing else, so components can be driven by a stub and never reach protocol code.
 */
import type { LocalAccount } from 'viem/accounts'
import type {
  ExecuteJsRequest, ExecuteJsResult, UploadedAction,
  DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, MintedPkp, MintOptions, NetworkInfo, PkpSignature, PkpSignRequest, PkpSummary,
  PkpRegistryEntry, RegistryOperationResult
} from '../../node-core/src/browser.js'

export type { DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, MintedPkp, MintOptions, NetworkInfo, PkpSignature, PkpSignRequest, PkpSummary }
export type { MintPhase, MintProgress, ShareFault } from '../../node-core/src/browser.js'
export type { PkpRegistryEntry, RegistryHistoryEntry, RegistryOperationResult } from '../../node-core/src/browser.js'
export type { ActionSignature, ExecuteJsRequest, ExecuteJsResult, UploadedAction } from '../../node-core/src/browser.js'

/** A registry change's common options (the PKP by public key or token id). */
interface RegistryCall { pubKey: string, signal?: AbortSignal }

export interface DashboardClient {
  getNetworkInfo (opts?: { signal?: AbortSignal }): Promise<NetworkInfo>
  mintPkp (opts?: MintOptions): Promise<MintedPkp>
  certifyMint (opts: { pubKey: string, signal?: AbortSignal }): Promise<unknown>
  listPkps (opts?: { signal?: AbortSignal }): Promise<PkpSummary[]>
  pkpSign (request: PkpSignRequest): Promise<PkpSignature>
  encrypt (request: EncryptRequest): Promise<EncryptResponse>
  decrypt (request: DecryptRequest): Promise<DecryptResponse>
  /** The wallet's selected account becomes the caller and the registry signer. */
  setAccount (account: LocalAccount): void
  /** Owner, permissions and certified history of a PKP (undefined before its mint is certified). */
  getPkpRegistryEntry (opts: RegistryCall): Promise<PkpRegistryEntry | undefined>
  transferPkp (opts: RegistryCall & { to: string }): Promise<RegistryOperationResult>
  addPermittedAddress (opts: RegistryCall & { address: string }): Promise<RegistryOperationResult>
  removePermittedAddress (opts: RegistryCall & { address: string }): Promise<RegistryOperationResult>
  addPermittedAction (opts: RegistryCall & { cid: string, scope?: 'sign-anything' | 'personal-sign' }): Promise<RegistryOperationResult>
  removePermittedAction (opts: RegistryCall & { cid: string }): Promise<RegistryOperationResult>
  /** Store action code on the nodes; its CID comes back (docs/actions.md §1). */
  uploadAction (code: string, opts?: { to?: readonly string[], signal?: AbortSignal }): Promise<UploadedAction>
  executeJs (request: ExecuteJsRequest): Promise<ExecuteJsResult>
}
