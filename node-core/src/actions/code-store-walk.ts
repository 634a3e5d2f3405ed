/**
 * Read an action's code DAG within the bounds of docs/actions.md §1.6 step 3,
 * asking for one block at a time through `getBlock` (local store or bitswap).
 *
 * Accepted shapes: a raw block; a dag-pb UnixFS `file` (or `raw`) node with its
 * data inline; or such a root whose links are leaves (raw blocks or dag-pb
 * UnixFS nodes without links). Declared size and bytes read ≤ the code limit,
 * ≤ 16 blocks, depth ≤ 2 — checked on the root before any leaf is requested.
 *
 * Divergence from §1.6 step 2 ("`unixfs.cat`"): the exporter walks any DAG it is
 * given (finer chunking, deep trees, 174 links a node) and only then could we
 * count; walking here refuses an oversized DAG from its root block alone, before
 * a single leaf is wanted from the network. Every block is still hash-checked
 * against its CID by Helia before `getBlock` returns it.
 */
import { concatBytes } from '@noble/hashes/utils.js'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { BadRequestError } from '../net/rpc/errors.js'
import { ACTION_CODE_MAX_BYTES } from './cid.js'
import { MAX_CODE_BLOCKS, MAX_CODE_DEPTH } from './code-store.js'
import { ActionCodeLimitError } from './errors.js'

const RAW = 0x55
const DAG_PB = 0x70

export interface CodeDagBounds {
  maxBytes: number
  maxBlocks: number
  maxDepth: number
}

export const CODE_DAG_BOUNDS: CodeDagBounds = { maxBytes: ACTION_CODE_MAX_BYTES, maxBlocks: MAX_CODE_BLOCKS, maxDepth: MAX_CODE_DEPTH }

/** One block's bytes, hash-checked against `cid` by whoever supplies it. */
export type GetBlock = (cid: CID) => Promise<Uint8Array>

/** The file bytes of the code DAG at `root` (actions.md §1.6 step 3). */
export async function readActionDag (root: CID, getBlock: GetBlock, bounds: CodeDagBounds = CODE_DAG_BOUNDS): Promise<Uint8Array> {
  const rootBlock = await getBlock(root)
  if (root.code === RAW) return checkBytes(rootBlock, bounds)
  if (root.code !== DAG_PB) throw new BadRequestError(`action CID codec 0x${root.code.toString(16)} is neither dag-pb nor raw`)

  const node = decodeFileNode(rootBlock, 'root')
  // Bounds from the root alone, before any leaf is asked for.
  const declared = node.unixfs.fileSize()
  if (declared > BigInt(bounds.maxBytes)) throw new ActionCodeLimitError('bytes', bounds.maxBytes, Number(declared))
  if (1 + node.links.length > bounds.maxBlocks) throw new ActionCodeLimitError('blocks', bounds.maxBlocks, 1 + node.links.length)
  if (node.links.length > 0 && bounds.maxDepth < 2) throw new ActionCodeLimitError('depth', bounds.maxDepth)
  if (node.links.length > 0 && node.unixfs.blockSizes.length !== node.links.length) {
    throw new BadRequestError('action code root: block sizes do not match its links')
  }

  const parts: Uint8Array[] = [node.unixfs.data ?? new Uint8Array(0)]
  const leaves = await Promise.all(node.links.map(async (cid, i) => {
    const block = await getBlock(cid)
    const data = leafData(cid, block, i, bounds)
    if (BigInt(data.length) !== node.unixfs.blockSizes[i]) throw new BadRequestError(`action code leaf ${i}: size differs from the root's block size`)
    return data
  }))
  parts.push(...leaves)
  const bytes = checkBytes(concatBytes(...parts), bounds)
  if (BigInt(bytes.length) !== declared) throw new BadRequestError('action code: bytes read differ from the declared file size')
  return bytes
}

function decodeFileNode (block: Uint8Array, where: string): { unixfs: UnixFS, links: CID[] } {
  let node: dagPb.PBNode
  let unixfs: UnixFS
  try {
    node = dagPb.decode(block)
    if (node.Data === undefined) throw new Error('no UnixFS data')
    unixfs = UnixFS.unmarshal(node.Data)
  } catch (err) {
    throw new BadRequestError(`action code ${where}: not a UnixFS node (${(err as Error).message})`)
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new BadRequestError(`action code ${where}: a UnixFS ${unixfs.type}, not a file`)
  return { unixfs, links: node.Links.map((l) => l.Hash) }
}

function leafData (cid: CID, block: Uint8Array, index: number, bounds: CodeDagBounds): Uint8Array {
  if (cid.code === RAW) return block
  if (cid.code !== DAG_PB) throw new BadRequestError(`action code leaf ${index}: codec 0x${cid.code.toString(16)}`)
  const leaf = decodeFileNode(block, `leaf ${index}`)
  // A leaf with links would make the DAG deeper than root + leaves (§1.6 step 3).
  if (leaf.links.length > 0) throw new ActionCodeLimitError('depth', bounds.maxDepth, 3)
  return leaf.unixfs.data ?? new Uint8Array(0)
}

function checkBytes (bytes: Uint8Array, bounds: CodeDagBounds): Uint8Array {
  if (bytes.length > bounds.maxBytes) throw new ActionCodeLimitError('bytes', bounds.maxBytes, bytes.length)
  return bytes
}
