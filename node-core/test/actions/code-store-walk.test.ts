/**
 * The bounded DAG walk of docs/actions.md §1.6 step 3, with a counting block
 * source: a refusal on the root's declarations asks for no leaf at all.
 */
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { actionImportOptions, importActionBlocks } from '../../src/actions/cid.js'
import { readActionDag } from '../../src/actions/code-store-walk.js'

function counting (store: MemoryBlockstore): { get: (cid: CID) => Promise<Uint8Array>, asked: CID[] } {
  const asked: CID[] = []
  return {
    asked,
    get: async (cid) => {
      asked.push(cid)
      const parts: Uint8Array[] = []
      for await (const c of store.get(cid)) parts.push(c)
      return parts[0]
    }
  }
}

async function rejection (p: Promise<unknown>): Promise<Error & { what?: string, used?: number }> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

describe('readActionDag (actions.md §1.6 step 3)', () => {
  it('reads one-block and two-leaf code back byte for byte', async () => {
    const store = new MemoryBlockstore()
    const big = new Uint8Array(300_000).map((_, i) => i % 251)
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('hello'), big]) {
      const root = await importActionBlocks(bytes, store)
      const src = counting(store)
      expect(await readActionDag(root, src.get)).toEqual(bytes)
      expect(src.asked.length).toBe(bytes.length > 262_144 ? 3 : 1)
    }
  })

  it('reads a raw-codec root as the code itself', async () => {
    const store = new MemoryBlockstore()
    const bytes = new TextEncoder().encode('raw code')
    const cid = CID.createV1(0x55, await sha256.digest(bytes))
    await store.put(cid, bytes)
    expect(await readActionDag(cid, counting(store).get)).toEqual(bytes)
  })

  it('refuses a declared size over 512 KiB having fetched only the root', async () => {
    const store = new MemoryBlockstore()
    const { cid } = await importBytes(new Uint8Array(700 * 1024), store, actionImportOptions())
    const src = counting(store)
    const err = await rejection(readActionDag(cid, src.get))
    expect(err.name).toBe('ActionCodeLimitError')
    expect(err.what).toBe('bytes')
    expect(err.used).toBe(700 * 1024)
    expect(src.asked).toHaveLength(1)
  })

  it('refuses more than 16 blocks having fetched only the root', async () => {
    const store = new MemoryBlockstore()
    const { cid } = await importBytes(new Uint8Array(17 * 1024), store, { ...actionImportOptions(), chunker: fixedSize({ chunkSize: 1024 }) })
    const src = counting(store)
    const err = await rejection(readActionDag(cid, src.get))
    expect(err.what).toBe('blocks')
    expect(err.used).toBe(18)
    expect(src.asked).toHaveLength(1)
  })

  it('accepts exactly 16 blocks (a root and 15 leaves)', async () => {
    const store = new MemoryBlockstore()
    const bytes = new Uint8Array(15 * 1024).fill(7)
    const { cid } = await importBytes(bytes, store, { ...actionImportOptions(), chunker: fixedSize({ chunkSize: 1024 }) })
    const src = counting(store)
    expect(await readActionDag(cid, src.get)).toEqual(bytes)
    expect(src.asked).toHaveLength(16)
  })

  it('refuses a leaf that has links (depth 3)', async () => {
    const store = new MemoryBlockstore()
    const { cid } = await importBytes(new Uint8Array(4 * 1024), store, {
      ...actionImportOptions(), chunker: fixedSize({ chunkSize: 1024 }), layout: balanced({ maxChildrenPerNode: 2 })
    })
    const err = await rejection(readActionDag(cid, counting(store).get))
    expect(err.name).toBe('ActionCodeLimitError')
    expect(err.what).toBe('depth')
  })

  it('refuses a root that is not a UnixFS file, and a file whose leaves contradict its sizes', async () => {
    const store = new MemoryBlockstore()
    const dirBlock = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [] }))
    const dir = CID.createV0(await sha256.digest(dirBlock))
    await store.put(dir, dirBlock)
    const notFile = await rejection(readActionDag(dir, counting(store).get))
    expect(notFile.name).toBe('BadRequestError')
    expect(notFile.message).toMatch(/directory/)

    // A root claiming blockSizes [10] over a 5-byte leaf.
    const leaf = await importActionBlocks('12345', store)
    const lying = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'file', blockSizes: [10n] }).marshal(), Links: [{ Hash: leaf, Name: '', Tsize: 20 }] }))
    const root = CID.createV0(await sha256.digest(lying))
    await store.put(root, lying)
    const err = await rejection(readActionDag(root, counting(store).get))
    expect(err.name).toBe('BadRequestError')
  })
})
