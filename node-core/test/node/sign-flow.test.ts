/**
 * Mint, presignature pools, leases and pkpSign across 5 in-memory nodes,
 * driven by RPC as a client would. Genesis is switched off here (no decrypt).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { defineRpc, jsonCodec } from '../../src/net/rpc/index.js'
import { MintStart, OperationStatus, PkpList, PresignArm, PresignLease, SignShareRequest } from '../../src/node/rpc-definitions.js'
import { MemoryNodeStore, type PresignatureEntry } from '../../src/store/index.js'
import {
  authSigFor, expectValidSignature, leaseOne, mintByRpc, randomHex, signByRpc, startNetwork, testAccount, until,
  type MintedForTest, type TestNetwork
} from './helpers.js'
import type { AuthSig } from '../../src/node/rpc-definitions.js'

/** Same protocol ids, but requests are sent as given: for malformed requests a typed client cannot build. */
const anything = { parse: (v: unknown) => v }
const RawSignShare = defineRpc({ ...SignShareRequest, request: jsonCodec(anything as any, 'raw') })
const RawMint = defineRpc({ ...MintStart, request: jsonCodec(anything as any, 'raw') })

const owner = testAccount('owner')
const stranger = testAccount('stranger')
let net: TestNetwork
let auth: AuthSig
let pkp: MintedForTest

const hash = (text: string): Uint8Array => keccak_256(new TextEncoder().encode(text))

beforeAll(async () => {
  net = await startNetwork(5, { seed: 'sign-flow', config: { genesisMinNodes: 99, poolTarget: 2 } })
  auth = await authSigFor(owner)
})
afterAll(async () => {
  await net.stop()
  expect(net.net.internalFailures).toEqual([])
})

describe('mint by RPC (5 nodes)', () => {
  it('every member answers the same PublicKeySet; each lists the PKP with the minter; op/status says done', async () => {
    const mintId = randomHex(16)
    const answers = await Promise.all(net.peers.map(async (p) => await net.client.request(MintStart, p, { mintId, committee: net.peers, degree: 1, auth })))
    expect(new Set(answers.map((a) => a.publicKeySet)).size).toBe(1)
    for (const p of net.peers) {
      const { pkps } = await net.client.request(PkpList, p, {})
      expect(pkps).toHaveLength(1)
      expect(pkps[0].minter).toBe(owner.address)
      expect(pkps[0].committee).toEqual(net.peers)
      expect((await net.client.request(OperationStatus, p, { opId: mintId })).phase).toBe('done')
    }
    // The same mint id again is refused.
    await expect(net.client.request(MintStart, net.peers[0], { mintId, committee: net.peers, degree: 1, auth }))
      .rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    pkp = await mintByRpc(net.client, net.peers, 1, auth)
  })

  it('refuses a committee too small for its degree, an unsorted committee, and a bad auth signature', async () => {
    await expect(net.client.request(MintStart, net.peers[0], { mintId: randomHex(16), committee: net.peers.slice(0, 3), degree: 2, auth }))
      .rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    await expect(net.client.request(RawMint, net.peers[0], { mintId: randomHex(16), committee: net.peers.slice(0, 2), degree: 1, auth }))
      .rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    await expect(net.client.request(MintStart, net.peers[0], { mintId: randomHex(16), committee: [...net.peers].reverse(), degree: 1, auth }))
      .rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    const forged = { ...auth, signature: (await authSigFor(stranger)).signature }
    await expect(net.client.request(MintStart, net.peers[0], { mintId: randomHex(16), committee: net.peers, degree: 1, auth: forged }))
      .rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
  })
})

describe('presignature pools and pkpSign', () => {
  it('each allocator fills its pool to the target', async () => {
    await until(async () => {
      const pools = await Promise.all(net.peers.map(async (p) => (await net.client.request(PkpList, p, {})).pkps.find((x) => x.tokenId === pkp.info.tokenId)?.pool ?? 0))
      return pools.every((n) => n >= 2)
    }, 45_000, 'pools at target')
  })

  it('lease → sign-share from 2t+1 … n signers → combine → noble and viem verify', async () => {
    for (const count of [3, 4, 5]) {
      const pub = await leaseOne(net.client, net.peers[count - 3], pkp.info.tokenId, auth)
      const signerPeers = pub.participants.map((id) => pkp.committee[id - 1]).slice(0, count)
      const message = hash(`hello ${count}`)
      const out = await signByRpc(net.client, pkp, pub, message, signerPeers, auth)
      expect(out.failures.size).toBe(0)
      expect(out.culprits).toEqual([])
      await expectValidSignature(pkp, message, out.signature)
    }
  })

  it('a leased presignature is never leased again', async () => {
    const { presignatures: first } = await net.client.request(PresignLease, net.peers[1], { tokenId: pkp.info.tokenId, count: 2, auth })
    const { presignatures: second } = await net.client.request(PresignLease, net.peers[1], { tokenId: pkp.info.tokenId, count: 2, auth })
    expect(first.length + second.length).toBeGreaterThanOrEqual(2)
    for (const p of first) expect(second).not.toContain(p)
  })

  it('a presignature signs once: a second sign-share gets ERR_PRESIGNATURE_USED, also after a reload', async () => {
    const pub = await leaseOne(net.client, net.peers[2], pkp.info.tokenId, auth)
    const signerPeers = pub.participants.map((id) => pkp.committee[id - 1]).slice(0, 3)
    const first = await signByRpc(net.client, pkp, pub, hash('once'), signerPeers, auth)
    await expectValidSignature(pkp, hash('once'), first.signature)
    // Another message with the same presignature: every signer refuses.
    await expect(signByRpc(net.client, pkp, pub, hash('twice'), signerPeers, auth)).rejects.toThrow()
    const again = async (peer: string): Promise<unknown> => await net.client.request(SignShareRequest, peer, {
      tokenId: pkp.info.tokenId,
      presignatureId: bytesToHex(pub.id),
      messageHash: bytesToHex(hash('twice')),
      signers: first.request.signers,
      entropy: randomHex(32),
      auth
    })
    for (const peer of signerPeers) await expect(again(peer)).rejects.toMatchObject({ code: 'ERR_PRESIGNATURE_USED' })
    // Reload a signer (new LitNode, same stored state): still refused.
    await net.reload(signerPeers[0])
    await expect(again(signerPeers[0])).rejects.toMatchObject({ code: 'ERR_PRESIGNATURE_USED' })
  })

  it('a lease arms its presignature on every participant (§5.4.1): taken from their stores before any share; a reload burns it', async () => {
    const tokenId = pkp.info.tokenId
    const stored = async (peer: string): Promise<string[]> =>
      (await new MemoryNodeStore(peer, { storage: net.storage }).listPresignatures(tokenId)).map((e) => e.id)
    const pub = await leaseOne(net.client, net.peers[3], tokenId, auth)
    const participants = pub.participants.map((id) => pkp.committee[id - 1])
    expect(participants).toContain(net.peers[3])
    for (const peer of participants) expect(await stored(peer)).not.toContain(bytesToHex(pub.id))
    const out = await signByRpc(net.client, pkp, pub, hash('armed'), participants, auth)
    await expectValidSignature(pkp, hash('armed'), out.signature)

    // Leased (so armed), then a participant reloads before the sign: it refuses, it never signs with it.
    const next = await leaseOne(net.client, net.peers[3], tokenId, auth)
    const signers = next.participants.map((id) => pkp.committee[id - 1])
    const reloaded = signers.find((p) => p !== net.peers[3])!
    await net.reload(reloaded)
    await expect(net.client.request(SignShareRequest, reloaded, {
      tokenId, presignatureId: bytesToHex(next.id), messageHash: bytesToHex(hash('after reload')), signers: next.participants, entropy: randomHex(32), auth
    })).rejects.toMatchObject({ code: 'ERR_PRESIGNATURE_USED' })
  })

  it('presign/arm: only the allocator of a presignature arms it', async () => {
    const tokenId = pkp.info.tokenId
    // Not a committee member (a client): refused.
    const someId = (await new MemoryNodeStore(net.peers[0], { storage: net.storage }).listPresignatures(tokenId))[0]?.id ?? 'ab'.repeat(32)
    await expect(net.client.request(PresignArm, net.peers[0], { tokenId, presignatureIds: [someId] })).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    // A committee member naming presignatures another member allocated: nothing armed, nothing taken.
    // Any other allocator's presignature that peer 0 took part in (each run picks its 2t others at random).
    const othersOnPeer0 = async (): Promise<PresignatureEntry[]> =>
      (await new MemoryNodeStore(net.peers[0], { storage: net.storage }).listPresignatures(tokenId)).filter((e) => e.allocator !== net.peers[0])
    let turn = 0
    await until(async () => {
      if ((await othersOnPeer0()).length > 0) return true
      // Full pools that happen to leave peer 0 out make no new runs: a lease makes room for one.
      await net.client.request(PresignLease, net.peers[1 + (turn++ % 4)], { tokenId, count: 1, auth }).catch(() => {})
      return false
    }, 45_000, 'another allocator\'s presignature on peer 0')
    const target = (await othersOnPeer0())[0]
    const impostor = net.net.endpoint(net.peers.find((p) => p !== net.peers[0] && p !== target.allocator)!)
    expect(await impostor.request(PresignArm, net.peers[0], { tokenId, presignatureIds: [target.id] })).toEqual({ armed: [] })
    expect((await new MemoryNodeStore(net.peers[0], { storage: net.storage }).listPresignatures(tokenId)).map((e) => e.id)).toContain(target.id)
  })

  it('signs with n − (2t+1) = 2 nodes offline', async () => {
    const [off1, off2] = [net.peers[3], net.peers[4]]
    net.net.setOnline(off1, false)
    net.net.setOnline(off2, false)
    try {
      const online = net.peers.slice(0, 3)
      const pub = await leaseOne(net.client, online[0], pkp.info.tokenId, auth)
      const signerPeers = pub.participants.map((id) => pkp.committee[id - 1]).filter((p) => online.includes(p))
      expect(signerPeers).toHaveLength(3)
      const out = await signByRpc(net.client, pkp, pub, hash('degraded'), signerPeers, auth)
      await expectValidSignature(pkp, hash('degraded'), out.signature)
    } finally {
      net.net.setOnline(off1, true)
      net.net.setOnline(off2, true)
    }
  })

  it('refuses a caller who is not the minter (lease and sign-share)', async () => {
    const strangerAuth = await authSigFor(stranger)
    await expect(net.client.request(PresignLease, net.peers[0], { tokenId: pkp.info.tokenId, count: 1, auth: strangerAuth }))
      .rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    const pub = await leaseOne(net.client, net.peers[0], pkp.info.tokenId, auth)
    const signerPeers = pub.participants.map((id) => pkp.committee[id - 1]).slice(0, 3)
    const out = signByRpc(net.client, pkp, pub, hash('stolen'), signerPeers, strangerAuth)
    await expect(out).rejects.toThrow()
    await expect(net.client.request(SignShareRequest, signerPeers[0], {
      tokenId: pkp.info.tokenId,
      presignatureId: bytesToHex(pub.id),
      messageHash: bytesToHex(hash('stolen')),
      signers: [1, 2, 3],
      entropy: '',
      auth: strangerAuth
    })).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    // The refused requests did not consume the presignature: the owner can still sign with it.
    const ok = await signByRpc(net.client, pkp, pub, hash('mine'), signerPeers, auth)
    await expectValidSignature(pkp, hash('mine'), ok.signature)
  })

  it('unknown PKP → ERR_NOT_FOUND; unknown presignature → ERR_NOT_FOUND', async () => {
    await expect(net.client.request(PresignLease, net.peers[0], { tokenId: randomHex(32), count: 1, auth }))
      .rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    await expect(net.client.request(SignShareRequest, net.peers[0], {
      tokenId: randomHex(32), presignatureId: randomHex(32), messageHash: randomHex(32), signers: [1, 2, 3], entropy: '', auth
    })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    await expect(net.client.request(SignShareRequest, net.peers[0], {
      tokenId: pkp.info.tokenId, presignatureId: randomHex(32), messageHash: randomHex(32), signers: [1, 2, 3], entropy: '', auth
    })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
  })

  it('malformed requests → ERR_BAD_REQUEST, and they consume nothing', async () => {
    const pub = await leaseOne(net.client, net.peers[1], pkp.info.tokenId, auth)
    const signers = pub.participants.slice(0, 3)
    const me = pkp.committee[signers[0] - 1]
    const base = { tokenId: pkp.info.tokenId, presignatureId: bytesToHex(pub.id), messageHash: bytesToHex(hash('x')), signers, entropy: '', auth }
    const bad = [
      { ...base, messageHash: randomHex(31) }, // toSign not 32 bytes
      { ...base, messageHash: 'zz'.repeat(32) }, // not hex
      { ...base, signers: [...signers].reverse() }, // unsorted
      { ...base, signers: signers.slice(0, 2) }, // fewer than 2t+1
      { ...base, signers: [signers[0], signers[1], 99] }, // not a participant
      { ...base, extra: 1 } // unknown field
    ]
    for (const [i, req] of bad.entries()) {
      const err = await net.client.request(RawSignShare, me, req).then(() => undefined, (e) => e)
      expect({ i, code: err?.code }).toEqual({ i, code: 'ERR_BAD_REQUEST' })
    }
    const others = pkp.committee.filter((p) => !pub.participants.slice(0, 3).map((id) => pkp.committee[id - 1]).includes(p))
    if (others.length > 0) {
      // A node not among the signers refuses.
      await expect(net.client.request(SignShareRequest, others[0], base)).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    }
    const ok = await signByRpc(net.client, pkp, pub, hash('x'), signers.map((id) => pkp.committee[id - 1]), auth)
    await expectValidSignature(pkp, hash('x'), ok.signature)
  })
})
