/**
 * Registry catch-up on nodes (docs/registry.md §10, §15.3): a node offline
 * during three operations catches up when it comes back (restart with the
 * same store; or a certificate submitted ahead of it); a node outside the
 * PKP's committee follows it too; a corrupt stored record is refilled from peers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hex } from 'viem'
import { RegistrySubmit } from '../../src/node/rpc-definitions.js'
import { MemoryRegistryStore } from '../../src/store/index.js'
import { testAccount } from './helpers.js'
import { mintCertified, startRegistryNet, statesOf, type RegistryNet } from './registry-helpers.js'

const A = testAccount('registry-catch-up/A')
const B = testAccount('registry-catch-up/B')
const C = testAccount('registry-catch-up/C')

describe('a node that missed operations', () => {
  let rn: RegistryNet

  beforeAll(async () => { rn = await startRegistryNet(5, 'registry-catch-up') })
  afterAll(async () => {
    await rn.stop()
    expect(rn.net.net.internalFailures).toEqual([])
  })

  it('stopped during three operations, restarted on the same store: rebuilds, then catches up from its peers', async () => {
    const { minted } = await mintCertified(rn, A)
    const tokenId = minted.tokenId as Hex
    const late = rn.net.peers[2]
    await rn.net.nodes.get(late)!.stop()
    rn.net.net.setOnline(late, false)
    await rn.client(A).addPermittedAddress({ pubKey: minted.publicKey, address: B.address })
    await rn.client(A).addPermittedAction({ pubKey: minted.publicKey, cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' })
    await rn.client(A).transferPkp({ pubKey: minted.publicKey, to: C.address })
    // Its store holds the mint only.
    const stored = new MemoryRegistryStore(late, rn.net.registryStorage)
    expect((await stored.certificates(tokenId)).map((c) => c.op.kind)).toEqual(['mint'])

    rn.net.net.setOnline(late, true)
    const node = await rn.net.reload(late)
    await node.registry.ready
    const state = node.registry.token(tokenId)
    expect(state?.nonce).toBe(4)
    expect(state?.owner).toBe(C.address)
    expect([...state!.permittedAddresses]).toEqual([B.address])
    expect([...state!.permittedActions.keys()]).toEqual(['bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34'])
    // What it fetched is persisted: the next restart needs no peer.
    expect((await stored.certificates(tokenId)).map((c) => c.op.kind)).toEqual(['mint', 'addPermittedAddress', 'addPermittedAction', 'transfer'])
    // And it votes again: the next change needs it (one other member offline).
    rn.net.net.setOnline(rn.net.peers[0], false)
    try {
      const r = await rn.client(C).removePermittedAddress({ pubKey: minted.publicKey, address: B.address })
      expect(r.nonce).toBe(4)
    } finally {
      rn.net.net.setOnline(rn.net.peers[0], true)
    }
    expect(node.registry.token(tokenId)?.nonce).toBe(5)
  })

  it('offline (not restarted) during three operations: a certificate submitted ahead makes it fetch the gap first', async () => {
    const { minted } = await mintCertified(rn, A)
    const tokenId = minted.tokenId as Hex
    const late = rn.net.peers[4]
    rn.net.net.setOnline(late, false)
    await rn.client(A).addPermittedAddress({ pubKey: minted.publicKey, address: B.address })
    await rn.client(A).addPermittedAddress({ pubKey: minted.publicKey, address: C.address })
    const last = await rn.client(A).transferPkp({ pubKey: minted.publicKey, to: B.address })
    expect(rn.net.nodes.get(late)!.registry.token(tokenId)?.nonce).toBe(1)
    rn.net.net.setOnline(late, true)
    const res = await rn.net.client.request(RegistrySubmit, late, { certificate: last.certificate })
    expect(res.nonce).toBe(4)
    expect(rn.net.nodes.get(late)!.registry.token(tokenId)?.owner).toBe(B.address)
  })

  it('a corrupt stored certificate does not crash the restart; the node refills it from its peers', async () => {
    const { minted } = await mintCertified(rn, A)
    const tokenId = minted.tokenId as Hex
    await rn.client(A).transferPkp({ pubKey: minted.publicKey, to: B.address })
    const victim = rn.net.peers[1]
    await rn.net.nodes.get(victim)!.stop()
    rn.net.registryStorage.dataOf(victim).certificates.get(tokenId)!.set(1, { tokenId, nonce: 1, certificate: { op: 'garbage' } })
    const stored = new MemoryRegistryStore(victim, rn.net.registryStorage)
    await expect(stored.certificates(tokenId)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' })
    const node = await rn.net.reload(victim)
    await node.registry.ready
    expect(node.registry.token(tokenId)?.owner).toBe(B.address)
    expect((await stored.certificates(tokenId)).map((c) => c.op.kind)).toEqual(['mint', 'transfer'])
  })
})

describe('a node outside the PKP\'s committee', () => {
  let rn: RegistryNet

  beforeAll(async () => { rn = await startRegistryNet(4, 'registry-outsider') })
  afterAll(async () => {
    await rn.stop()
    expect(rn.net.net.internalFailures).toEqual([])
  })

  it('follows the PKP from submitted certificates (its committee is made of nodes it knows) and keeps it across a restart', async () => {
    const minted = await rn.client(A).mintPkp({ maxCommitteeSize: 3 })
    expect(minted.registry).toEqual({ certified: true })
    const outsider = rn.net.peers.find((p) => !minted.committee.includes(p))!
    expect(rn.net.nodes.get(outsider)!.registry.token(minted.tokenId as Hex)?.owner).toBe(A.address)
    const r = await rn.client(A).transferPkp({ pubKey: minted.publicKey, to: B.address })
    expect(r.submittedTo).toContain(outsider)
    expect(statesOf(rn, minted.tokenId).map((s) => s?.owner)).toEqual([B.address, B.address, B.address, B.address])
    const node = await rn.net.reload(outsider)
    await node.registry.ready
    expect(node.registry.token(minted.tokenId as Hex)?.owner).toBe(B.address)
    // The committee (without the outsider) certifies the next change as before.
    await expect(rn.client(B).transferPkp({ pubKey: minted.publicKey, to: C.address })).resolves.toMatchObject({ nonce: 2 })
  })
})
