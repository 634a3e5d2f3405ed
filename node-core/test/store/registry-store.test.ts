/**
 * The RegistryStore contract (docs/registry.md §13, §15.2), run against both
 * implementations: votes at most once per (tokenId, nonce), certificates kept
 * in nonce order, first one per slot wins, corrupt records give a typed error.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import type { Hex } from 'viem'
import {
  IdbRegistryStore, MemoryRegistryStorage, MemoryRegistryStore, registryDbName, type RegistryStore
} from '../../src/store/index.js'
import type { Certificate } from '../../src/registry/index.js'
import { Sim, addAddressOp, mintOp, testAccount, testPkp, transferOp } from '../registry/helpers.js'

const NODE = 'node-a'
const H1 = `0x${'11'.repeat(32)}` as Hex
const H2 = `0x${'22'.repeat(32)}` as Hex

interface Harness {
  name: string
  /** A fresh backing; the function opens (or reopens) a store of `nodeId` on it. */
  backing: () => (nodeId: string) => Promise<RegistryStore>
  /** Put a raw value where a certificate row lives (corruption outside our code). */
  corruptCertificate: (open: (nodeId: string) => Promise<RegistryStore>, nodeId: string, tokenId: Hex, nonce: number, raw: unknown) => Promise<void>
  corruptVote: (open: (nodeId: string) => Promise<RegistryStore>, nodeId: string, tokenId: Hex, nonce: number, raw: unknown) => Promise<void>
}

const memoryBackings = new WeakMap<object, MemoryRegistryStorage>()
const idbBackings = new WeakMap<object, IDBFactory>()

async function idbPut (factory: IDBFactory, nodeId: string, store: string, value: unknown, key?: IDBValidKey): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = factory.open(registryDbName(nodeId))
    req.onsuccess = () => {
      const db = req.result
      const tx = db.transaction(store, 'readwrite')
      if (key === undefined) tx.objectStore(store).put(value)
      else tx.objectStore(store).put(value, key)
      tx.oncomplete = () => { db.close(); resolve() }
      tx.onerror = () => { db.close(); reject(tx.error) }
    }
    req.onerror = () => { reject(req.error) }
  })
}

const harnesses: Harness[] = [
  {
    name: 'MemoryRegistryStore',
    backing: () => {
      const storage = new MemoryRegistryStorage()
      const open = async (nodeId: string): Promise<RegistryStore> => new MemoryRegistryStore(nodeId, storage)
      memoryBackings.set(open, storage)
      return open
    },
    corruptCertificate: async (open, nodeId, tokenId, nonce, raw) => {
      const data = memoryBackings.get(open)!.dataOf(nodeId)
      const byNonce = data.certificates.get(tokenId) ?? new Map()
      byNonce.set(nonce, raw)
      data.certificates.set(tokenId, byNonce)
    },
    corruptVote: async (open, nodeId, tokenId, nonce, raw) => {
      memoryBackings.get(open)!.dataOf(nodeId).votes.set(`${tokenId}/${nonce}`, raw)
    }
  },
  {
    name: 'IdbRegistryStore',
    backing: () => {
      const indexedDB = new IDBFactory()
      const open = async (nodeId: string): Promise<RegistryStore> => await IdbRegistryStore.open(nodeId, { indexedDB })
      idbBackings.set(open, indexedDB)
      return open
    },
    corruptCertificate: async (open, nodeId, tokenId, nonce, raw) => {
      await idbPut(idbBackings.get(open)!, nodeId, 'certificates', { tokenId, nonce, certificate: raw })
      await idbPut(idbBackings.get(open)!, nodeId, 'tokens', tokenId, tokenId)
    },
    corruptVote: async (open, nodeId, tokenId, nonce, raw) => {
      await idbPut(idbBackings.get(open)!, nodeId, 'votes', raw, [tokenId, nonce])
    }
  }
]

/** Three real certificates of one token (mint, transfer, grant) and one of a second token, from a simulated committee. */
let certs: Certificate[]
let other: Certificate
let conflicting: Certificate
let tokenId: Hex

beforeAll(async () => {
  const sim = new Sim(4, 'store')
  const alice = testAccount('alice')
  const bob = testAccount('bob')
  const pkp = testPkp('store-1')
  tokenId = pkp.tokenId
  sim.witnessMint(pkp, alice.address)
  const c0 = await sim.run(alice, mintOp(pkp, sim.committee))
  const c1 = await sim.run(alice, transferOp(pkp.tokenId, 1, bob.address))
  const c2 = await sim.run(bob, addAddressOp(pkp.tokenId, 2, alice.address))
  certs = [c0, c1, c2]
  // Another operation for nonce 2, certified by a second committee run (a store must refuse it next to c2).
  const sim2 = new Sim(4, 'store')
  sim2.witnessMint(pkp, alice.address)
  await sim2.run(alice, mintOp(pkp, sim2.committee))
  await sim2.run(alice, transferOp(pkp.tokenId, 1, bob.address))
  conflicting = await sim2.run(bob, addAddressOp(pkp.tokenId, 2, testAccount('carol').address))
  const pkp2 = testPkp('store-2')
  sim.witnessMint(pkp2, alice.address)
  other = await sim.run(alice, mintOp(pkp2, sim.committee))
})

describe.each(harnesses)('$name', (h) => {
  it('records a vote once: putIfAbsent returns the vote already there', async () => {
    const open = h.backing()
    const store = await open(NODE)
    expect(await store.get(tokenId, 1)).toBeUndefined()
    expect(await store.putIfAbsent(tokenId, 1, H1)).toBeUndefined()
    expect(await store.putIfAbsent(tokenId, 1, H2)).toBe(H1)
    expect(await store.putIfAbsent(tokenId, 1, H1)).toBe(H1)
    expect(await store.get(tokenId, 1)).toBe(H1)
    expect(await store.get(tokenId, 2)).toBeUndefined()
    await store.close()
  })

  it('concurrent putIfAbsent calls for one slot: exactly one wins, all see its hash', async () => {
    const open = h.backing()
    const store = await open(NODE)
    const hashes = Array.from({ length: 8 }, (_, i) => `0x${(i + 1).toString(16).padStart(2, '0').repeat(32)}` as Hex)
    const results = await Promise.all(hashes.map(async (x) => await store.putIfAbsent(tokenId, 3, x)))
    const winners = results.filter((r) => r === undefined)
    expect(winners).toHaveLength(1)
    const winner = hashes[results.indexOf(undefined)]
    expect(results.filter((r) => r !== undefined).every((r) => r === winner)).toBe(true)
    expect(await store.get(tokenId, 3)).toBe(winner)
    await store.close()
  })

  it('keeps votes and certificates across a reopen; another node id sees none of them', async () => {
    const open = h.backing()
    const a = await open(NODE)
    await a.putIfAbsent(tokenId, 0, H1)
    for (const c of certs) await a.putCertificate(c)
    await a.close()
    const again = await open(NODE)
    expect(await again.get(tokenId, 0)).toBe(H1)
    expect((await again.certificates(tokenId)).map((c) => c.op.nonce)).toEqual([0, 1, 2])
    const b = await open('node-b')
    expect(await b.get(tokenId, 0)).toBeUndefined()
    expect(await b.tokens()).toEqual([])
    await again.close()
    await b.close()
  })

  it('returns certificates in nonce order from a nonce on, bounded; lists tokens', async () => {
    const open = h.backing()
    const store = await open(NODE)
    // Stored out of order on purpose.
    for (const c of [certs[2], certs[0], other, certs[1]]) await store.putCertificate(c)
    expect((await store.certificates(tokenId)).map((c) => c.op.nonce)).toEqual([0, 1, 2])
    expect((await store.certificates(tokenId, 1)).map((c) => c.op.nonce)).toEqual([1, 2])
    expect((await store.certificates(tokenId, 1, 1)).map((c) => c.op.nonce)).toEqual([1])
    expect(await store.certificates(tokenId, 3)).toEqual([])
    expect(await store.tokens()).toEqual([tokenId, other.op.tokenId].sort())
    // What comes back is the wire form, equal to what went in.
    expect(JSON.parse(JSON.stringify((await store.certificates(tokenId, 2))[0]))).toEqual(JSON.parse(JSON.stringify(certs[2])))
    await store.close()
  })

  it('keeps the first certificate of a slot: the same op again is a no-op, another op is refused', async () => {
    const open = h.backing()
    const store = await open(NODE)
    for (const c of certs) await store.putCertificate(c)
    // The same op with a different quorum of countersignatures: no-op.
    await store.putCertificate({ op: certs[2].op, countersigs: certs[2].countersigs.slice(1).concat(certs[2].countersigs.slice(0, 1)) })
    await expect(store.putCertificate(conflicting)).rejects.toMatchObject({ code: 'ERR_REGISTRY_CERTIFICATE_CONFLICT' })
    expect((await store.certificates(tokenId, 2))[0].op.args).toEqual(certs[2].op.args)
    await store.close()
  })

  it('refuses malformed input with typed errors before writing anything', async () => {
    const open = h.backing()
    const store = await open(NODE)
    await expect(store.putIfAbsent('0x12' as Hex, 0, H1)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(store.putIfAbsent(tokenId, -1, H1)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(store.putIfAbsent(tokenId, 0, 'nothex' as Hex)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(store.putCertificate({ ...certs[1], op: { ...certs[1].op, nonce: 0 } } as Certificate)).rejects.toMatchObject({ code: 'ERR_REGISTRY_MALFORMED' })
    expect(await store.tokens()).toEqual([])
    await store.close()
  })

  it('a corrupt certificate or vote record is a CorruptRecordError, never a crash; a good certificate replaces a corrupt one', async () => {
    const open = h.backing()
    const store = await open(NODE)
    await store.putCertificate(certs[0])
    await h.corruptCertificate(open, NODE, tokenId, 1, { op: { kind: 'transfer' }, countersigs: 'garbage' })
    await expect(store.certificates(tokenId)).rejects.toMatchObject({ name: 'CorruptRecordError', code: 'ERR_STORE_CORRUPT' })
    await store.putCertificate(certs[1])
    expect((await store.certificates(tokenId)).map((c) => c.op.nonce)).toEqual([0, 1])
    // A record under the wrong slot is corrupt too.
    await h.corruptCertificate(open, NODE, tokenId, 2, JSON.parse(JSON.stringify(certs[1])))
    await expect(store.certificates(tokenId, 2)).rejects.toMatchObject({ name: 'CorruptRecordError' })
    // A corrupt vote is never overwritten (refusing to vote is the safe side).
    await h.corruptVote(open, NODE, tokenId, 5, 12345)
    await expect(store.get(tokenId, 5)).rejects.toMatchObject({ name: 'CorruptRecordError' })
    await expect(store.putIfAbsent(tokenId, 5, H1)).rejects.toMatchObject({ name: 'CorruptRecordError' })
    await store.close()
  })

  it('a closed store refuses calls with StorageUnavailableError', async () => {
    const open = h.backing()
    const store = await open(NODE)
    await store.close()
    await expect(store.get(tokenId, 0)).rejects.toMatchObject({ name: 'StorageUnavailableError' })
    await expect(store.putCertificate(certs[0])).rejects.toMatchObject({ name: 'StorageUnavailableError' })
  })
})

describe('IdbRegistryStore database', () => {
  it('uses its own database per node, named lit-registry/<nodeId>', async () => {
    const indexedDB = new IDBFactory()
    const store = await IdbRegistryStore.open(NODE, { indexedDB })
    await store.putIfAbsent(tokenId, 0, H1)
    const names = (await indexedDB.databases()).map((d) => d.name)
    expect(names).toEqual(['lit-registry/node-a'])
    await store.close()
  })
})
