/**
 * The CID of a Lit Action (docs/actions.md §1.1–1.2): the CIDv0 (`Qm…`) of the
 * code's UTF-8 bytes imported as a dag-pb UnixFS file with kubo's classic
 * defaults — the `ipfsId` Lit's SDK computes with `ipfs-only-hash`. Helia's own
 * defaults (CIDv1, raw leaves, 1 MiB chunks) give another multihash for the same
 * code, so every import here passes the §1.2 settings explicitly.
 *
 * Used identically by the client (inline code, uploads) and the node (`action/put`,
 * the code store); pure apart from a throw-away memory blockstore.
 */
import { MemoryBlockstore } from 'blockstore-core/memory'
import { importBytes, type ImporterOptions, type WritableStorage } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { BadRequestError } from '../net/rpc/errors.js'
import { cidKeyOrProblem } from '../registry/cid.js'

/** The code limit, inline and by CID (actions.md §2.7 `codeBytes`): 512 KiB of UTF-8. */
export const ACTION_CODE_MAX_BYTES = 512 * 1024
/** kubo's classic chunk size (actions.md §1.2). */
export const ACTION_CHUNK_BYTES = 262_144
/** kubo's classic balanced-layout fan-out (actions.md §1.2). */
export const ACTION_MAX_CHILDREN = 174

/** An action's names: its `ipfsId` (CIDv0), the CIDv1 base32 form of the same CID, and the code's UTF-8 size. */
export interface ActionCid {
  ipfsId: string
  cidV1: string
  bytes: number
}

/**
 * The importer options of actions.md §1.2, spelled out so no library default
 * (which changed between versions and differs between Helia and kubo) applies.
 */
export function actionImportOptions (): ImporterOptions {
  return {
    cidVersion: 0,
    rawLeaves: false,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    fieldOrder: 'links-first',
    chunker: fixedSize({ chunkSize: ACTION_CHUNK_BYTES }),
    layout: balanced({ maxChildrenPerNode: ACTION_MAX_CHILDREN })
  }
}

/** The code's bytes as the CID hashes them: UTF-8, no BOM, no normalisation (actions.md §1.2). */
export function actionCodeBytes (code: string): Uint8Array {
  return new TextEncoder().encode(code)
}

/**
 * Import the code with the §1.2 settings, writing its blocks to `blockstore`;
 * returns the root (a CIDv0). The code store uses this to store what it serves.
 */
export async function importActionBlocks (code: string | Uint8Array, blockstore: WritableStorage, options: { signal?: AbortSignal } = {}): Promise<CID> {
  const bytes = typeof code === 'string' ? actionCodeBytes(code) : code
  const { cid } = await importBytes(bytes, blockstore, { ...actionImportOptions(), ...(options.signal !== undefined ? { signal: options.signal } : {}) })
  return cid
}

/** The §1.2 CID of `code` (actions.md §1.2, §1.4), computed in memory. */
export async function actionCid (code: string): Promise<ActionCid> {
  const bytes = actionCodeBytes(code)
  const cid = await importActionBlocks(bytes, new MemoryBlockstore())
  return { ipfsId: cid.toString(), cidV1: cid.toV1().toString(), bytes: bytes.length }
}

/**
 * Parse an `ipfsId` from a request (actions.md §1.6 step 1, registry.md §5 3.4):
 * CIDv0 `Qm…`, or a lower-case base32 CIDv1 with codec dag-pb or raw; sha2-256;
 * ≤ 128 characters; canonical text only. Anything else is `ERR_BAD_REQUEST`.
 */
export function parseActionCid (value: unknown): CID {
  const checked = cidKeyOrProblem(value)
  if ('problem' in checked) throw new BadRequestError(`ipfsId: ${checked.problem}`)
  // Decode afresh: CID.parse caches the text it was given (see registry/cid.ts).
  return CID.decode(CID.parse(value as string).bytes)
}

/** The CIDv1 base32 form of an `ipfsId` (the registry's key for it, actions.md §1.3). */
export function actionCidV1 (ipfsId: string): string {
  return parseActionCid(ipfsId).toV1().toString()
}
