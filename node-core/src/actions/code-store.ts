/**
 * Where a node keeps Lit Action code, by CID (docs/actions.md §1.5–1.6).
 *
 * Two implementations: `HeliaCodeStore` (code-store-helia.ts; a tab, blocks in
 * IndexedDB, missing code fetched from peers over bitswap) and `MemoryCodeStore`
 * (code-store-memory.ts; in-memory nodes in tests, optionally sharing a swarm).
 * Both name code by its §1.2 CID and bound what they accept by §1.6 and §2.7.
 */
import { BadRequestError } from '../net/rpc/errors.js'

/** Where `get` found the code (the answer's `stats.codeSource`, actions.md §1.6). */
export type CodeSource = 'cache' | 'peer'

export interface CodeGetOptions {
  /** The caller's cancellation (e.g. the request's); its reason is rethrown as is. */
  signal?: AbortSignal
  /** How long peers may take to supply the code (actions.md §2.7 `codeFetchMs`); default {@link DEFAULT_CODE_FETCH_MS}. */
  timeoutMs?: number
}

export interface StoredActionCode {
  /** The CIDv0 (`Qm…`) of the code (actions.md §1.1). */
  ipfsId: string
  /** The same CID as CIDv1 base32 (`bafybei…`, actions.md §1.3). */
  cidV1: string
  /** UTF-8 size of the code. */
  bytes: number
}

export interface ActionCodeStore {
  /** Stores code under its §1.2 CID (recomputed here; a mismatch with `expectedIpfsId` → BadRequestError). */
  put (code: string, expectedIpfsId?: string): Promise<StoredActionCode>
  /** Code by CID: local first, else from peers (bitswap), with the §1.6 bounds; returns where it came from. */
  get (ipfsId: string, options: CodeGetOptions): Promise<{ code: string, source: CodeSource }>
  /** Whether the code of `ipfsId` is stored here (no network). */
  has (ipfsId: string): Promise<boolean>
  start (): Promise<void>
  stop (): Promise<void>
}

/** actions.md §2.7 `codeFetchMs`. */
export const DEFAULT_CODE_FETCH_MS = 5_000
/** A code DAG has at most this many blocks (actions.md §1.6 step 3). */
export const MAX_CODE_BLOCKS = 16
/** …and at most this depth: a root and its leaves (actions.md §1.6 step 3). */
export const MAX_CODE_DEPTH = 2
/** Retention: at most this many roots per node (actions.md §1.5). */
export const MAX_RETAINED_ROOTS = 256
/** Retention: at most this many bytes of code per node (actions.md §1.5). */
export const MAX_RETAINED_BYTES = 64 * 1024 * 1024

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The code of stored bytes (actions.md §1.6 step 4): strict UTF-8, a leading
 * U+FEFF kept (the encoder of §1.2 wrote it, so the decoder must not eat it).
 * Invalid UTF-8 is `ERR_BAD_REQUEST`.
 */
export function decodeActionCode (bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new BadRequestError('action code is not valid UTF-8')
  }
}
