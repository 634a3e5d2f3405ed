/**
 * presign/lease with `avoid` (docs/node-runtime.md §5.3): a client that saw bad
 * shares from a node asks allocators for presignatures without it; with
 * exactly 2t+1 participants per presignature, one that includes the cheater
 * would fail again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hexToBytes } from '@noble/hashes/utils.js'
import { decodePresignaturePublic } from '../../src/crypto/ecdsa/index.js'
import { PresignLease, type AuthSig } from '../../src/node/rpc-definitions.js'
import { authSigFor, mintByRpc, startNetwork, testAccount, type MintedForTest, type TestNetwork } from './helpers.js'

let net: TestNetwork
let auth: AuthSig
let pkp: MintedForTest

beforeAll(async () => {
  net = await startNetwork(5, { seed: 'lease-avoid', config: { genesisMinNodes: 99, poolTarget: 0 } })
  auth = await authSigFor(testAccount('lease-avoid'))
  pkp = await mintByRpc(net.client, net.peers, 1, auth)
})
afterAll(async () => { await net.stop() })

describe('presign/lease avoid', () => {
  it('hands out presignatures without the avoided node, making them on demand when it has none', async () => {
    const allocator = pkp.committee[0]
    const suspect = pkp.committee[2]
    for (let i = 0; i < 4; i++) {
      const { presignatures } = await net.client.request(PresignLease, allocator, { tokenId: pkp.info.tokenId, count: 1, auth, avoid: [suspect] })
      expect(presignatures).toHaveLength(1)
      const pub = decodePresignaturePublic(hexToBytes(presignatures[0]))
      expect(pub.participants).toHaveLength(3)
      expect(pub.participants).toContain(1) // the allocator is always a participant
      expect(pub.participants).not.toContain(3) // committee index 2
    }
  })

  it('a malformed avoid list is refused by the schema, naming the field', async () => {
    const err = await net.client.request(PresignLease, pkp.committee[0], { tokenId: pkp.info.tokenId, count: 1, auth, avoid: ['not a peer id!'] } as never).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'MalformedMessageError' })
    expect((err as Error).message).toMatch(/avoid/)
  })
})
