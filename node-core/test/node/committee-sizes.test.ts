/** Mint → lease → sign → verify with the smallest committee (3, t = 1) and a larger one (7, t = 2). */
import { describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { authSigFor, expectValidSignature, leaseOne, mintByRpc, signByRpc, startNetwork, testAccount } from './helpers.js'

for (const [n, t] of [[3, 1], [7, 2]] as const) {
  describe(`${n} nodes`, () => {
    it(`mints a degree-${t} PKP and signs with 2t+1 = ${2 * t + 1} signers`, async () => {
      const net = await startNetwork(n, { seed: `size-${n}`, config: { genesisMinNodes: 99 } })
      try {
        const auth = await authSigFor(testAccount(`size-${n}`))
        const pkp = await mintByRpc(net.client, net.peers, t, auth)
        const pub = await leaseOne(net.client, net.peers[n - 1], pkp.info.tokenId, auth)
        // Exactly 2t+1 take part in a presign run, the allocator among them.
        expect(pub.participants).toHaveLength(2 * t + 1)
        expect(pub.participants).toContain(n)
        const signerPeers = pub.participants.map((id) => pkp.committee[id - 1])
        const message = keccak_256(new TextEncoder().encode(`size ${n}`))
        const out = await signByRpc(net.client, pkp, pub, message, signerPeers, auth)
        expect(out.culprits).toEqual([])
        await expectValidSignature(pkp, message, out.signature)
        expect(net.net.internalFailures).toEqual([])
      } finally {
        await net.stop()
      }
    })
  })
}
