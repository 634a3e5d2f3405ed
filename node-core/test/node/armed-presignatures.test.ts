/**
 * Armed presignatures (docs/node-runtime.md §5.4.1): taken durably at arming,
 * used once from memory, burned by a reload, never used twice.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Secp256k1 } from '../../src/crypto/group.js'
import { dealKeyShares } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'
import type { Presignature } from '../../src/crypto/ecdsa/index.js'
import { runPresignInMemory } from '../../src/protocols/presign/index.js'
import { MemoryNodeStorage, MemoryNodeStore, type NodeStore, type TakenPresignature } from '../../src/store/index.js'
import { ArmedPresignatures } from '../../src/node/armed-presignatures.js'

const TOKEN = 'aa'.repeat(32)
const ALLOCATOR = '12D3KooWAllocator'
const OTHER = '12D3KooWSomeoneElse'
const KEEP_MS = 90_000

let presigs: Presignature[]

beforeAll(() => {
  const shares = dealKeyShares(Secp256k1, 1, [1, 2, 3], { rng: seededRng('armed') })
  presigs = [0, 1, 2].map((i) => runPresignInMemory(shares, [1, 2, 3], seededRng(`armed-${i}`)).get(1)!)
})

/** A store on shared backing (opening it again is a reload), counting the durable single takes; `seed` stores the fixtures. */
async function storeWith (storage: MemoryNodeStorage, seed = true): Promise<{ store: NodeStore, singleTakes: () => number }> {
  const store = new MemoryNodeStore('node-1', { storage })
  const allocators = [ALLOCATOR, ALLOCATOR, OTHER]
  if (seed) for (const [i, p] of presigs.entries()) await store.putPresignature(TOKEN, allocators[i], p)
  let singles = 0
  const take = store.takePresignature.bind(store)
  store.takePresignature = async (...args) => { singles++; return await take(...args) }
  return { store, singleTakes: () => singles }
}

function clockAt (start = 1_000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => { t += ms } }
}

const byAllocator = (allocator: string) => (e: { allocator: string }) => e.allocator === allocator
const hex = (p: Presignature): string => bytesToHex(p.toBytes())

describe('ArmedPresignatures', () => {
  it('arms in one durable step, then hands each secret out once from memory', async () => {
    const { store, singleTakes } = await storeWith(new MemoryNodeStorage())
    const armed = new ArmedPresignatures(store, clockAt(), KEEP_MS)
    const ids = await armed.arm(TOKEN, [presigs[0].id, presigs[1].id, presigs[2].id], byAllocator(ALLOCATOR))
    // The third has another allocator: not armed, still unused in the store.
    expect(ids.sort()).toEqual([presigs[0].id, presigs[1].id].sort())
    expect((await store.listPresignatures(TOKEN)).map((e) => e.id)).toEqual([presigs[2].id])
    expect(armed.size).toBe(2)

    const taken = await armed.take(TOKEN, presigs[0].id)
    expect(hex(taken)).toBe(hex(presigs[0]))
    expect(singleTakes()).toBe(0)
    // A second use meets the tombstone.
    await expect(armed.take(TOKEN, presigs[0].id)).rejects.toMatchObject({ code: 'ERR_PRESIGNATURE_USED' })
    // Arming it again does nothing: it is used.
    expect(await armed.arm(TOKEN, [presigs[0].id], byAllocator(ALLOCATOR))).toEqual([])
    // The unarmed one is taken durably, once.
    expect(hex(await armed.take(TOKEN, presigs[2].id))).toBe(hex(presigs[2]))
    expect(singleTakes()).toBe(2)
  })

  it('a reload burns what was armed: refused, never signed with again', async () => {
    const storage = new MemoryNodeStorage()
    const before = await storeWith(storage)
    await new ArmedPresignatures(before.store, clockAt(), KEEP_MS).arm(TOKEN, [presigs[0].id], byAllocator(ALLOCATOR))
    const after = await storeWith(storage, false)
    const reloaded = new ArmedPresignatures(after.store, clockAt(), KEEP_MS)
    await expect(reloaded.take(TOKEN, presigs[0].id)).rejects.toMatchObject({ code: 'ERR_PRESIGNATURE_USED' })
    expect(hex(await reloaded.take(TOKEN, presigs[1].id))).toBe(hex(presigs[1]))
  })

  it('a refused check leaves the armed secret usable; two racing takes give one secret', async () => {
    const { store } = await storeWith(new MemoryNodeStorage())
    const armed = new ArmedPresignatures(store, clockAt(), KEEP_MS)
    await armed.arm(TOKEN, [presigs[0].id, presigs[1].id], byAllocator(ALLOCATOR))
    const refusal = new Error('signers not in the presignature')
    await expect(armed.take(TOKEN, presigs[0].id, () => { throw refusal })).rejects.toBe(refusal)
    expect(hex(await armed.take(TOKEN, presigs[0].id, (e) => { expect(e.id).toBe(presigs[0].id) }))).toBe(hex(presigs[0]))

    const results = await Promise.allSettled([armed.take(TOKEN, presigs[1].id), armed.take(TOKEN, presigs[1].id)])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['ERR_PRESIGNATURE_USED'])
  })

  it('a take arriving while the arming transaction runs waits for it instead of meeting the tombstone', async () => {
    const { store } = await storeWith(new MemoryNodeStorage())
    let commit: () => void = () => {}
    const gate = new Promise<void>((resolve) => { commit = resolve })
    const slow: Pick<NodeStore, 'takePresignature' | 'takePresignatures'> = {
      takePresignature: store.takePresignature.bind(store),
      takePresignatures: async (...args): Promise<TakenPresignature[]> => {
        const out = await store.takePresignatures(...args)
        await gate
        return out
      }
    }
    const armed = new ArmedPresignatures(slow, clockAt(), KEEP_MS)
    const arming = armed.arm(TOKEN, [presigs[0].id], byAllocator(ALLOCATOR))
    const take = armed.take(TOKEN, presigs[0].id)
    commit()
    expect(await arming).toEqual([presigs[0].id])
    expect(hex(await take)).toBe(hex(presigs[0]))
  })

  it('drops armed secrets after their lease: never handed out', async () => {
    const { store } = await storeWith(new MemoryNodeStorage())
    const clock = clockAt()
    const armed = new ArmedPresignatures(store, clock, KEEP_MS)
    await armed.arm(TOKEN, [presigs[0].id, presigs[1].id], byAllocator(ALLOCATOR))
    clock.advance(KEEP_MS)
    await expect(armed.take(TOKEN, presigs[0].id)).rejects.toMatchObject({ code: 'ERR_PRESIGNATURE_USED' })
    // The next arm sweeps the rest.
    await armed.arm(TOKEN, [presigs[2].id], byAllocator(OTHER))
    expect(armed.size).toBe(1)
  })

  it('a failed arming transaction arms nothing and the presignatures stay in the store', async () => {
    const { store } = await storeWith(new MemoryNodeStorage())
    const failing: Pick<NodeStore, 'takePresignature' | 'takePresignatures'> = {
      takePresignature: store.takePresignature.bind(store),
      takePresignatures: async () => { throw new Error('storage blocked') }
    }
    const armed = new ArmedPresignatures(failing, clockAt(), KEEP_MS)
    await expect(armed.arm(TOKEN, [presigs[0].id], byAllocator(ALLOCATOR))).rejects.toThrow('storage blocked')
    expect(armed.size).toBe(0)
    expect(hex(await armed.take(TOKEN, presigs[0].id))).toBe(hex(presigs[0]))
  })
})
