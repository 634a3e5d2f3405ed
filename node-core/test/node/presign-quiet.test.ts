/**
 * Background presigning holds off while signing goes on (docs/node-runtime.md
 * §5.3): a lease counts as signing activity on its allocator, so the pool it
 * drew from refills only after quietMs, unless it fell to its low water.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PresignLease } from '../../src/node/rpc-definitions.js'
import type { AuthSig } from '../../src/node/rpc-definitions.js'
import { poolAt, startWithFullPools, testAccount, until, type MintedForTest, type TestNetwork } from './helpers.js'

const owner = testAccount('quiet-owner')
let net: TestNetwork
let auth: AuthSig
let pkp: MintedForTest

const poolOf = async (peer: string): Promise<number> => await poolAt(net, peer, pkp.info.tokenId)

beforeAll(async () => {
  // target 4 → low water 1; a minute of quiet after any signing activity.
  ({ net, auth, pkp } = await startWithFullPools(3, 'presign-quiet', owner, { poolTarget: 4, presignQuietMs: 60_000 }))
})
afterAll(async () => {
  await net.stop()
  expect(net.net.internalFailures).toEqual([])
})

describe('presign pool quiet period', () => {
  it('a lease defers the allocator\'s refill while above low water; at low water it refills above it at once', async () => {
    const allocator = net.peers[0]
    const { presignatures } = await net.client.request(PresignLease, allocator, { tokenId: pkp.info.tokenId, count: 2, auth })
    expect(presignatures).toHaveLength(2)
    expect(await poolOf(allocator)).toBe(2)
    // No event marks a run that does not start: a window 50× the pause between runs (20 ms here), in which
    // the refill would have happened before leases counted as activity.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(await poolOf(allocator)).toBe(2)
    // One more lease takes the pool to its low water (1): refilling no longer waits for quiet, but only
    // until the pool is above low water again; the rest waits for the quiet period.
    await net.client.request(PresignLease, allocator, { tokenId: pkp.info.tokenId, count: 1, auth })
    await until(async () => await poolOf(allocator) >= 2, 30_000, 'refill at low water')
  })
})
