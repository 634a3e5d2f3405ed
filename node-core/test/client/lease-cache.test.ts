import { describe, expect, it } from 'vitest'
import { seededRng } from '../../src/crypto/random.js'
import { presignatureIdHex, type PresignaturePublic } from '../../src/crypto/ecdsa/index.js'
import { runPresignInMemory } from '../../src/protocols/presign/index.js'
import { LEASE_MARGIN_MS, LEASE_TTL_MS, PresignatureLeaseCache } from '../../src/client/lease-cache.js'
import { keyFor } from '../ecdsa/helpers.js'

const keys = keyFor(5, 1, 'lease-key')
const TOKEN = 'aa'.repeat(32)

function presignature (participants: number[], seed: string): PresignaturePublic {
  return runPresignInMemory(keys, participants, seededRng(seed)).get(participants[0])!.public
}

const all = new Set([1, 2, 3, 4, 5])
const low = presignature([1, 2, 3], 'low')
const high = presignature([3, 4, 5], 'high')
const wide = presignature([1, 2, 3, 4, 5], 'wide')

describe('presignature lease cache', () => {
  it('hands each presignature out once', () => {
    const cache = new PresignatureLeaseCache()
    expect(cache.add(TOKEN, 'alloc', [low, wide], 0)).toBe(2)
    const a = cache.take(TOKEN, all, 1)!
    const b = cache.take(TOKEN, all, 1)!
    expect(new Set([a.id, b.id])).toEqual(new Set([presignatureIdHex(low), presignatureIdHex(wide)]))
    expect(cache.take(TOKEN, all, 1)).toBeUndefined()
  })

  it('refuses a presignature it has seen before, also after it was taken', () => {
    const cache = new PresignatureLeaseCache()
    cache.add(TOKEN, 'alloc-1', [low], 0)
    expect(cache.add(TOKEN, 'alloc-2', [low], 0)).toBe(0)
    expect(cache.take(TOKEN, all, 1)?.allocator).toBe('alloc-1')
    expect(cache.add(TOKEN, 'alloc-1', [low], 2)).toBe(0)
    expect(cache.take(TOKEN, all, 3)).toBeUndefined()
  })

  it('picks one whose participants have 2t+1 online, skipping others (which stay)', () => {
    const cache = new PresignatureLeaseCache()
    cache.add(TOKEN, 'alloc', [low, high], 0)
    const online = new Set([3, 4, 5]) // members 1 and 2 closed
    expect(cache.countUsable(TOKEN, online, 1)).toBe(1)
    expect(cache.take(TOKEN, online, 1)?.id).toBe(presignatureIdHex(high))
    expect(cache.take(TOKEN, online, 1)).toBeUndefined()
    expect(cache.count(TOKEN, 1)).toBe(1)
    expect(cache.take(TOKEN, all, 1)?.id).toBe(presignatureIdHex(low)) // members back
  })

  it('drops leases that expire (60 s, less a safety margin) and prefers the oldest', () => {
    const cache = new PresignatureLeaseCache()
    cache.add(TOKEN, 'alloc', [low], 0)
    cache.add(TOKEN, 'alloc', [high], 1_000)
    const lastUse = LEASE_TTL_MS - LEASE_MARGIN_MS
    expect(cache.count(TOKEN, lastUse - 1)).toBe(2)
    expect(cache.take(TOKEN, all, lastUse - 1)?.id).toBe(presignatureIdHex(low))
    cache.add(TOKEN, 'alloc', [wide], 0)
    expect(cache.count(TOKEN, lastUse)).toBe(1) // wide (leased at 0) is gone, high (at 1000) is left
    expect(cache.take(TOKEN, all, lastUse + 1_000)).toBeUndefined()
    expect(cache.count(TOKEN, lastUse + 1_000)).toBe(0)
  })

  it('keeps PKPs apart', () => {
    const cache = new PresignatureLeaseCache()
    cache.add(TOKEN, 'alloc', [low], 0)
    expect(cache.take('bb'.repeat(32), all, 1)).toBeUndefined()
    expect(cache.take(TOKEN, all, 1)).toBeDefined()
  })
})
