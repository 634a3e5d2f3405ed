/**
 * The registry wired into nodes and the client SDK (docs/registry.md §15),
 * end to end over the memory transport with real pkp/sign-share requests:
 * grant B → B signs → revoke B → B refused → transfer to C → A refused, C
 * signs; and after a transfer every node refuses the old owner and accepts
 * the new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { combineSignatureShares } from '../../src/crypto/ecdsa/index.js'
import { PkpNotRegisteredError, PendingOperationError, RegistryRefusedError } from '../../src/client/errors.js'
import { NotOwnerError } from '../../src/registry/index.js'
import type { AuthSig } from '../../src/node/rpc-definitions.js'
import { authSigFor, expectValidSignature, leaseOne, signByRpc, testAccount, type MintedForTest } from './helpers.js'
import { mintCertified, signShares, startRegistryNet, statesOf, type RegistryNet } from './registry-helpers.js'
import type { MintedPkp } from '../../src/client/types.js'

const A = testAccount('registry-flow/A')
const B = testAccount('registry-flow/B')
const C = testAccount('registry-flow/C')
const hash = (text: string): Uint8Array => keccak_256(new TextEncoder().encode(text))

let rn: RegistryNet
let minted: MintedPkp
let pkp: MintedForTest
let authA: AuthSig
let authB: AuthSig
let authC: AuthSig

beforeAll(async () => {
  rn = await startRegistryNet(5, 'registry-flow')
  authA = await authSigFor(A)
  authB = await authSigFor(B)
  authC = await authSigFor(C)
  ;({ minted, pkp } = await mintCertified(rn, A))
})
afterAll(async () => {
  await rn.stop()
  expect(rn.net.net.internalFailures).toEqual([])
})

describe('registry through the client and the nodes', () => {
  it('mintPkp certifies the mint: every node holds the entry, owner = minter, nonce 1', async () => {
    for (const s of statesOf(rn, minted.tokenId)) {
      expect(s?.owner).toBe(A.address)
      expect(s?.nonce).toBe(1)
      expect(s?.committee.members).toEqual(minted.committee)
    }
    const perms = await rn.client(B).getPkpPermissions({ pubKey: minted.publicKey })
    expect(perms).toMatchObject({ owner: A.address, permittedAddresses: [], nonce: 1 })
  })

  it('grant B → B signs → revoke B → B refused → transfer to C → A refused, C signs', async () => {
    // B is a stranger: refused by every node.
    let r = await signShares(rn, pkp, authA, authB, hash('B before the grant'), { askPeers: rn.net.peers })
    expect(r.shares).toHaveLength(0)
    expect(r.failures.size).toBe(5)
    for (const err of r.failures.values()) expect(err).toMatchObject({ code: 'ERR_UNAUTHORIZED' })

    const granted = await rn.client(A).addPermittedAddress({ pubKey: minted.publicKey, address: B.address })
    expect(granted.nonce).toBe(1)
    expect(granted.permissions.permittedAddresses).toEqual([B.address])
    expect(granted.submittedTo).toEqual(rn.net.peers)
    for (const s of statesOf(rn, minted.tokenId)) expect([...s!.permittedAddresses]).toEqual([B.address])

    // B signs: every node gives its share, the signature verifies.
    const messageB = hash('B signs')
    const pubB = await leaseOne(rn.net.client, pkp.committee[0], pkp.info.tokenId, authA)
    const signedB = await signByRpc(rn.net.client, pkp, pubB, messageB, pubB.participants.map((id) => pkp.committee[id - 1]), authB)
    expect(signedB.failures.size).toBe(0)
    await expectValidSignature(pkp, messageB, signedB.signature)

    await rn.client(A).removePermittedAddress({ pubKey: minted.publicKey, address: B.address })
    r = await signShares(rn, pkp, authA, authB, hash('B after the revoke'), { askPeers: rn.net.peers })
    expect(r.shares).toHaveLength(0)
    expect(r.failures.size).toBe(5)
    for (const err of r.failures.values()) expect((err as Error).message).toMatch(/neither its owner .* nor a permitted address/)

    const moved = await rn.client(A).transferPkp({ pubKey: minted.publicKey, to: C.address })
    expect(moved.permissions.owner).toBe(C.address)
    expect(moved.nonce).toBe(3)

    // presign/lease enforces the registry too: A may not even lease now, so C (the owner) leases.
    await expect(leaseOne(rn.net.client, pkp.committee[0], pkp.info.tokenId, authA)).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    r = await signShares(rn, pkp, authC, authA, hash('A after the transfer'), { askPeers: rn.net.peers })
    expect(r.shares).toHaveLength(0)
    expect(r.failures.size).toBe(5)
    for (const err of r.failures.values()) expect(err).toMatchObject({ code: 'ERR_UNAUTHORIZED' })

    const messageC = hash('C signs')
    const c = await signShares(rn, pkp, authC, authC, messageC)
    expect(c.failures.size).toBe(0)
    const { signature } = combineSignatureShares(c.pub, c.request, c.shares)
    await expectValidSignature(pkp, messageC, signature)
  })

  it('after a transfer every node refuses the old owner and accepts the new one (one request per node)', async () => {
    // C owns it now (previous test); C hands it back to A, then each node is asked.
    await rn.client(C).transferPkp({ pubKey: minted.publicKey, to: A.address })
    for (const s of statesOf(rn, minted.tokenId)) expect(s?.owner).toBe(A.address)
    // The auth check comes first: every node refuses C, whatever the signer set.
    const old = await signShares(rn, pkp, authA, authC, hash('old owner, every node'), { askPeers: rn.net.peers })
    expect([...old.failures.keys()].sort()).toEqual(rn.net.peers)
    for (const err of old.failures.values()) expect((err as Error).message).toContain(`owner ${A.address}`)
    // Every node, as allocator and signer, gives A a share that combines into a valid signature.
    const accepted = new Set<string>()
    for (const allocator of rn.net.peers) {
      const message = hash(`new owner via ${allocator}`)
      const r = await signShares(rn, pkp, authA, authA, message, { allocator })
      expect(r.failures.size).toBe(0)
      const { signature } = combineSignatureShares(r.pub, r.request, r.shares)
      await expectValidSignature(pkp, message, signature)
      for (const p of r.participants) accepted.add(p)
    }
    expect([...accepted].sort()).toEqual(rn.net.peers)
  })

  it('the SDK refuses locally what the members would refuse, with typed errors', async () => {
    // C no longer owns it.
    await expect(rn.client(C).transferPkp({ pubKey: minted.publicKey, to: B.address })).rejects.toBeInstanceOf(NotOwnerError)
    // Removing an address that is not permitted.
    await expect(rn.client(A).removePermittedAddress({ pubKey: minted.publicKey, address: B.address })).rejects.toMatchObject({ code: 'ERR_REGISTRY_INVALID_TRANSITION' })
    // A bad EIP-55 checksum is refused before anything is signed.
    const i = [...B.address].findIndex((ch, k) => k >= 2 && /[a-fA-F]/.test(ch))
    const flipped = B.address[i] === B.address[i].toUpperCase() ? B.address[i].toLowerCase() : B.address[i].toUpperCase()
    const bad = B.address.slice(0, i) + flipped + B.address.slice(i + 1)
    expect(bad).not.toBe(B.address)
    await expect(rn.client(A).addPermittedAddress({ pubKey: minted.publicKey, address: bad })).rejects.toMatchObject({ code: 'ERR_REGISTRY_MALFORMED' })
    // A permitted action round trip (CID canonical forms).
    const cid = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'
    const added = await rn.client(A).addPermittedAction({ pubKey: minted.publicKey, cid, scope: 'personal-sign' })
    expect(added.permissions.permittedActions).toEqual([{ cid: 'bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34', scope: 'personal-sign' }])
    const removed = await rn.client(A).removePermittedAction({ pubKey: minted.publicKey, cid: 'bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34' })
    expect(removed.permissions.permittedActions).toEqual([])
  })

  it('a PKP minted without certification: minter-only fallback, then certifyMint turns on the registry', async () => {
    const raw = await rn.client(B).mintPkp({ certify: false })
    expect(raw.registry).toBeUndefined()
    for (const s of statesOf(rn, raw.tokenId)) expect(s).toBeUndefined()
    await expect(rn.client(B).addPermittedAddress({ pubKey: raw.publicKey, address: C.address })).rejects.toBeInstanceOf(PkpNotRegisteredError)
    const done = await rn.client(B).certifyMint({ pubKey: raw.publicKey })
    expect(done.permissions.owner).toBe(B.address)
    for (const s of statesOf(rn, raw.tokenId)) expect(s?.owner).toBe(B.address)
    // Certified once: a second mint certificate is refused.
    await expect(rn.client(B).certifyMint({ pubKey: raw.publicKey })).rejects.toBeInstanceOf(RegistryRefusedError)
    // Only the minter can certify: another account's mint op is refused by every witness.
    const other = await rn.client(B).mintPkp({ certify: false })
    await expect(rn.client(C).certifyMint({ pubKey: other.publicKey })).rejects.toMatchObject({ code: 'ERR_REGISTRY_MINT_NOT_WITNESSED' })
  })

  it('a change that did not reach a quorum stays pending: another change for its nonce is refused, the same one completes', async () => {
    const pkpB = await rn.client(B).mintPkp()
    expect(pkpB.registry).toEqual({ certified: true })
    // Two members offline: 3 of 5 < q = 4.
    const [x, y] = rn.net.peers
    rn.net.net.setOnline(x, false)
    rn.net.net.setOnline(y, false)
    try {
      await expect(rn.client(B).addPermittedAddress({ pubKey: pkpB.publicKey, address: C.address })).rejects.toMatchObject({ name: 'NotEnoughNodesError' })
      await expect(rn.client(B).transferPkp({ pubKey: pkpB.publicKey, to: C.address })).rejects.toBeInstanceOf(PendingOperationError)
    } finally {
      rn.net.net.setOnline(x, true)
      rn.net.net.setOnline(y, true)
    }
    const done = await rn.client(B).addPermittedAddress({ pubKey: pkpB.publicKey, address: C.address })
    expect(done.nonce).toBe(1)
    expect(done.permissions.permittedAddresses).toEqual([C.address])
    // Now the other change goes through at the next nonce.
    expect((await rn.client(B).transferPkp({ pubKey: pkpB.publicKey, to: C.address })).nonce).toBe(2)
  })
})
