/**
 * HeliaCodeStore on real libp2p nodes in one process (memory transport, noise,
 * yamux, identify): upload on one node, fetch by CID over bitswap on another,
 * and the §1.6 bounds (docs/actions.md §1.5–1.6, §9.2).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { memory } from '@libp2p/memory'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core/memory'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { actionCid, actionImportOptions, importActionBlocks } from '../../src/actions/cid.js'
import { HeliaCodeStore } from '../../src/actions/code-store-helia.js'

interface Peer { libp2p: Libp2p, store: HeliaCodeStore, blockstore: MemoryBlockstore, datastore: MemoryDatastore }

const peers: Peer[] = []

async function newNode (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: [`/memory/${crypto.randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), identifyPush: identifyPush() }
  })
}

async function newPeer (opts: { start?: boolean, maxRoots?: number } = {}): Promise<Peer> {
  const libp2p = await newNode()
  const blockstore = new MemoryBlockstore()
  const datastore = new MemoryDatastore()
  const store = new HeliaCodeStore({ libp2p, blockstore, datastore, ...(opts.maxRoots !== undefined ? { maxRoots: opts.maxRoots } : {}) })
  if (opts.start !== false) await store.start()
  const peer = { libp2p, store, blockstore, datastore }
  peers.push(peer)
  return peer
}

/** Resolves once `node` has seen `peer` speak bitswap (identify or identify-push). */
function seesBitswap (node: Libp2p, peer: Libp2p): Promise<void> {
  return new Promise((resolve) => {
    const check = async (): Promise<boolean> => {
      try {
        return (await node.peerStore.get(peer.peerId)).protocols.includes('/ipfs/bitswap/1.2.0')
      } catch { return false }
    }
    const onUpdate = (): void => {
      void check().then((ok) => {
        if (!ok) return
        node.removeEventListener('peer:update', onUpdate)
        resolve()
      })
    }
    node.addEventListener('peer:update', onUpdate)
    onUpdate()
  })
}

async function link (a: Peer, b: Peer): Promise<void> {
  const both = Promise.all([seesBitswap(a.libp2p, b.libp2p), seesBitswap(b.libp2p, a.libp2p)])
  await a.libp2p.dial(b.libp2p.getMultiaddrs())
  await both
}

async function caught (p: Promise<unknown>): Promise<Error & { code?: string, what?: string, max?: number }> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

afterEach(async () => {
  for (const p of peers.splice(0)) {
    await p.store.stop()
    await p.libp2p.stop()
  }
})

describe('HeliaCodeStore: put and fetch over bitswap (actions.md §1.5–1.6)', () => {
  it('put on A, get on B from the peer, then from the cache; C fetches from B', async () => {
    const [a, b, c] = [await newPeer(), await newPeer(), await newPeer()]
    await link(a, b)
    await link(b, c) // C is not connected to A: it can only get the code from B
    const code = 'const go = async () => { Lit.Actions.setResponse({ response: "hi" }) }\n'
    const stored = await a.store.put(code)
    expect(stored).toEqual(await actionCid(code))
    expect(await b.store.has(stored.ipfsId)).toBe(false)

    const started = performance.now()
    expect(await b.store.get(stored.ipfsId, { timeoutMs: 5_000 })).toEqual({ code, source: 'peer' })
    const fetchMs = performance.now() - started
    expect(await b.store.has(stored.ipfsId)).toBe(true)
    expect(await b.store.get(stored.ipfsId, {})).toEqual({ code, source: 'cache' })
    // The v1 form names the same blocks.
    expect(await b.store.get(stored.cidV1, {})).toEqual({ code, source: 'cache' })

    expect(await c.store.get(stored.ipfsId, { timeoutMs: 5_000 })).toEqual({ code, source: 'peer' })
    console.info(`peer fetch of a one-block action: ${fetchMs.toFixed(1)} ms`)
  })

  it('a two-leaf code (300 000 bytes, with multi-byte characters) arrives whole', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    await link(a, b)
    const code = ('é€😀 ' + 'x'.repeat(90)).repeat(3_000).slice(0, 100_000 * 3 - 2) // > 256 KiB of UTF-8
    expect(new TextEncoder().encode(code).length).toBeGreaterThan(262_144)
    const stored = await a.store.put(code, (await actionCid(code)).ipfsId)
    const started = performance.now()
    const got = await b.store.get(stored.ipfsId, { timeoutMs: 5_000 })
    console.info(`peer fetch of a ${stored.bytes}-byte two-leaf action: ${(performance.now() - started).toFixed(1)} ms`)
    expect(got.source).toBe('peer')
    expect(got.code).toBe(code)
  })

  it('a node whose store starts after the connection is still asked (identify-push)', async () => {
    const a = await newPeer({ start: false })
    const b = await newPeer()
    await b.libp2p.dial(a.libp2p.getMultiaddrs())
    const seen = seesBitswap(b.libp2p, a.libp2p)
    await a.store.start()
    await seen
    const stored = await a.store.put('late')
    expect(await b.store.get(stored.ipfsId, { timeoutMs: 5_000 })).toEqual({ code: 'late', source: 'peer' })
  })

  it('two gets of the same code at once both succeed (one pin)', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    await link(a, b)
    const { ipfsId } = await a.store.put('twice')
    const got = await Promise.all([b.store.get(ipfsId, { timeoutMs: 5_000 }), b.store.get(ipfsId, { timeoutMs: 5_000 })])
    expect(got.map((g) => g.code)).toEqual(['twice', 'twice'])
    expect(got.map((g) => g.source)).toContain('peer')
    expect(b.store.retainedRoots()).toEqual([ipfsId])
    expect(await b.store.helia.pins.isPinned(CID.parse(ipfsId))).toBe(true)
  })

  it('stop() leaves the libp2p it was given running', async () => {
    const a = await newPeer()
    await a.store.stop()
    expect(a.libp2p.status).toBe('started')
    await a.store.start() // afterEach stops it again
  })
})

describe('HeliaCodeStore: refusals (actions.md §1.5, §1.6, §2.7)', () => {
  it('an unknown CID is ERR_ACTION_NOT_FOUND once timeoutMs has passed', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    await link(a, b)
    const { ipfsId } = await actionCid('nobody has this')
    const started = performance.now()
    const err = await caught(b.store.get(ipfsId, { timeoutMs: 300 }))
    const waited = performance.now() - started
    expect(err.name).toBe('ActionNotFoundError')
    expect(err.code).toBe('ERR_ACTION_NOT_FOUND')
    expect(waited).toBeGreaterThanOrEqual(290)
    expect(waited).toBeLessThan(3_000)
  })

  it("the caller's abort ends a fetch with the caller's reason", async () => {
    const a = await newPeer()
    const { ipfsId } = await actionCid('nobody has this either')
    const controller = new AbortController()
    const pending = caught(a.store.get(ipfsId, { signal: controller.signal, timeoutMs: 10_000 }))
    const reason = new Error('client went away')
    controller.abort(reason)
    expect(await pending).toBe(reason)
  })

  it('put refuses code over 512 KiB (ERR_ACTION_LIMIT) and stores nothing', async () => {
    const a = await newPeer()
    const code = 'z'.repeat(512 * 1024 + 1)
    const err = await caught(a.store.put(code))
    expect(err.name).toBe('ActionCodeLimitError')
    expect(err.code).toBe('ERR_ACTION_LIMIT')
    expect(err.max).toBe(512 * 1024)
    expect(await a.store.has((await actionCid(code)).ipfsId)).toBe(false)
  })

  it('put refuses an expectedIpfsId that is not the code\'s (ERR_BAD_REQUEST) and stores nothing', async () => {
    const a = await newPeer()
    const other = await actionCid('other code')
    const err = await caught(a.store.put('this code', other.ipfsId))
    expect(err.name).toBe('BadRequestError')
    expect(await a.store.has((await actionCid('this code')).ipfsId)).toBe(false)
    expect(await a.store.has(other.ipfsId)).toBe(false)
    // The v1 form of the right CID is accepted.
    expect((await a.store.put('this code', (await actionCid('this code')).cidV1)).ipfsId).toBe((await actionCid('this code')).ipfsId)
  })

  it('invalid UTF-8 from a peer is ERR_BAD_REQUEST and is not kept', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    await link(a, b)
    const root = await importActionBlocks(new Uint8Array([0x66, 0x6f, 0xff, 0xfe, 0x6f]), a.store.helia.blockstore)
    const err = await caught(b.store.get(root.toString(), { timeoutMs: 5_000 }))
    expect(err.name).toBe('BadRequestError')
    expect(err.message).toMatch(/UTF-8/)
    expect(await b.store.has(root.toString())).toBe(false)
  })

  it('a DAG declaring over 512 KiB from a peer is refused and none of it is kept', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    await link(a, b)
    // Blocks a peer serves without going through put's size check.
    const { cid } = await importBytes(new Uint8Array(600 * 1024).fill(0x61), a.blockstore, actionImportOptions())
    const err = await caught(b.store.get(cid.toString(), { timeoutMs: 5_000 }))
    expect(err.name).toBe('ActionCodeLimitError')
    expect(err.what).toBe('bytes')
    expect(err.max).toBe(512 * 1024)
    // The walk asks for the root only (code-store-walk.test.ts counts); the root is discarded.
    const held: string[] = []
    for await (const { cid: c } of b.blockstore.getAll()) held.push(c.toString())
    expect(held).toEqual([])
  })

  it('a finer-chunked DAG (over 16 blocks) is refused', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    await link(a, b)
    const { cid } = await importBytes(new Uint8Array(40 * 1024).fill(0x62), a.blockstore, { ...actionImportOptions(), chunker: fixedSize({ chunkSize: 1024 }) })
    const err = await caught(b.store.get(cid.toString(), { timeoutMs: 5_000 }))
    expect(err.name).toBe('ActionCodeLimitError')
    expect(err.what).toBe('blocks')
    expect(err.max).toBe(16)
  })

  it('a DAG deeper than root + leaves is refused', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    await link(a, b)
    const { cid } = await importBytes(new Uint8Array(5 * 1024).fill(0x63), a.blockstore, {
      ...actionImportOptions(), chunker: fixedSize({ chunkSize: 1024 }), layout: balanced({ maxChildrenPerNode: 2 })
    })
    const err = await caught(b.store.get(cid.toString(), { timeoutMs: 5_000 }))
    expect(err.name).toBe('ActionCodeLimitError')
    expect(err.what).toBe('depth')
  })
})

describe('HeliaCodeStore: pins and retention (actions.md §1.5)', () => {
  it('stored roots are pinned; over maxRoots the least recently used is dropped; pins survive a restart', async () => {
    const a = await newPeer({ maxRoots: 2 })
    const one = await a.store.put('one')
    const two = await a.store.put('two')
    expect(await a.store.helia.pins.isPinned(CID.parse(one.ipfsId))).toBe(true)
    await a.store.get(one.ipfsId, {}) // 'one' is now more recent than 'two'
    const three = await a.store.put('three')
    expect(await a.store.has(two.ipfsId)).toBe(false)
    expect(await a.store.has(one.ipfsId)).toBe(true)
    expect(await a.store.has(three.ipfsId)).toBe(true)
    expect(a.store.retainedRoots().sort()).toEqual([one.ipfsId, three.ipfsId].sort())

    // A new store on the same block and pin stores (a reload) knows what it holds.
    await a.store.stop()
    const again = new HeliaCodeStore({ libp2p: a.libp2p, blockstore: a.blockstore, datastore: a.datastore, maxRoots: 2 })
    await again.start()
    a.store = again
    expect(again.retainedRoots().sort()).toEqual([one.ipfsId, three.ipfsId].sort())
    expect(await again.get(three.ipfsId, {})).toEqual({ code: 'three', source: 'cache' })
  })
})
