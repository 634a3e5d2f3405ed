/**
 * A pool replaces what signing consumed, not what a client leased ahead
 * (docs/node-runtime.md §5.3): presignatures leased out and not yet used count
 * toward the allocator's target until their lease runs out, except that the
 * unleased part never stays at or below low water (other clients need some).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthSig } from '../../src/node/rpc-definitions.js'
import type { PresignaturePublic } from '../../src/crypto/ecdsa/index.js'
import {
  expectValidSignature, leaseOne, poolAt, signByRpc, startWithFullPools, testAccount, until,
  type MintedForTest, type TestNetwork
} from './helpers.js'

const owner = testAccount('leased-owner')
const LEASE_MS = 8_000
let net: TestNetwork
let auth: AuthSig
let pkp: MintedForTest
const held: PresignaturePublic[] = []

const poolOf = async (peer: string): Promise<number> => await poolAt(net, peer, pkp.info.tokenId)
/** No event marks a run that does not start: a window 50× the pause between runs and 20× the quiet period. */
const window = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 1_000)) }

beforeAll(async () => {
  // target 4 → low water 1; quiet 50 ms, so a refill that is due starts within ~100 ms.
  ({ net, auth, pkp } = await startWithFullPools(3, 'presign-leased', owner, { poolTarget: 4, presignQuietMs: 50, leaseMs: LEASE_MS }))
})
afterAll(async () => {
  await net.stop()
  expect(net.net.internalFailures).toEqual([])
})

describe('presign pool and leases held ahead', () => {
  const allocator = (): string => net.peers[0]

  it('leased, unused presignatures count toward the target: leasing two starts no refill', async () => {
    for (let i = 0; i < 2; i++) held.push(await leaseOne(net.client, allocator(), pkp.info.tokenId, auth))
    expect(await poolOf(allocator())).toBe(2)
    await window()
    expect(await poolOf(allocator())).toBe(2)
  })

  it('using one is what the pool replaces, and only that one', async () => {
    const pub = held.shift()!
    const hash = crypto.getRandomValues(new Uint8Array(32))
    const signers = pub.participants.map((id) => pkp.committee[id - 1])
    const { signature, culprits } = await signByRpc(net.client, pkp, pub, hash, signers, auth)
    expect(culprits).toEqual([])
    await expectValidSignature(pkp, hash, signature)
    await until(async () => await poolOf(allocator()) >= 3, 30_000, 'the used one replaced')
    await window()
    // 3 unleased + 1 still leased = the target.
    expect(await poolOf(allocator())).toBe(3)
  })

  it('at low water the unleased part refills even though the leases cover the target', async () => {
    for (let i = 0; i < 2; i++) held.push(await leaseOne(net.client, allocator(), pkp.info.tokenId, auth))
    // 1 unleased (= low water) + 3 leased: refilled to just above low water.
    await until(async () => await poolOf(allocator()) >= 2, 30_000, 'refill above low water')
    await window()
    expect(await poolOf(allocator())).toBe(2)
  })

  it('once the leases run out, the pool refills to its target', async () => {
    await until(async () => await poolOf(allocator()) >= 4, LEASE_MS + 30_000, 'refill after the leases ended')
  })
})
