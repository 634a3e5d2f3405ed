/** One flow through the real client SDK (node-core/src/client) against LitNodes on the memory transport. */
import { describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { LitClient } from '../../src/client/lit-client.js'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import { authSigFor, expectValidSignature, startNetwork, testAccount } from './helpers.js'

describe('through LitClient', () => {
  it('mints a PKP and signs with it; the signature verifies with noble and viem', async () => {
    const net = await startNetwork(5, { seed: 'client', config: { genesisMinNodes: 99, poolTarget: 1 } })
    const account = testAccount('client-owner')
    const clientId = memoryPeerIds(1, 'lit-client')[0]
    const client = new LitClient({
      rpc: net.net.endpoint(clientId, 'client'),
      directory: net.net.directory(clientId),
      account,
      createAuthSig: async (acc) => await authSigFor(acc)
    })
    try {
      const pkp = await client.mintPkp()
      expect(pkp.committee).toEqual(net.peers)
      const toSign = keccak_256(new TextEncoder().encode('through the client'))
      const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign })
      await expectValidSignature({
        info: { ethAddress: pkp.ethAddress } as any, publicKeyHex: pkp.publicKey.replace(/^0x/, ''), degree: pkp.degree, committee: pkp.committee
      }, toSign, { signature: sig.signature } as any)
      expect(sig.faults).toEqual([])
    } finally {
      await client.close()
      await net.stop()
    }
    expect(net.net.internalFailures).toEqual([])
  })
})
