/**
 * The honest flow with 5 members (docs/registry.md §6, §7, §9): mint, grant,
 * revoke, transfer; after the transfer only the new owner is obeyed.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  authorizeSign, ConflictingOperationError, NeedsCatchUpError, signOperation, StaleNonceError, type Certificate
} from '../../src/registry/index.js'
import {
  addActionOp, addAddressOp, CID_V1, codeOf, mintOp, removeActionOp, removeAddressOp, Sim, testAccount, testPkp, transferOp
} from './helpers.js'

const alice = testAccount('alice')
const bob = testAccount('bob')
const carol = testAccount('carol')
const pkp = testPkp('honest')

describe('honest flow with 5 members', () => {
  const sim = new Sim(5, 'honest')
  const certs: Certificate[] = []

  beforeAll(() => sim.witnessMint(pkp, alice.address))

  it('mint: certified by all, owner = minter, next nonce 1', async () => {
    expect(sim.q).toBe(4)
    certs.push(await sim.run(alice, mintOp(pkp, sim.committee)))
    for (const i of sim.all()) {
      const s = sim.state(i, pkp.tokenId)!
      expect(s.owner).toBe(alice.address)
      expect(s.nonce).toBe(1)
      expect(s.publicKey).toBe(pkp.publicKey)
      expect(s.permittedAddresses.size).toBe(0)
    }
    expect(certs[0].countersigs).toHaveLength(5)
  })

  it('grant an address and an action, revoke both', async () => {
    certs.push(await sim.run(alice, addAddressOp(pkp.tokenId, 1, carol.address)))
    certs.push(await sim.run(alice, addActionOp(pkp.tokenId, 2, CID_V1, 'personal-sign')))
    for (const i of sim.all()) {
      const s = sim.state(i, pkp.tokenId)!
      expect(s.permittedAddresses.has(carol.address)).toBe(true)
      expect(s.permittedActions.get(CID_V1)).toBe('personal-sign')
      expect(authorizeSign(s, { caller: carol.address, toSignIsPersonalMessage: false })).toEqual({ ok: true, via: 'address' })
    }
    certs.push(await sim.run(alice, removeAddressOp(pkp.tokenId, 3, carol.address)))
    certs.push(await sim.run(alice, removeActionOp(pkp.tokenId, 4, CID_V1)))
    for (const i of sim.all()) {
      const s = sim.state(i, pkp.tokenId)!
      expect(s.nonce).toBe(5)
      expect(s.permittedAddresses.size).toBe(0)
      expect(s.permittedActions.size).toBe(0)
      expect(authorizeSign(s, { caller: carol.address, toSignIsPersonalMessage: false }).ok).toBe(false)
    }
  })

  it('re-asking for a voted op returns the same countersignature', async () => {
    const again = await sim.ask(2, certs[4].op)
    expect(again.ok).toBe(true)
    expect(again.ok && again.countersig).toEqual(certs[4].countersigs.find((c) => c.nodeId === sim.committee.members[2]))
  })

  it('an op for a nonce ahead is refused with the expected nonce; another op for a voted nonce conflicts, naming the vote', async () => {
    const ahead = await sim.ask(0, await signOperation(alice, addAddressOp(pkp.tokenId, 7, carol.address)))
    expect(ahead.ok).toBe(false)
    expect(!ahead.ok && ahead.error).toBeInstanceOf(NeedsCatchUpError)
    expect(!ahead.ok && (ahead.error as NeedsCatchUpError).expectedNonce).toBe(5)
    const stale = await sim.ask(0, await signOperation(alice, addAddressOp(pkp.tokenId, 3, bob.address)))
    expect(!stale.ok && stale.error).toBeInstanceOf(ConflictingOperationError)
    expect(!stale.ok && (stale.error as ConflictingOperationError).votedOpHash).toBe(sim.state(0, pkp.tokenId)!.history[3].opHash)
  })

  it('transfer to bob: every member then refuses alice and accepts bob', async () => {
    certs.push(await sim.run(alice, transferOp(pkp.tokenId, 5, bob.address)))
    for (const i of sim.all()) expect(sim.state(i, pkp.tokenId)!.owner).toBe(bob.address)

    const fromAlice = await signOperation(alice, addAddressOp(pkp.tokenId, 6, alice.address))
    for (const i of sim.all()) {
      const o = await sim.ask(i, fromAlice)
      expect(codeOf(o)).toBe('ERR_REGISTRY_NOT_OWNER')
      expect(!o.ok && o.error.message).toContain(`signer ${alice.address} is not the owner ${bob.address} of token ${pkp.tokenId}`)
    }
    // Refusals cast no vote: bob's op for the same nonce is accepted by everyone.
    certs.push(await sim.run(bob, addAddressOp(pkp.tokenId, 6, carol.address)))
    for (const i of sim.all()) {
      const s = sim.state(i, pkp.tokenId)!
      expect(s.nonce).toBe(7)
      expect(s.history.map((h) => h.opHash)).toEqual(sim.state(0, pkp.tokenId)!.history.map((h) => h.opHash))
    }
  })

  it('a replayed old op is stale for a member that did not vote for it', async () => {
    const fresh = new Sim(5, 'honest')
    // Same ids and keys as sim: a member with the full history but no votes (e.g. it caught up).
    fresh.members[0].states.set(pkp.tokenId, sim.state(0, pkp.tokenId))
    const o = await fresh.ask(0, certs[5].op)
    expect(o.ok).toBe(false)
    expect(!o.ok && o.error).toBeInstanceOf(StaleNonceError)
    expect(!o.ok && (o.error as StaleNonceError).expectedNonce).toBe(7)
  })

  it('state values are frozen: applying returns new ones', () => {
    const s = sim.state(0, pkp.tokenId)!
    expect(Object.isFrozen(s)).toBe(true)
    expect(Object.isFrozen(s.history)).toBe(true)
    expect(() => { (s as { owner: string }).owner = bob.address }).toThrow(TypeError)
    expect('add' in s.permittedAddresses).toBe(false)
    expect('set' in s.permittedActions).toBe(false)
    expect(s.history[0].certificate.op.kind).toBe('mint')
  })
})
