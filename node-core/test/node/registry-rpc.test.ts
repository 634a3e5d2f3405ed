/**
 * The registry RPCs on real nodes (docs/registry.md §15): malformed and
 * unauthorised operations refused with their reasons, conflicting transfers
 * for one nonce, replays, and the SIWE refusals (forged, expired, wrong
 * domain) on real pkp/sign-share requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { Hex } from 'viem'
import { createAuthSig } from '../../src/auth/index.js'
import { LitClient } from '../../src/client/lit-client.js'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import {
  RegistryCertificates, RegistryCountersign, RegistryStateRequest, RegistrySubmit, type AuthSig
} from '../../src/node/rpc-definitions.js'
import { buildCertificate, signOperation, type Certificate, type Operation, type SignedOperation } from '../../src/registry/index.js'
import { authSigFor, testAccount, type MintedForTest } from './helpers.js'
import { mintCertified, signShares, startRegistryNet, statesOf, type RegistryNet } from './registry-helpers.js'
import type { MintedPkp } from '../../src/client/types.js'

const A = testAccount('registry-rpc/A')
const B = testAccount('registry-rpc/B')
const C = testAccount('registry-rpc/C')
const M = testAccount('registry-rpc/mallory')
const hash = (text: string): Uint8Array => keccak_256(new TextEncoder().encode(text))

let rn: RegistryNet
let authA: AuthSig

beforeAll(async () => {
  rn = await startRegistryNet(5, 'registry-rpc')
  authA = await authSigFor(A)
})
afterAll(async () => {
  await rn.stop()
  expect(rn.net.net.internalFailures).toEqual([])
})

function transfer (tokenId: string, nonce: number, to: string, issuedAt = Date.now()): Operation {
  return { kind: 'transfer', tokenId: tokenId as Hex, nonce, issuedAt, args: { to } }
}

async function countersignAt (peer: string, op: unknown): Promise<{ ok: true, sig: { nodeId: string, sig: string } } | { ok: false, code: string, message: string }> {
  try {
    return { ok: true, sig: await rn.net.client.request(RegistryCountersign, peer, { op }) }
  } catch (err) {
    const e = err as { code: string, message: string }
    return { ok: false, code: e.code, message: e.message }
  }
}

describe('malformed and unauthorised operations are refused over RPC with their reasons', () => {
  let minted: MintedPkp
  let good: SignedOperation

  beforeAll(async () => {
    ;({ minted } = await mintCertified(rn, A))
    good = await signOperation(A, transfer(minted.tokenId, 1, B.address))
  })

  it('countersign: each malformed field is named, unauthorised signers and bad nonces get their codes', async () => {
    const peer = rn.net.peers[0]
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...good, extra: 1 }, 'ERR_REGISTRY_MALFORMED', /op\.extra: unknown field/],
      [{ ...good, args: { to: '0x1234' } }, 'ERR_REGISTRY_MALFORMED', /op\.args\.to/],
      [{ ...good, nonce: 0 }, 'ERR_REGISTRY_MALFORMED', /op\.nonce: nonce 0 is the mint/],
      [{ ...good, kind: 'burn' }, 'ERR_REGISTRY_MALFORMED', /op\.kind/],
      [{ ...good, tokenId: minted.tokenId.toUpperCase() }, 'ERR_REGISTRY_MALFORMED', /op\.tokenId/],
      [{ ...good, signature: '0x' + '00'.repeat(65) }, 'ERR_REGISTRY_MALFORMED', /op\.signature/],
      ['not an object', 'ERR_REGISTRY_MALFORMED', /expected an object/],
      [await signOperation(M, transfer(minted.tokenId, 1, M.address)), 'ERR_REGISTRY_NOT_OWNER', /is not the owner/],
      [await signOperation(A, transfer(minted.tokenId, 5, B.address)), 'ERR_REGISTRY_NEEDS_CATCH_UP', /ahead of the next expected nonce 1/],
      [await signOperation(A, transfer(minted.tokenId, 1, B.address, Date.now() + 3_600_000)), 'ERR_REGISTRY_OPERATION_TIME', /ahead/],
      [await signOperation(A, transfer(minted.tokenId, 1, A.address)), 'ERR_REGISTRY_INVALID_TRANSITION', /already owns it/],
      [await signOperation(A, transfer(`0x${'ab'.repeat(32)}`, 1, B.address)), 'ERR_NOT_FOUND', /not in its registry committee/]
    ]
    for (const [op, code, reason] of cases) {
      const r = await countersignAt(peer, op)
      expect(r.ok, `${code} ${String(reason)}`).toBe(false)
      if (!r.ok) {
        expect(r.code).toBe(code)
        expect(r.message).toMatch(reason)
      }
    }
    // None of these left a vote: the good operation still gets countersigned.
    expect((await countersignAt(peer, good)).ok).toBe(true)
  })

  it('submit: too few or forged countersignatures are refused and name the culprits; the state does not move', async () => {
    const sigs = await Promise.all(rn.net.peers.map(async (p) => await rn.net.client.request(RegistryCountersign, p, { op: good })))
    const short = buildCertificate(good, sigs.slice(0, 3))
    await expect(rn.net.client.request(RegistrySubmit, rn.net.peers[1], { certificate: short })).rejects.toMatchObject({ code: 'ERR_REGISTRY_INVALID_CERTIFICATE' })
    const forged = buildCertificate(good, sigs.map((s, i) => (i === 2 ? { ...s, sig: sigs[0].sig } : s)))
    await expect(rn.net.client.request(RegistrySubmit, rn.net.peers[1], { certificate: forged }))
      .rejects.toMatchObject({ code: 'ERR_REGISTRY_INVALID_CERTIFICATE', message: expect.stringContaining(rn.net.peers[2]) })
    await expect(rn.net.client.request(RegistrySubmit, rn.net.peers[1], { certificate: { ...short, extra: true } })).rejects.toMatchObject({ code: 'ERR_REGISTRY_MALFORMED' })
    for (const s of statesOf(rn, minted.tokenId)) expect(s?.owner).toBe(A.address)
    // The real certificate applies everywhere.
    const cert = buildCertificate(good, sigs)
    for (const p of rn.net.peers) expect(await rn.net.client.request(RegistrySubmit, p, { certificate: cert })).toEqual({ nonce: 2, applied: true })
    for (const s of statesOf(rn, minted.tokenId)) expect(s?.owner).toBe(B.address)
  })

  it('certificates and state answer in nonce order, bounded; bad requests are refused by the schema', async () => {
    const peer = rn.net.peers[3]
    const res = await rn.net.client.request(RegistryCertificates, peer, { tokenId: minted.tokenId, fromNonce: 0 })
    expect(res.nonce).toBe(2)
    expect(res.certificates.map((c) => (c as Certificate).op.kind)).toEqual(['mint', 'transfer'])
    expect((await rn.net.client.request(RegistryCertificates, peer, { tokenId: minted.tokenId, fromNonce: 1, limit: 1 })).certificates).toHaveLength(1)
    const state = (await rn.net.client.request(RegistryStateRequest, peer, { tokenId: minted.tokenId })).state
    expect(state).toMatchObject({ owner: B.address, nonce: 2, committee: minted.committee, epoch: '0' })
    expect(state?.history.map((h) => [h.nonce, h.kind, h.signer])).toEqual([[0, 'mint', A.address], [1, 'transfer', A.address]])
    expect((await rn.net.client.request(RegistryStateRequest, peer, { tokenId: `0x${'cd'.repeat(32)}` })).state).toBeUndefined()
    await expect(rn.net.client.request(RegistryCertificates, peer, { tokenId: minted.tokenId.slice(2), fromNonce: 0 })).rejects.toMatchObject({ name: 'MalformedMessageError' })
  })
})

describe('two conflicting transfers for one nonce', () => {
  async function splitVotes (minter: typeof A, forB: number[], forC: number[]): Promise<{ minted: MintedPkp, certB?: Certificate, certC?: Certificate }> {
    const { minted } = await mintCertified(rn, minter)
    const opB = await signOperation(minter, transfer(minted.tokenId, 1, B.address))
    const opC = await signOperation(minter, transfer(minted.tokenId, 1, C.address))
    const sigsB: Array<{ nodeId: string, sig: string }> = []
    const sigsC: Array<{ nodeId: string, sig: string }> = []
    // Interleaved: each member hears one of them first.
    await Promise.all(rn.net.peers.map(async (p, i) => {
      const first = forB.includes(i) ? opB : opC
      const second = first === opB ? opC : opB
      const r1 = await countersignAt(p, first)
      const r2 = await countersignAt(p, second)
      expect(r1.ok).toBe(true)
      expect(r2).toMatchObject({ ok: false, code: 'ERR_REGISTRY_CONFLICTING_OPERATION' })
      if (r1.ok) (first === opB ? sigsB : sigsC).push(r1.sig)
    }))
    expect(sigsB).toHaveLength(forB.length)
    expect(sigsC).toHaveLength(forC.length)
    return {
      minted,
      certB: sigsB.length >= 4 ? buildCertificate(opB, sigsB) : undefined,
      certC: sigsC.length >= 4 ? buildCertificate(opC, sigsC) : undefined
    }
  }

  it('split 3/2: neither is certified; every node keeps the same owner (the nonce is locked, registry.md §7)', async () => {
    const { minted, certB, certC } = await splitVotes(A, [0, 1, 2], [3, 4])
    expect(certB).toBeUndefined()
    expect(certC).toBeUndefined()
    const owners = new Set(statesOf(rn, minted.tokenId).map((s) => s?.owner))
    expect([...owners]).toEqual([A.address])
  })

  it('split 4/1: the quorum side is certified; every node ends with that owner; the other is refused everywhere', async () => {
    const { minted, certB } = await splitVotes(A, [0, 1, 2, 3], [4])
    expect(certB).toBeDefined()
    await Promise.all(rn.net.peers.map(async (p) => await rn.net.client.request(RegistrySubmit, p, { certificate: certB })))
    const owners = statesOf(rn, minted.tokenId).map((s) => s?.owner)
    expect(new Set(owners)).toEqual(new Set([B.address]))
  })

  it('two clients of one owner racing through the SDK: at most one wins, and every node agrees on the owner', async () => {
    const { minted } = await mintCertified(rn, A)
    const second = new LitClient({
      rpc: rn.net.net.endpoint(memoryPeerIds(1, 'registry-rpc/second')[0], 'client'),
      directory: rn.net.net.directory(memoryPeerIds(1, 'registry-rpc/second')[0]),
      account: A,
      createAuthSig: async (acc) => await authSigFor(acc)
    })
    try {
      const results = await Promise.allSettled([
        rn.client(A).transferPkp({ pubKey: minted.publicKey, to: B.address }),
        second.transferPkp({ pubKey: minted.publicKey, to: C.address })
      ])
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1)
      for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toMatch(/^ERR_/)
      const owners = new Set(statesOf(rn, minted.tokenId).map((s) => s?.owner))
      expect(owners.size).toBe(1)
      const winner = results.find((r) => r.status === 'fulfilled')
      if (winner?.status === 'fulfilled') expect([...owners][0]).toBe(winner.value.permissions.owner)
      else expect([...owners][0]).toBe(A.address)
    } finally {
      await second.close()
    }
  })
})

describe('auth: forged, expired, wrong-domain and replayed requests are refused', () => {
  let minted: MintedPkp
  let pkp: MintedForTest

  beforeAll(async () => {
    ;({ minted, pkp } = await mintCertified(rn, A))
  })

  async function refusedEverywhere (auth: AuthSig, reason: RegExp): Promise<void> {
    const r = await signShares(rn, pkp, authA, auth, hash(`refused ${String(reason)}`), { askPeers: rn.net.peers })
    expect(r.shares).toHaveLength(0)
    expect([...r.failures.keys()].sort()).toEqual(rn.net.peers)
    for (const err of r.failures.values()) {
      expect(err).toMatchObject({ code: 'ERR_UNAUTHORIZED' })
      expect((err as Error).message).toMatch(reason)
    }
  }

  it('forged: the owner\'s message signed by another key', async () => {
    const forged = { siwe: authA.siwe, signature: (await M.signMessage({ message: authA.siwe })).slice(2) }
    await refusedEverywhere(forged, /bad-signature/)
  })

  it('expired: an auth sig past its Expiration Time', async () => {
    const expired = await createAuthSig(A, { domain: 'localhost', uri: 'http://localhost/', issuedAt: new Date(Date.now() - 2 * 3_600_000), expirationMs: 3_600_000 })
    await refusedEverywhere(expired, /expired/)
  })

  it('wrong domain: a SIWE message another site obtained; the node\'s own domains (any port of localhost) pass', async () => {
    const phished = await createAuthSig(A, { domain: 'evil.example', uri: 'https://evil.example/' })
    await refusedEverywhere(phished, /wrong-domain.*evil\.example/)
    const withPort = await createAuthSig(A, { domain: 'localhost:5173', uri: 'http://localhost:5173/' })
    const ok = await signShares(rn, pkp, authA, withPort, hash('localhost with a port'))
    expect(ok.failures.size).toBe(0)
  })

  it('replayed: a revoked grant\'s signed operation and certificate change nothing; a fresh signature for its nonce is refused', async () => {
    const authB = await authSigFor(B)
    const grant = await rn.client(A).addPermittedAddress({ pubKey: minted.publicKey, address: B.address })
    const revoke = await rn.client(A).removePermittedAddress({ pubKey: minted.publicKey, address: B.address })
    expect(revoke.nonce).toBe(2)
    const grantOp = (grant.certificate as Certificate).op
    // The same signed bytes: members answer their old countersignature (idempotent), it certifies nonce 1 only.
    for (const p of rn.net.peers) {
      const r = await countersignAt(p, grantOp)
      expect(r.ok).toBe(true)
    }
    // The same certificate again: a no-op everywhere.
    for (const p of rn.net.peers) {
      expect(await rn.net.client.request(RegistrySubmit, p, { certificate: grant.certificate })).toEqual({ nonce: 3, applied: false })
    }
    // Re-signed for the decided nonce: refused (another op was voted and certified there).
    const again = await signOperation(A, { ...grantOp, issuedAt: grantOp.issuedAt + 1 } as Operation)
    for (const p of rn.net.peers) expect(await countersignAt(p, again)).toMatchObject({ ok: false, code: 'ERR_REGISTRY_CONFLICTING_OPERATION' })
    // B stays refused; the auth sig itself is a bearer session until it expires (docs/registry.md §15.6).
    for (const s of statesOf(rn, minted.tokenId)) expect([...s!.permittedAddresses]).toEqual([])
    await refusedEverywhere(authB, /neither its owner/)
  })
})
