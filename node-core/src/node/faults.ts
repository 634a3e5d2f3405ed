/**
 * Test-only faults (docs/node-runtime.md §10): a node that returns wrong but
 * well-formed shares (only verification catches them), or one that accepts
 * sign and decrypt requests and never answers. Node tabs take them from
 * `?fault=corrupt-shares|silent`, and only in test builds (the app decides).
 */
import { Secp256k1, BlsG2, mod } from '../crypto/group.js'
import type { SignatureShare } from '../crypto/ecdsa/index.js'
import type { BlsDecryptionShare } from '../crypto/bls/index.js'

export interface NodeFaults {
  /** Signature and decryption shares are off by a constant (still valid encodings). */
  corruptShares?: boolean
  /** Sign and decrypt requests are accepted and never answered. */
  silent?: boolean
}

export const NO_FAULTS: Readonly<NodeFaults> = Object.freeze({})

export function corruptSignatureShare (share: SignatureShare): SignatureShare {
  return { ...share, s: mod(share.s + 1n, Secp256k1.order) }
}

export function corruptDecryptionShare (share: BlsDecryptionShare): BlsDecryptionShare {
  return { ...share, point: share.point.add(BlsG2.BASE) }
}

/** Wait until `signal` aborts (the transport's deadline), then reject: a request that is never answered. */
export async function neverAnswer (signal: AbortSignal): Promise<never> {
  return await new Promise<never>((_resolve, reject) => {
    if (signal.aborted) { reject(signal.reason); return }
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })
}

/** Faults named by a page's query string (`?fault=corrupt-shares` or `?fault=silent`); none otherwise. */
export function faultsFromQuery (search: string): NodeFaults {
  const fault = new URLSearchParams(search).get('fault')
  if (fault === 'corrupt-shares') return { corruptShares: true }
  if (fault === 'silent') return { silent: true }
  return {}
}
