/**
 * Action CIDs (docs/actions.md §1.2 vectors, §1.3 v0/v1 equivalence, §1.6 step 1 parsing).
 */
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { ACTION_CODE_MAX_BYTES, actionCid, actionCidV1, importActionBlocks, parseActionCid } from '../../src/actions/cid.js'
import { cidKey } from '../../src/registry/cid.js'

/** 300 000 bytes of 'abc…z' repeated: two 256 KiB-chunked leaves (262 144 + 37 856). */
function twoLeafCode (): string {
  let s = ''
  for (let i = 0; i < 300_000; i++) s += String.fromCharCode(97 + (i % 26))
  return s
}

async function blockOf (store: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of store.get(cid)) parts.push(c)
  return parts.length === 1 ? parts[0] : Uint8Array.from(parts.flatMap((p) => [...p]))
}

describe('actionCid (actions.md §1.2)', () => {
  it('matches the Lit/kubo vectors', async () => {
    expect(await actionCid('hello')).toEqual({
      ipfsId: 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX',
      cidV1: 'bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5tq',
      bytes: 5
    })
    expect((await actionCid('')).ipfsId).toBe('QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH')
  })

  it('hashes UTF-8 bytes with no normalisation: a trailing newline or a BOM is another action', async () => {
    const plain = await actionCid('hello')
    expect((await actionCid('hello\n')).ipfsId).not.toBe(plain.ipfsId)
    expect((await actionCid('\uFEFFhello')).ipfsId).not.toBe(plain.ipfsId)
    // 'é' precomposed vs decomposed: different bytes, different CIDs.
    expect((await actionCid('\u00e9')).ipfsId).not.toBe((await actionCid('e\u0301')).ipfsId)
    expect((await actionCid('\u00e9')).bytes).toBe(2)
  })

  it('a 300 000-byte code is a root with two dag-pb leaves, deterministically', async () => {
    const code = twoLeafCode()
    const first = await actionCid(code)
    // Pinned: the root CID of kubo's classic import (cidVersion 0, dag-pb leaves, 256 KiB chunks,
    // balanced 174), also rebuilt independently from the dag-pb/UnixFS protobuf definitions.
    expect(first.ipfsId).toBe('QmW7aRKXd8BBjdKZqjQQBZSToMrc7PmRxQ5YVpHksELUXi')
    expect(first.bytes).toBe(300_000)
    expect(await actionCid(code)).toEqual(first)

    const store = new MemoryBlockstore()
    const root = await importActionBlocks(code, store)
    expect(root.toString()).toBe(first.ipfsId)
    const node = dagPb.decode(await blockOf(store, root))
    expect(node.Links).toHaveLength(2)
    const meta = UnixFS.unmarshal(node.Data!)
    expect(meta.type).toBe('file')
    expect(meta.fileSize()).toBe(300_000n)
    expect(meta.blockSizes).toEqual([262_144n, 37_856n])
    for (const link of node.Links) {
      expect(link.Hash.version).toBe(0)
      const leaf = UnixFS.unmarshal(dagPb.decode(await blockOf(store, link.Hash)).Data!)
      expect(leaf.type).toBe('file') // rawLeaves: false
    }
  })

  it('code at the limit (512 KiB) is still a root with two leaves', async () => {
    const store = new MemoryBlockstore()
    const root = await importActionBlocks('x'.repeat(ACTION_CODE_MAX_BYTES), store)
    expect(dagPb.decode(await blockOf(store, root)).Links).toHaveLength(2)
  })

  it('a code of one chunk or less is one block (reduceSingleLeafToSelf)', async () => {
    const store = new MemoryBlockstore()
    const root = await importActionBlocks('y'.repeat(262_144), store)
    const node = dagPb.decode(await blockOf(store, root))
    expect(node.Links).toHaveLength(0)
    expect(UnixFS.unmarshal(node.Data!).data?.length).toBe(262_144)
  })
})

describe('v0 ↔ v1 (actions.md §1.3)', () => {
  it('the Qm… and bafybei… forms are one CID and one registry key', async () => {
    const { ipfsId, cidV1 } = await actionCid('hello')
    expect(parseActionCid(ipfsId).toV1().toString()).toBe(cidV1)
    expect(parseActionCid(cidV1).toV1().equals(parseActionCid(ipfsId).toV1())).toBe(true)
    expect(actionCidV1(ipfsId)).toBe(cidV1)
    expect(cidKey(ipfsId)).toBe(cidKey(cidV1))
    expect(cidKey(ipfsId)).toBe(cidV1)
  })

  it('the same code under Helia defaults (raw CIDv1) is a different action', async () => {
    const store = new MemoryBlockstore()
    const { importBytes } = await import('ipfs-unixfs-importer')
    const helia = await importBytes(new TextEncoder().encode('hello'), store) // library defaults
    expect(helia.cid.toString().startsWith('bafkrei')).toBe(true)
    expect(helia.cid.toV1().toString()).not.toBe((await actionCid('hello')).cidV1)
  })
})

describe('parseActionCid (actions.md §1.6 step 1)', () => {
  it('accepts CIDv0, dag-pb CIDv1 and raw CIDv1', async () => {
    const { ipfsId, cidV1 } = await actionCid('hello')
    expect(parseActionCid(ipfsId).version).toBe(0)
    expect(parseActionCid(cidV1).code).toBe(0x70)
    const raw = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('hello'))).toString()
    expect(raw.startsWith('bafkrei')).toBe(true)
    expect(parseActionCid(raw).code).toBe(0x55)
  })

  const refusals: Array<[string, unknown]> = [
    ['a number', 42],
    ['undefined', undefined],
    ['the empty string', ''],
    ['garbage', 'not-a-cid'],
    ['over 128 characters', 'b' + 'a'.repeat(200)],
    ['upper-case base32', 'BAFYBEID3WEURG3GVYOI7NISADZOLOMLVOXOPPE2SESKTNPVDVE3256N5TQ'],
    ['base36 (non-canonical text)', CID.parse('bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5tq').toString(base36)],
    ['CIDv0 text with a v1 prefix stripped', 'z' + 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX'],
    ['dag-cbor codec', CID.createV1(0x71, Digest.create(0x12, new Uint8Array(32))).toString()],
    ['a sha2-512 multihash', CID.createV1(0x55, Digest.create(0x13, new Uint8Array(64))).toString()],
    ['a truncated sha2-256 digest', CID.createV1(0x70, Digest.create(0x12, new Uint8Array(20))).toString()]
  ]
  for (const [what, value] of refusals) {
    it(`refuses ${what} with ERR_BAD_REQUEST`, () => {
      let caught: unknown
      try {
        parseActionCid(value)
      } catch (err) {
        caught = err
      }
      expect((caught as Error).name).toBe('BadRequestError')
      expect((caught as { code: string }).code).toBe('ERR_BAD_REQUEST')
    })
  }
})
