/**
 * Who a node joins presign runs for (docs/node-runtime.md §5.3): every member
 * of a committee allocates, one run at a time, so a node is asked to join a run
 * of most other members at once. It must not refuse an honest allocator for
 * being busy (a refusal cancels the run after its participants have dealt);
 * it refuses a member that starts more runs at once than an honest one would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PresignStart, type AuthSig } from '../../src/node/rpc-definitions.js'
import { randomHex } from '../../src/node/context.js'
import { DEFAULT_PRESIGN_POOL_CONFIG } from '../../src/node/presign-pool.js'
import { authSigFor, mintByRpc, startNetwork, testAccount, untilPoolsAt, type MintedForTest, type TestNetwork } from './helpers.js'

let net: TestNetwork
let auth: AuthSig
let pkp: MintedForTest

beforeAll(async () => {
  // 8 members, degree 3: every run has 7 participants, so each node is asked into ~6 runs at once.
  net = await startNetwork(8, { seed: 'presign-participants', config: { genesisMinNodes: 99, poolTarget: 2, roundTimeoutMs: 10_000 } })
  auth = await authSigFor(testAccount('participants-owner'))
  pkp = await mintByRpc(net.client, net.peers, 3, auth)
}, 60_000)
afterAll(async () => { await net.stop() })

describe('presign participants', () => {
  it('every allocator runs at once and none is refused as busy: no run is cancelled', async () => {
    await untilPoolsAt(net, pkp.info.tokenId, 2, 60_000)
    const runs = (await Promise.all([...net.nodes.values()].map(async (node) => await node.refresh())))
      .flatMap((s) => s.operations.filter((o) => o.kind === 'presign'))
    expect(runs.length).toBeGreaterThanOrEqual(16)
    expect(runs.filter((o) => o.phase === 'failed').map((o) => o.detail)).toEqual([])
  })

  it('a member starting more runs at once than maxRunsPerAllocator is refused as busy (ERR_UNAVAILABLE)', async () => {
    // The test client is no member; stand in for member 0 through its own endpoint.
    const member = net.net.endpoint(net.peers[0])
    const participants = [...net.peers.slice(0, 7)].sort()
    const start = (): Promise<unknown> => member.request(PresignStart, net.peers[1], { tokenId: pkp.info.tokenId, session: randomHex(32), participants }, { timeoutMs: 60_000 })
    // Runs that wait for their other participants, which never hear of them; one more arrives while
    // they hold their slots (the node takes a slot in the same step as it checks, in arrival order).
    const held = Array.from({ length: DEFAULT_PRESIGN_POOL_CONFIG.maxRunsPerAllocator }, start)
    for (const h of held) h.catch(() => {})
    await expect(start()).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', message: expect.stringMatching(/this allocator/) })
  })
})
