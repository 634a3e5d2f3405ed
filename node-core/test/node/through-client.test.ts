/** One flow through the real client SDK (node-core/src/client) against LitNodes on the memory transport. */
import { describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { LitClient } from '../../src/client/lit-client.js'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import type { MintedPkp, PkpSignature } from '../../src/client/types.js'
import { authSigFor, expectValidSignature, startNetwork, testAccount, until, untilPoolsAt, type TestNetwork } from './helpers.js'

/** A LitClient on the memory network `net`, for a fresh test account. */
function clientOn (net: TestNetwork, seed: string): LitClient {
  const clientId = memoryPeerIds(1, `lit-${seed}`)[0]
  return new LitClient({
    rpc: net.net.endpoint(clientId, 'client'),
    directory: net.net.directory(clientId),
    account: testAccount(`${seed}-owner`),
    createAuthSig: async (acc) => await authSigFor(acc)
  })
}

/** Sign `text`'s hash through the client; the signature must verify with noble and viem. */
async function signAndCheck (client: LitClient, pkp: MintedPkp, text: string): Promise<PkpSignature> {
  const toSign = keccak_256(new TextEncoder().encode(text))
  const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign })
  await expectValidSignature({
    info: { ethAddress: pkp.ethAddress } as any, publicKeyHex: pkp.publicKey.replace(/^0x/, ''), degree: pkp.degree, committee: pkp.committee
  }, toSign, { signature: sig.signature } as any)
  return sig
}

describe('through LitClient', () => {
  it('mints a PKP and signs with it; the signature verifies with noble and viem', async () => {
    const net = await startNetwork(5, { seed: 'client', config: { genesisMinNodes: 99, poolTarget: 1 } })
    const client = clientOn(net, 'client')
    try {
      const pkp = await client.mintPkp()
      expect(pkp.committee).toEqual(net.peers)
      const sig = await signAndCheck(client, pkp, 'through the client')
      expect(sig.faults).toEqual([])
    } finally {
      await client.close()
      await net.stop()
    }
    expect(net.net.internalFailures).toEqual([])
  })

  it('leases the next burst\'s presignatures while idle: a burst like the last one needs no lease request', async () => {
    const net = await startNetwork(5, { seed: 'client-ahead', config: { genesisMinNodes: 99, poolTarget: 6 } })
    const client = clientOn(net, 'client-ahead')
    const leaseOps = async (): Promise<Array<{ startedAt: number, endedAt?: number }>> =>
      (await Promise.all([...net.nodes.values()].map(async (node) => await node.refresh()))).flatMap((s) => s.operations.filter((o) => o.kind === 'lease'))
    try {
      const pkp = await client.mintPkp()
      const tokenId = pkp.tokenId.replace(/^0x/, '')
      await untilPoolsAt(net, tokenId, 6)
      for (let i = 0; i < 12; i++) await signAndCheck(client, pkp, `burst one ${i}`)
      const burstOneEnded = Date.now()
      // Idle now: the client leases about as many as the burst used (12), in the background.
      await until(async () => (await leaseOps()).some((o) => o.startedAt >= burstOneEnded), 30_000, 'leases ahead')
      // What the client holds leased is no longer in the nodes' pools, and they do not replace it
      // until it is used (§5.3): ready = the pools plus the client's leases.
      const ready = async (): Promise<{ pool: number, leased: number }> => (await client.listPkps()).find((p) => p.tokenId === pkp.tokenId)!
      await until(async () => (await ready()).leased >= 12, 30_000, 'the client holds as many as the burst used')
      await until(async () => { const r = await ready(); return r.pool + r.leased >= 5 * 6 }, 45_000, 'pools refilled')
      const burstTwoStarted = Date.now()
      for (let i = 0; i < 9; i++) await signAndCheck(client, pkp, `burst two ${i}`)
      expect((await leaseOps()).filter((o) => o.startedAt >= burstTwoStarted)).toEqual([])
    } finally {
      await client.close()
      await net.stop()
    }
    expect(net.net.internalFailures).toEqual([])
  })

  it('signs on after signers reload: leases they burned are dropped and the retry leases anew', async () => {
    const net = await startNetwork(5, { seed: 'client-reload', config: { genesisMinNodes: 99, poolTarget: 4 } })
    const client = clientOn(net, 'client-reload')
    try {
      const pkp = await client.mintPkp()
      // Full pools, so the first sign leases a whole batch (armed on its participants) and keeps the rest.
      const tokenId = pkp.tokenId.replace(/^0x/, '')
      await untilPoolsAt(net, tokenId, 4)
      await signAndCheck(client, pkp, 'before the reloads')
      // Any 2t+1 = 3 of 5 nodes meet every presignature's 3 participants: every cached lease is burned.
      for (const peer of net.peers.slice(0, 3)) await net.reload(peer)
      await signAndCheck(client, pkp, 'after the reloads')
      await signAndCheck(client, pkp, 'and again')
    } finally {
      await client.close()
      await net.stop()
    }
    expect(net.net.internalFailures).toEqual([])
  })
})
