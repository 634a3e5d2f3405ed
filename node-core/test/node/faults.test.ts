/**
 * Test-only faults (docs/node-runtime.md §10) seen from a client: a node that
 * returns corrupt shares is caught by verification, a silent node times out
 * without holding up the others, and a node whose transport is silent during
 * presign runs is excluded from later runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { combineSignatureShares, verifySignatureShares } from '../../src/crypto/ecdsa/index.js'
import {
  authSigFor, collectShares, expectValidSignature, leaseOne, mintByRpc, signByRpc, startNetwork, testAccount, until,
  type MintedForTest, type TestNetwork
} from './helpers.js'
import type { AuthSig } from '../../src/node/rpc-definitions.js'

const owner = testAccount('faults-owner')
let net: TestNetwork
let auth: AuthSig
let pkp: MintedForTest
// Sorted order: node 1 returns corrupt shares, node 2 never answers sign requests.
const CORRUPT = 1
const SILENT = 2

beforeAll(async () => {
  net = await startNetwork(5, { seed: 'faults', config: { genesisMinNodes: 99, presignParticipants: 'all', log: process.env.BQ_DEBUG ? (c, l, m) => { if (l !== 'debug') console.log(c, l, m) } : undefined }, faults: { [CORRUPT]: { corruptShares: true }, [SILENT]: { silent: true } } })
  auth = await authSigFor(owner)
  pkp = await mintByRpc(net.client, net.peers, 1, auth)
})
afterAll(async () => {
  await net.stop()
  expect(net.net.internalFailures).toEqual([])
})

describe('faulty nodes', () => {
  it('a corrupt share is caught and named; a silent node times out; the signature is made from the others', async () => {
    const pub = await leaseOne(net.client, net.peers[0], pkp.info.tokenId, auth)
    const signerPeers = pub.participants.map((id) => pkp.committee[id - 1])
    expect(signerPeers).toHaveLength(5)
    const message = keccak_256(new TextEncoder().encode('faults'))
    const out = await signByRpc(net.client, pkp, pub, message, signerPeers, auth, { timeoutMs: 1_500 })
    // The silent node's request ended on the caller's deadline; nobody else failed.
    expect([...out.failures.keys()]).toEqual([net.peers[SILENT]])
    expect(out.failures.get(net.peers[SILENT])).toMatchObject({ name: 'RpcTimeoutError' })
    // Verification names the corrupt node (participant id = committee index + 1).
    expect(out.culprits).toEqual([CORRUPT + 1])
    await expectValidSignature(pkp, message, out.signature)
  })

  it('the honest nodes answer long before the silent node\'s deadline', async () => {
    const pub = await leaseOne(net.client, net.peers[3], pkp.info.tokenId, auth)
    const honest = [0, 3, 4].map((i) => net.peers[i])
    const message = keccak_256(new TextEncoder().encode('not stalled'))
    const slowDeadline = 5_000
    const silentCall = signByRpc(net.client, pkp, pub, message, [net.peers[SILENT]], auth, { timeoutMs: slowDeadline }).catch((e) => e)
    const started = Date.now()
    const out = await signByRpc(net.client, pkp, pub, message, honest, auth)
    expect(Date.now() - started).toBeLessThan(slowDeadline)
    expect(out.culprits).toEqual([])
    await expectValidSignature(pkp, message, out.signature)
    await silentCall
  })

  it('the corrupt node\'s share fails verification on its own; with too few good shares combine refuses, naming it', async () => {
    const pub = await leaseOne(net.client, net.peers[4], pkp.info.tokenId, auth)
    const signerPeers = [0, CORRUPT, 3].map((i) => net.peers[i])
    const message = keccak_256(new TextEncoder().encode('corrupt only'))
    const { shares, failures, request } = await collectShares(net.client, pkp, pub, message, signerPeers, auth)
    expect(failures.size).toBe(0)
    expect(verifySignatureShares(pub, request, shares)).toEqual([CORRUPT + 1])
    expect(() => combineSignatureShares(pub, request, shares)).toThrowError(expect.objectContaining({ culprits: [CORRUPT + 1] }))
  })

  it('a node whose transport goes silent is named at the presign deadline and left out of the next runs', async () => {
    net.net.setSilent(net.peers[4], true)
    try {
      // Node 0 leases: with none ready it runs a presign; the silent node makes that run time out, after which
      // it is cooled down and a second lease succeeds without it.
      const first = await leaseOne(net.client, net.peers[0], pkp.info.tokenId, auth).catch((e) => e)
      if (!(first instanceof Error)) expect(first.participants.length).toBeGreaterThanOrEqual(3)
      await until(async () => {
        const pub = await leaseOne(net.client, net.peers[0], pkp.info.tokenId, auth).catch(() => undefined)
        return pub !== undefined && !pub.participants.includes(5)
      }, 30_000, 'a presignature without the silent node')
    } finally {
      net.net.setSilent(net.peers[4], false)
    }
  })
})
