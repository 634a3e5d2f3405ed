/**
 * Genesis of the network BLS key (forms by itself once 3 nodes are online; a
 * later node learns the public key but holds no share) and decryption shares
 * under access conditions, driven by RPC as a client would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import {
  accessControlIdentity, combineAndDecrypt, decodeBlsDecryptionShare, decodeBlsPublicKeySet, findInvalidBlsDecryptionShares,
  ibeEncrypt, type BlsDecryptionShare
} from '../../src/crypto/bls/index.js'
import { anyone, callerIs, conditionsHash, type AccessControlConditions } from '../../src/node/access-conditions.js'
import { DecryptShareRequest, NetworkInfo, type AuthSig } from '../../src/node/rpc-definitions.js'
import { authSigFor, startNetwork, testAccount, until, type TestNetwork } from './helpers.js'
import type { NodeRpc } from '../../src/node/transport.js'

describe('genesis', () => {
  let net: TestNetwork
  afterAll(async () => { await net?.stop() })

  it('waits for 3 online nodes, then forms the key by itself; a later node learns it without a share', async () => {
    net = await startNetwork(4, { seed: 'genesis', offline: [2, 3] })
    const [a, b, c, d] = net.peers
    const node = (p: string) => net.nodes.get(p)!
    // Two nodes online: several stable periods pass and nobody proposes.
    await new Promise((resolve) => setTimeout(resolve, 3 * net.nodes.get(a)!.config.genesisStableMs))
    expect(node(a).genesis.state).toBe('waiting')
    expect(node(b).genesis.state).toBe('waiting')
    net.net.setOnline(c, true)
    await until(() => [a, b, c].every((p) => node(p).genesis.state === 'done'), 40_000, 'genesis among 3')
    for (const p of [a, b, c]) expect(node(p).genesis.keyHolder).toBe(true)
    const key = node(a).genesis.networkKeyInfo()!
    expect(key.members).toEqual([a, b, c])
    for (const p of [b, c]) expect(node(p).genesis.networkKeyInfo()).toEqual(key)
    // A fourth node comes online later: it learns the public key, is not a holder, and no new genesis runs.
    net.net.setOnline(d, true)
    await until(() => node(d).genesis.state === 'done', 20_000, 'the late node to learn the key')
    expect(node(d).genesis.keyHolder).toBe(false)
    expect(node(d).genesis.networkKeyInfo()).toEqual(key)
    const info = await net.client.request(NetworkInfo, d, {})
    expect(info).toMatchObject({ node: d, keyHolder: false, genesis: 'done', networkKey: key, curveArithmetic: 'wasm' })
    // It holds no share, so it cannot serve decryption shares.
    await expect(net.client.request(DecryptShareRequest, d, { conditions: JSON.stringify([{ conditionType: 'anyone' }]), dataHash: '00'.repeat(32) }))
      .rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' })
    const snap = await node(d).refresh()
    expect(snap.keyHolder).toBe(false)
    expect(snap.networkKey?.members).toEqual([a, b, c])
  })
})

describe('decrypt (5 nodes, one returns corrupt shares)', () => {
  const alice = testAccount('alice')
  const bob = testAccount('bob')
  const CORRUPT = 3
  let net: TestNetwork
  let aliceAuth: AuthSig
  let bobAuth: AuthSig

  beforeAll(async () => {
    net = await startNetwork(5, { seed: 'decrypt', faults: { [CORRUPT]: { corruptShares: true } } })
    aliceAuth = await authSigFor(alice)
    bobAuth = await authSigFor(bob)
    await until(() => [...net.nodes.values()].every((n) => n.genesis.state === 'done'), 60_000, 'genesis among 5')
  })
  afterAll(async () => {
    await net.stop()
    expect(net.net.internalFailures).toEqual([])
  })

  function encryptTo (conditions: AccessControlConditions, plaintext: Uint8Array): { ciphertext: Uint8Array, dataHash: Uint8Array } {
    const key = net.nodes.get(net.peers[0])!.genesis.networkKey!
    const dataHash = sha256(plaintext)
    const identity = accessControlIdentity(conditionsHash(conditions), dataHash)
    return { ciphertext: ibeEncrypt(key.publicKeySet.publicKey, identity, plaintext), dataHash }
  }

  async function shares (client: NodeRpc, conditions: AccessControlConditions | string, dataHash: Uint8Array, auth?: AuthSig): Promise<{ shares: BlsDecryptionShare[], errors: Map<string, unknown> }> {
    const text = typeof conditions === 'string' ? conditions : JSON.stringify(conditions)
    const errors = new Map<string, unknown>()
    const out: BlsDecryptionShare[] = []
    await Promise.all(net.peers.map(async (p) => {
      try {
        const req = auth === undefined ? { conditions: text, dataHash: bytesToHex(dataHash) } : { conditions: text, dataHash: bytesToHex(dataHash), auth }
        const res = await client.request(DecryptShareRequest, p, req)
        out.push(decodeBlsDecryptionShare(hexToBytes(res.share)))
      } catch (err) {
        errors.set(p, err)
      }
    }))
    return { shares: out, errors }
  }

  it('anyone: shares from every holder; the corrupt one is named; the rest decrypt', async () => {
    const conditions = [anyone]
    const plaintext = new TextEncoder().encode('for everyone')
    const { ciphertext, dataHash } = encryptTo(conditions, plaintext)
    const { shares: got, errors } = await shares(net.client, conditions, dataHash)
    expect(errors.size).toBe(0)
    const info = await net.client.request(NetworkInfo, net.peers[0], {})
    const pks = decodeBlsPublicKeySet(hexToBytes(info.networkKey!.publicKeySet))
    const identity = accessControlIdentity(conditionsHash(conditions), dataHash)
    expect(findInvalidBlsDecryptionShares(pks, identity, got)).toEqual([CORRUPT + 1])
    const { plaintext: opened, culprits } = combineAndDecrypt(pks, identity, ciphertext, got)
    expect(new TextDecoder().decode(opened)).toBe('for everyone')
    expect(culprits).toEqual([CORRUPT + 1])
  })

  it('caller is X: X decrypts; another caller and no caller are refused with ERR_UNAUTHORIZED', async () => {
    const conditions = [callerIs(alice.address)]
    const plaintext = new TextEncoder().encode('alice only')
    const { ciphertext, dataHash } = encryptTo(conditions, plaintext)
    const ok = await shares(net.client, conditions, dataHash, aliceAuth)
    expect(ok.errors.size).toBe(0)
    const key = net.nodes.get(net.peers[0])!.genesis.networkKey!
    const identity = accessControlIdentity(conditionsHash(conditions), dataHash)
    expect(new TextDecoder().decode(combineAndDecrypt(key.publicKeySet, identity, ciphertext, ok.shares).plaintext)).toBe('alice only')
    // The node re-canonicalises: the same conditions with another key order give the same identity.
    const c = conditions[0] as ReturnType<typeof callerIs>
    const reordered = JSON.stringify([{
      returnValueTest: { value: alice.address.toLowerCase(), comparator: '=' },
      parameters: c.parameters,
      method: '',
      chain: c.chain,
      standardContractType: '',
      contractAddress: '',
      conditionType: c.conditionType
    }])
    expect((await shares(net.client, reordered, dataHash, aliceAuth)).errors.size).toBe(0)
    for (const auth of [bobAuth, undefined]) {
      const refused = await shares(net.client, conditions, dataHash, auth)
      expect(refused.shares).toHaveLength(0)
      for (const err of refused.errors.values()) expect(err).toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    }
  })

  it('malformed conditions → ERR_BAD_REQUEST', async () => {
    for (const bad of ['[]', '{}', 'not json', JSON.stringify([{ conditionType: 'anyone', extra: 1 }]), JSON.stringify([{ conditionType: 'evmBasic' }])]) {
      const { errors } = await shares(net.client, bad, sha256(new Uint8Array(1)))
      expect(errors.size).toBe(5)
      for (const err of errors.values()) expect(err).toMatchObject({ code: 'ERR_BAD_REQUEST' })
    }
  })
})
