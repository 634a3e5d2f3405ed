/**
 * What the dashboard asks of the client SDK: the LitClient methods it calls and
 * nothing else, so components can be driven by a stub and never reach protocol code.
 */
import type {
  DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, MintedPkp, MintOptions, NetworkInfo, PkpSignature, PkpSignRequest, PkpSummary
} from '../../node-core/src/browser.js'

export type { DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, MintedPkp, MintOptions, NetworkInfo, PkpSignature, PkpSignRequest, PkpSummary }
export type { MintPhase, MintProgress, ShareFault } from '../../node-core/src/browser.js'

export interface DashboardClient {
  getNetworkInfo (opts?: { signal?: AbortSignal }): Promise<NetworkInfo>
  mintPkp (opts?: MintOptions): Promise<MintedPkp>
  listPkps (opts?: { signal?: AbortSignal }): Promise<PkpSummary[]>
  pkpSign (request: PkpSignRequest): Promise<PkpSignature>
  encrypt (request: EncryptRequest): Promise<EncryptResponse>
  decrypt (request: DecryptRequest): Promise<DecryptResponse>
}
