/**
 * The NodeStore contract (docs/node-runtime.md §8), run against both
 * implementations, plus what only IndexedDB has: sealing at rest.
 */
import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest'
import { InvalidArgumentError } from '../../src/errors.js'
// idb needs the IDB classes as globals; each test still opens its own IDBFactory (a fresh "browser profile").
import 'fake-indexeddb/auto'
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { publicKeyToAddress } from 'viem/accounts'
import { BlsG1, Secp256k1, scalarToBytes, type G1Point, type SecpPoint } from '../../src/crypto/group.js'
import { dealKeyShares, type KeyShare } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'
import type { Presignature } from '../../src/crypto/ecdsa/index.js'
import { runPresignInMemory } from '../../src/protocols/presign/index.js'
import { encodeKeyShare, encodePublicKeySet } from '../../src/protocols/dkg/codec.js'
import { encodePresignaturePublic } from '../../src/crypto/ecdsa/index.js'
import {
  type NodeStore, type PkpRecord, type StoredNetworkKey, IdbNodeStore, MemoryNodeStore, MemoryNodeStorage,
  nodeStateDbName, NODE_STATE_DB_VERSION
} from '../../src/store/index.js'

// ---------------------------------------------------------------- fixtures

const NODE_A = 'node-a'
const NODE_B = 'node-b'
const ALLOC_1 = '12D3KooWAllocatorOne'
const ALLOC_2 = '12D3KooWAllocatorTwo'

function pkpFixture (seed: string): { record: PkpRecord, shares: Array<KeyShare<SecpPoint>> } {
  const shares = dealKeyShares(Secp256k1, 1, [1, 2, 3], { rng: seededRng(seed) })
  const pks = shares[0].publicKeySet
  const uncompressed = pks.publicKey.toBytes(false)
  const record: PkpRecord = {
    tokenId: bytesToHex(keccak_256(uncompressed)),
    ethAddress: publicKeyToAddress(`0x${bytesToHex(uncompressed)}`),
    committee: ['peer-1', 'peer-2', 'peer-3'],
    minter: '0x00000000000000000000000000000000000000aa',
    mintedAt: 1_700_000_000_000,
    publicKeySet: pks
  }
  return { record, shares }
}

function networkKeyFixture (): { key: StoredNetworkKey, shares: Array<KeyShare<G1Point>> } {
  const shares = dealKeyShares(BlsG1, 1, [1, 2, 3], { rng: seededRng('network') })
  return { key: { genesisId: 'genesis-1', members: ['peer-1', 'peer-2', 'peer-3'], publicKeySet: shares[0].publicKeySet }, shares }
}

let pkp1: ReturnType<typeof pkpFixture>
let pkp2: ReturnType<typeof pkpFixture>
let net: ReturnType<typeof networkKeyFixture>
/** Participant 1's presignatures of pkp1, in DEScending id order (so insertion order ≠ id order). */
let presigs: Presignature[]
/** One presignature of pkp2. */
let otherPresig: Presignature

beforeAll(() => {
  pkp1 = pkpFixture('pkp-1')
  pkp2 = pkpFixture('pkp-2')
  net = networkKeyFixture()
  presigs = [0, 1, 2, 3, 4].map((i) => runPresignInMemory(pkp1.shares, [1, 2, 3], seededRng(`presign-${i}`)).get(1)!)
  presigs.sort((a, b) => (a.id < b.id ? 1 : -1))
  otherPresig = runPresignInMemory(pkp2.shares, [1, 2, 3], seededRng('presign-other')).get(1)!
})

const hex = (b: Uint8Array): string => bytesToHex(b)
const pkpBytes = (r: PkpRecord): unknown => ({ ...r, publicKeySet: hex(encodePublicKeySet(r.publicKeySet)) })

// ---------------------------------------------------------------- the contract, for both

interface Harness {
  name: string
  /** A fresh backing storage; the returned function opens (or reopens) one node's store on it. */
  backing: () => (nodeId: string) => Promise<NodeStore>
}

const clock = (): number => 1_000 // constant on purpose: "oldest first" must not rest on the clock

const harnesses: Harness[] = [
  {
    name: 'MemoryNodeStore',
    backing: () => {
      const storage = new MemoryNodeStorage()
      return async (nodeId) => await MemoryNodeStore.open(nodeId, { storage, now: clock })
    }
  },
  {
    name: 'IdbNodeStore',
    backing: () => {
      const indexedDB = new IDBFactory()
      return async (nodeId) => await IdbNodeStore.open(nodeId, { indexedDB, now: clock })
    }
  }
]

describe.each(harnesses)('$name', ({ backing }) => {
  const opened: NodeStore[] = []
  let openStore: (nodeId: string) => Promise<NodeStore>
  async function fresh (nodeId = NODE_A): Promise<NodeStore> {
    const s = await openStore(nodeId)
    opened.push(s)
    return s
  }
  beforeAll(() => { openStore = backing() })
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close()
    openStore = backing()
  })

  it('round-trips the network key with and without a share', async () => {
    const store = await fresh()
    expect(await store.getNetworkKey()).toBeUndefined()
    const { share: _s, ...publicOnly } = { ...net.key, share: undefined }
    await store.putNetworkKey(publicOnly)
    const got1 = await store.getNetworkKey()
    expect(got1?.share).toBeUndefined()
    expect(got1?.genesisId).toBe('genesis-1')
    expect(hex(encodePublicKeySet(got1!.publicKeySet))).toBe(hex(encodePublicKeySet(net.key.publicKeySet)))

    // A share-bearing key replaces a share-less one.
    await store.putNetworkKey({ ...net.key, share: net.shares[1] })
    const got2 = await store.getNetworkKey()
    expect(got2?.members).toEqual(net.key.members)
    expect(hex(encodeKeyShare(got2!.share!))).toBe(hex(encodeKeyShare(net.shares[1])))
  })

  it('does not let a share-less network key replace a key with a share', async () => {
    const store = await fresh()
    await store.putNetworkKey({ ...net.key, share: net.shares[0] })
    await expect(store.putNetworkKey({ ...net.key, genesisId: 'genesis-2' })).rejects.toMatchObject({ name: 'StoreError', code: 'ERR_NETWORK_KEY_DOWNGRADE' })
    const got = await store.getNetworkKey()
    expect(got?.genesisId).toBe('genesis-1')
    expect(got?.share?.secretShare).toBe(net.shares[0].secretShare)
  })

  it('refuses a network key share of another key', async () => {
    const store = await fresh()
    const other = dealKeyShares(BlsG1, 1, [1, 2, 3], { rng: seededRng('other-network') })
    await expect(store.putNetworkKey({ ...net.key, share: other[0] })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    expect(await store.getNetworkKey()).toBeUndefined()
  })

  it('round-trips PKP records and shares, keeps additive fields, returns copies', async () => {
    const store = await fresh()
    expect(await store.getPkp(pkp1.record.tokenId)).toBeUndefined()
    expect(await store.getPkpShare(pkp1.record.tokenId)).toBeUndefined()
    const withMintId = { ...pkp1.record, mintId: 'mint-7' } as PkpRecord
    await store.putPkp(withMintId, pkp1.shares[0])
    await store.putPkp(pkp2.record, pkp2.shares[2])

    const got = await store.getPkp(pkp1.record.tokenId)
    expect(pkpBytes(got!)).toEqual(pkpBytes(withMintId))
    expect((got as PkpRecord & { mintId?: string }).mintId).toBe('mint-7')
    const share = await store.getPkpShare(pkp2.record.tokenId)
    expect(hex(encodeKeyShare(share!))).toBe(hex(encodeKeyShare(pkp2.shares[2])))

    const list = await store.listPkps()
    expect(list.map((r) => r.tokenId).sort()).toEqual([pkp1.record.tokenId, pkp2.record.tokenId].sort())

    got!.committee.push('intruder')
    expect((await store.getPkp(pkp1.record.tokenId))!.committee).toEqual(pkp1.record.committee)
  })

  it('refuses a second putPkp for a tokenId and keeps the first share', async () => {
    const store = await fresh()
    await store.putPkp(pkp1.record, pkp1.shares[0])
    await expect(store.putPkp(pkp1.record, pkp1.shares[1])).rejects.toMatchObject({ name: 'StoreError', code: 'ERR_PKP_EXISTS' })
    expect((await store.getPkpShare(pkp1.record.tokenId))!.id).toBe(1)
    expect(await store.listPkps()).toHaveLength(1)
  })

  it('refuses a share that does not belong to the record', async () => {
    const store = await fresh()
    await expect(store.putPkp(pkp1.record, pkp2.shares[0])).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    expect(await store.getPkp(pkp1.record.tokenId)).toBeUndefined()
    expect(await store.getPkpShare(pkp1.record.tokenId)).toBeUndefined()
  })

  it('lists and counts presignatures by allocator, oldest first, with their public part', async () => {
    const store = await fresh()
    const tok = pkp1.record.tokenId
    const allocators = [ALLOC_1, ALLOC_2, ALLOC_1, ALLOC_2, ALLOC_1]
    for (const [i, p] of presigs.entries()) await store.putPresignature(tok, allocators[i], p)
    await store.putPresignature(pkp2.record.tokenId, ALLOC_1, otherPresig)

    const all = await store.listPresignatures(tok)
    expect(all.map((e) => e.id)).toEqual(presigs.map((p) => p.id)) // insertion order, which is not id order
    expect(all.map((e) => e.allocator)).toEqual(allocators)
    expect(all.every((e) => e.tokenId === tok && e.createdAt === 1_000)).toBe(true)
    expect(hex(all[2].publicBytes)).toBe(hex(encodePresignaturePublic(presigs[2].public)))
    expect(all[2].participants).toEqual(presigs[2].public.participants)
    expect(all[2].degree).toBe(presigs[2].public.degree)

    expect((await store.listPresignatures(tok, ALLOC_1)).map((e) => e.id)).toEqual([presigs[0].id, presigs[2].id, presigs[4].id])
    expect((await store.listPresignatures(tok, ALLOC_2)).map((e) => e.id)).toEqual([presigs[1].id, presigs[3].id])
    expect(await store.countPresignatures(tok)).toBe(5)
    expect(await store.countPresignatures(tok, ALLOC_1)).toBe(3)
    expect(await store.countPresignatures(tok, 'nobody')).toBe(0)
    expect(await store.countPresignatures(pkp2.record.tokenId)).toBe(1)
    expect(await store.listPresignatures('unknown-token')).toEqual([])
  })

  it('takes a presignature once: the secret comes back whole, then PresignatureUsedError', async () => {
    const store = await fresh()
    const tok = pkp1.record.tokenId
    await store.putPresignature(tok, ALLOC_1, presigs[0])
    await store.putPresignature(tok, ALLOC_1, presigs[1])

    const taken = await store.takePresignature(tok, presigs[0].id)
    expect(taken.consumed).toBe(false)
    expect(hex(taken.toBytes())).toBe(hex(presigs[0].toBytes()))
    await expect(store.takePresignature(tok, presigs[0].id)).rejects.toMatchObject({ name: 'PresignatureUsedError', code: 'ERR_PRESIGNATURE_USED' })
    expect((await store.listPresignatures(tok)).map((e) => e.id)).toEqual([presigs[1].id])
    expect(await store.countPresignatures(tok, ALLOC_1)).toBe(1)
    // A used presignature can never be stored again.
    await expect(store.putPresignature(tok, ALLOC_1, presigs[0])).rejects.toMatchObject({ code: 'ERR_PRESIGNATURE_EXISTS' })
    await expect(store.takePresignature(tok, presigs[0].id)).rejects.toMatchObject({ name: 'PresignatureUsedError' })
  })

  it('a take whose check throws changes nothing; the check sees the entry', async () => {
    const store = await fresh()
    const tok = pkp1.record.tokenId
    await store.putPresignature(tok, ALLOC_1, presigs[0])
    const seen: string[] = []
    const refusal = new InvalidArgumentError('signers', 'not in this presignature')
    await expect(store.takePresignature(tok, presigs[0].id, (entry) => { seen.push(entry.id); expect(entry.participants).toEqual(presigs[0].public.participants); throw refusal })).rejects.toBe(refusal)
    expect(seen).toEqual([presigs[0].id])
    expect(await store.countPresignatures(tok)).toBe(1)
    const taken = await store.takePresignature(tok, presigs[0].id, () => {})
    expect(hex(taken.toBytes())).toBe(hex(presigs[0].toBytes()))
    expect(await store.countPresignatures(tok)).toBe(0)
  })

  it('lets only one of two concurrent takes succeed', async () => {
    const store = await fresh()
    const tok = pkp1.record.tokenId
    await store.putPresignature(tok, ALLOC_1, presigs[0])
    const results = await Promise.allSettled([store.takePresignature(tok, presigs[0].id), store.takePresignature(tok, presigs[0].id)])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(rejected.map((r) => (r.reason as Error).name)).toEqual(['PresignatureUsedError'])
  })

  it('remembers a taken presignature across close and reopen (reload)', async () => {
    const tok = pkp1.record.tokenId
    const first = await fresh()
    await first.putPresignature(tok, ALLOC_1, presigs[0])
    await first.putPresignature(tok, ALLOC_1, presigs[1])
    await first.takePresignature(tok, presigs[0].id)
    await first.close()

    const again = await fresh()
    await expect(again.takePresignature(tok, presigs[0].id)).rejects.toMatchObject({ name: 'PresignatureUsedError' })
    expect((await again.listPresignatures(tok)).map((e) => e.id)).toEqual([presigs[1].id])
    expect(hex((await again.takePresignature(tok, presigs[1].id)).toBytes())).toBe(hex(presigs[1].toBytes()))
  })

  it('listings stay exact while writes commit during the first listing', async () => {
    const tok = pkp1.record.tokenId
    const store = await fresh()
    await store.putPresignature(tok, ALLOC_1, presigs[0])
    const [listed] = await Promise.all([store.listPresignatures(tok), store.putPresignature(tok, ALLOC_2, presigs[1]), store.takePresignature(tok, presigs[0].id)])
    // The first listing may see the writes or not; every later one sees exactly what committed.
    expect(listed.every((e) => [presigs[0].id, presigs[1].id].includes(e.id))).toBe(true)
    expect((await store.listPresignatures(tok)).map((e) => e.id)).toEqual([presigs[1].id])
    await store.putPresignature(tok, ALLOC_1, presigs[2])
    await store.takePresignatures(tok, [presigs[1].id])
    expect((await store.listPresignatures(tok)).map((e) => e.id)).toEqual([presigs[2].id])
    expect(await store.countPresignatures(tok, ALLOC_1)).toBe(1)
    expect(await store.countPresignatures(tok, ALLOC_2)).toBe(0)
    // A listing's entries are the caller's: changing one changes nothing stored.
    const [entry] = await store.listPresignatures(tok)
    entry.participants.push(99)
    expect((await store.listPresignatures(tok))[0].participants).toEqual(presigs[2].public.participants)
  })

  it('takes a batch in one step: unused and accepted ones only, each tombstoned, also across a reload', async () => {
    const tok = pkp1.record.tokenId
    const first = await fresh()
    for (const p of presigs.slice(0, 4)) await first.putPresignature(tok, ALLOC_1, p)
    await first.putPresignature(tok, ALLOC_2, presigs[4])
    await first.takePresignature(tok, presigs[0].id)
    const seen: string[] = []
    const taken = await first.takePresignatures(tok, [presigs[0].id, presigs[1].id, presigs[1].id, presigs[2].id, presigs[4].id, 'ab'.repeat(32)], (entry) => {
      seen.push(entry.id)
      return entry.allocator === ALLOC_1
    })
    // Used and unknown ids are skipped before `accept`; the other allocator's is refused by it; a repeated id counts once.
    expect(taken.map((t) => t.entry.id).sort()).toEqual([presigs[1].id, presigs[2].id].sort())
    expect(seen.sort()).toEqual([presigs[1].id, presigs[2].id, presigs[4].id].sort())
    for (const t of taken) {
      const original = presigs.find((p) => p.id === t.entry.id)!
      expect(hex(t.presignature.toBytes())).toBe(hex(original.toBytes()))
      expect(t.entry.participants).toEqual(original.public.participants)
    }
    expect((await first.listPresignatures(tok)).map((e) => e.id).sort()).toEqual([presigs[3].id, presigs[4].id].sort())
    await expect(first.takePresignature(tok, presigs[1].id)).rejects.toMatchObject({ name: 'PresignatureUsedError' })
    expect(await first.takePresignatures(tok, [presigs[1].id, presigs[2].id])).toEqual([])
    await first.close()
    const again = await fresh()
    await expect(again.takePresignature(tok, presigs[2].id)).rejects.toMatchObject({ name: 'PresignatureUsedError' })
    expect((await again.takePresignatures(tok, [presigs[3].id])).map((t) => t.entry.id)).toEqual([presigs[3].id])
  })

  it('says PresignatureNotFoundError for unknown ids and for another PKP\'s presignature', async () => {
    const store = await fresh()
    await store.putPresignature(pkp1.record.tokenId, ALLOC_1, presigs[0])
    await expect(store.takePresignature(pkp1.record.tokenId, 'ab'.repeat(32))).rejects.toMatchObject({ name: 'PresignatureNotFoundError', code: 'ERR_PRESIGNATURE_NOT_FOUND' })
    await expect(store.takePresignature(pkp2.record.tokenId, presigs[0].id)).rejects.toMatchObject({ name: 'PresignatureNotFoundError' })
    expect(await store.countPresignatures(pkp1.record.tokenId)).toBe(1)
  })

  it('discards presignatures: no longer listed, never taken', async () => {
    const store = await fresh()
    const tok = pkp1.record.tokenId
    for (const p of presigs.slice(0, 3)) await store.putPresignature(tok, ALLOC_1, p)
    await store.discardPresignatures(tok, [presigs[0].id, presigs[2].id, 'cd'.repeat(32)])
    expect((await store.listPresignatures(tok)).map((e) => e.id)).toEqual([presigs[1].id])
    await expect(store.takePresignature(tok, presigs[2].id)).rejects.toMatchObject({ name: 'PresignatureUsedError' })
  })

  it('refuses a consumed presignature', async () => {
    const store = await fresh()
    const p = runPresignInMemory(pkp1.shares, [1, 2, 3], seededRng('consumed')).get(2)!
    p.take()
    await expect(store.putPresignature(pkp1.record.tokenId, ALLOC_1, p)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })

  it('keeps the stores of two node ids apart', async () => {
    const a = await fresh(NODE_A)
    const b = await fresh(NODE_B)
    await a.putNetworkKey({ ...net.key, share: net.shares[0] })
    await a.putPkp(pkp1.record, pkp1.shares[0])
    await a.putPresignature(pkp1.record.tokenId, ALLOC_1, presigs[0])
    expect(a.nodeId).toBe(NODE_A)
    expect(b.nodeId).toBe(NODE_B)
    expect(await b.getNetworkKey()).toBeUndefined()
    expect(await b.listPkps()).toEqual([])
    expect(await b.getPkpShare(pkp1.record.tokenId)).toBeUndefined()
    expect(await b.countPresignatures(pkp1.record.tokenId)).toBe(0)
    await expect(b.takePresignature(pkp1.record.tokenId, presigs[0].id)).rejects.toMatchObject({ name: 'PresignatureNotFoundError' })
    // b may hold the same PKP (it is in the committee too) without touching a's.
    await b.putPkp(pkp1.record, pkp1.shares[1])
    expect((await a.getPkpShare(pkp1.record.tokenId))!.id).toBe(1)
    expect((await b.getPkpShare(pkp1.record.tokenId))!.id).toBe(2)
  })

  it('refuses every call after close with StorageUnavailableError', async () => {
    const store = await fresh()
    await store.close()
    await expect(store.listPkps()).rejects.toMatchObject({ name: 'StorageUnavailableError', code: 'ERR_STORAGE_UNAVAILABLE' })
    await expect(store.putPresignature(pkp1.record.tokenId, ALLOC_1, presigs[0])).rejects.toMatchObject({ name: 'StorageUnavailableError' })
    await expect(store.takePresignature(pkp1.record.tokenId, presigs[0].id)).rejects.toMatchObject({ name: 'StorageUnavailableError' })
  })

  it('refuses node ids that cannot name a database', async () => {
    for (const bad of ['', 'a/b', 'x'.repeat(129)]) await expect(openStore(bad)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })
})

// ---------------------------------------------------------------- IndexedDB only: sealing at rest, failures

/** Every value of every object store of a node's database, read around the store. */
async function rawValues (indexedDB: IDBFactory, nodeId: string): Promise<Map<string, Map<string, unknown>>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(nodeStateDbName(nodeId))
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
  const out = new Map<string, Map<string, unknown>>()
  const names = [...db.objectStoreNames]
  const tx = db.transaction(names, 'readonly')
  await Promise.all(names.map(async (name) => await new Promise<void>((resolve, reject) => {
    const values = new Map<string, unknown>()
    out.set(name, values)
    const req = tx.objectStore(name).openCursor()
    req.onsuccess = () => {
      const cursor = req.result
      if (cursor === null) { resolve(); return }
      values.set(JSON.stringify(cursor.key), cursor.value)
      cursor.continue()
    }
    req.onerror = () => reject(req.error)
  })))
  db.close()
  return out
}

async function rawUpdate (indexedDB: IDBFactory, nodeId: string, storeName: string, key: IDBValidKey, change: (value: any) => any): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(nodeStateDbName(nodeId))
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
  const tx = db.transaction(storeName, 'readwrite')
  const store = tx.objectStore(storeName)
  const get = store.get(key)
  get.onsuccess = () => {
    const value = change(get.result)
    if (store.keyPath === null) store.put(value, key)
    else store.put(value)
  }
  await new Promise<void>((resolve, reject) => { tx.oncomplete = () => resolve(); tx.onerror = () => reject(tx.error) })
  db.close()
}

function allBytes (value: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (value instanceof Uint8Array) out.push(value)
  else if (Array.isArray(value)) for (const v of value) allBytes(v, out)
  else if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) allBytes(v, out)
  }
  return out
}

function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  return hex(haystack).includes(hex(needle)) // hex of byte-aligned data: a match at an odd offset is harmless here
}

describe('IdbNodeStore at rest', () => {
  let indexedDB: IDBFactory
  let store: IdbNodeStore
  const tok1 = (): string => pkp1.record.tokenId
  const tok2 = (): string => pkp2.record.tokenId

  beforeAll(() => { /* fixtures come from the top-level beforeAll */ })
  afterEach(async () => { await store?.close(); vi.restoreAllMocks() })

  async function filled (): Promise<void> {
    indexedDB = new IDBFactory()
    store = await IdbNodeStore.open(NODE_A, { indexedDB })
    await store.putNetworkKey({ ...net.key, share: net.shares[0] })
    await store.putPkp(pkp1.record, pkp1.shares[0])
    await store.putPkp(pkp2.record, pkp2.shares[0])
    await store.putPresignature(tok1(), ALLOC_1, presigs[0])
    await store.putPresignature(tok1(), ALLOC_1, presigs[1])
  }

  it('stores no secret scalar in the clear (key shares, network share, presignature α and β)', async () => {
    await filled()
    const values = await rawValues(indexedDB, NODE_A)
    const bytes = [...values.values()].flatMap((m) => [...m.values()]).flatMap((v) => allBytes(v))
    const p0 = presigs[0].toBytes()
    const secrets = [
      scalarToBytes(Secp256k1, pkp1.shares[0].secretShare),
      scalarToBytes(Secp256k1, pkp2.shares[0].secretShare),
      scalarToBytes(BlsG1, net.shares[0].secretShare),
      p0.subarray(p0.length - 64, p0.length - 32), // α
      p0.subarray(p0.length - 32) // β
    ]
    for (const s of secrets) expect(bytes.some((b) => contains(b, s))).toBe(false)
    // The scan does see what is stored in the clear: the public key of pkp1.
    expect(bytes.some((b) => contains(b, pkp1.record.publicKeySet.publicKey.toBytes()))).toBe(true)
  })

  it('keeps a non-extractable AES-GCM key in meta', async () => {
    await filled()
    const key = (await rawValues(indexedDB, NODE_A)).get('meta')!.get(JSON.stringify('sealingKey')) as CryptoKey
    expect(key.type).toBe('secret')
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 })
    expect(key.extractable).toBe(false)
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow()
    // The same key comes back after a reload, so sealed values still open.
    await store.close()
    store = await IdbNodeStore.open(NODE_A, { indexedDB })
    expect((await store.getPkpShare(tok1()))!.secretShare).toBe(pkp1.shares[0].secretShare)
  })

  it('refuses a tampered key share with SealedValueError', async () => {
    await filled()
    await rawUpdate(indexedDB, NODE_A, 'keyShares', tok1(), (v) => ({ ...v, ct: v.ct.map((b: number, i: number) => (i === 5 ? b ^ 1 : b)) }))
    await expect(store.getPkpShare(tok1())).rejects.toMatchObject({ name: 'SealedValueError', code: 'ERR_SEALED_VALUE' })
    expect((await store.getPkpShare(tok2()))!.secretShare).toBe(pkp2.shares[0].secretShare)
  })

  it('refuses a sealed share moved to another PKP\'s record', async () => {
    await filled()
    const sealed1 = (await rawValues(indexedDB, NODE_A)).get('keyShares')!.get(JSON.stringify(tok1()))
    await rawUpdate(indexedDB, NODE_A, 'keyShares', tok2(), () => sealed1)
    await expect(store.getPkpShare(tok2())).rejects.toMatchObject({ name: 'SealedValueError' })
  })

  it('after a restart an unused presignature is opened from its sealed record, whole', async () => {
    await filled()
    await store.close()
    store = await IdbNodeStore.open(NODE_A, { indexedDB })
    expect(hex((await store.takePresignature(tok1(), presigs[1].id)).toBytes())).toBe(hex(presigs[1].toBytes()))
    await expect(store.takePresignature(tok1(), presigs[1].id)).rejects.toMatchObject({ name: 'PresignatureUsedError' })
  })

  it('refuses a presignature secret moved to another record, and the target stays used', async () => {
    await filled()
    const key0 = [tok1(), presigs[0].id]
    const key1 = [tok1(), presigs[1].id]
    const row0 = (await rawValues(indexedDB, NODE_A)).get('presignatures')!.get(JSON.stringify(key0)) as { secret: unknown }
    await rawUpdate(indexedDB, NODE_A, 'presignatures', key1, (v) => ({ ...v, secret: row0.secret }))
    // At rest: the database is changed while the node is not running (a running store holds the
    // secrets it wrote in memory and would not read them back), then the node starts again.
    await store.close()
    store = await IdbNodeStore.open(NODE_A, { indexedDB })
    await expect(store.takePresignature(tok1(), presigs[1].id)).rejects.toMatchObject({ name: 'SealedValueError' })
    await expect(store.takePresignature(tok1(), presigs[1].id)).rejects.toMatchObject({ name: 'PresignatureUsedError' })
    expect(hex((await store.takePresignature(tok1(), presigs[0].id)).toBytes())).toBe(hex(presigs[0].toBytes()))
  })

  it('refuses a tampered network key share', async () => {
    await filled()
    await rawUpdate(indexedDB, NODE_A, 'network', 'current', (v) => ({ ...v, share: { ...v.share, iv: v.share.iv.map((b: number, i: number) => (i === 0 ? b ^ 0x80 : b)) } }))
    await expect(store.getNetworkKey()).rejects.toMatchObject({ name: 'SealedValueError' })
  })

  it('writes nothing of a PKP when the quota is exceeded half-way', async () => {
    indexedDB = new IDBFactory()
    store = await IdbNodeStore.open(NODE_A, { indexedDB })
    const realPut = IDBObjectStore.prototype.put
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'pkps') throw new DOMException('quota', 'QuotaExceededError')
      return realPut.apply(this, args)
    })
    await expect(store.putPkp(pkp1.record, pkp1.shares[0])).rejects.toMatchObject({ name: 'StorageUnavailableError', code: 'ERR_STORAGE_UNAVAILABLE' })
    vi.restoreAllMocks()
    expect(await store.getPkpShare(tok1())).toBeUndefined() // the share written first in that transaction was rolled back
    expect(await store.getPkp(tok1())).toBeUndefined()
    await store.putPkp(pkp1.record, pkp1.shares[0]) // and the store still works
    expect((await store.getPkpShare(tok1()))!.id).toBe(1)
  })

  it('maps a database of a newer version to StorageUnavailableError', async () => {
    indexedDB = new IDBFactory()
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open(nodeStateDbName(NODE_B), NODE_STATE_DB_VERSION + 1)
      req.onsuccess = () => { req.result.close(); resolve() }
      req.onerror = () => reject(req.error)
    })
    await expect(IdbNodeStore.open(NODE_B, { indexedDB })).rejects.toMatchObject({ name: 'StorageUnavailableError' })
  })

  it('lets go of the database when another connection upgrades it, then refuses calls', async () => {
    await filled()
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open(nodeStateDbName(NODE_A), NODE_STATE_DB_VERSION + 1)
      req.onsuccess = () => { req.result.close(); resolve() }
      req.onerror = () => reject(req.error)
    })
    await expect(store.listPkps()).rejects.toMatchObject({ name: 'StorageUnavailableError' })
  })
})
