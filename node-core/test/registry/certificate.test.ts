/**
 * Certificates and the member's checks (docs/registry.md §6, §7, §8, §9):
 * forged owner signatures, duplicate / non-member / too few countersignatures,
 * the mint witness, transitions, and apply's own guards.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  applyCertified, buildCertificate, countersign, countersignMessage, InvalidCertificateError, MemoryVoteStore, operationHash,
  RegistryState, signOperation, unsigned, verifyCertificate, verifyCountersignature,
  type Certificate, type CertifiedOperation, type Countersignature, type SignedOperation
} from '../../src/registry/index.js'
import {
  addActionOp, addAddressOp, CID_V0, CID_V0_AS_V1, keysOf, makeMember, mintOp, NOW, removeActionOp, Sim, testAccount, testPkp, transferOp
} from './helpers.js'

const alice = testAccount('cert-alice')
const bob = testAccount('cert-bob')
const mallory = testAccount('cert-mallory')
const pkp = testPkp('cert')
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

async function expectInvalid (p: Promise<unknown>, code: string, culprits?: string[]): Promise<Error> {
  let caught: unknown
  try { await p } catch (err) { caught = err }
  expect((caught as { code?: string })?.code).toBe(code)
  if (culprits !== undefined) expect((caught as InvalidCertificateError).culprits).toEqual([...culprits].sort())
  return caught as Error
}

describe('certificates', () => {
  const sim = new Sim(5, 'cert')
  let mintCert: Certificate
  let grant: Certificate

  beforeAll(async () => {
    sim.witnessMint(pkp, alice.address)
    mintCert = await sim.run(alice, mintOp(pkp, sim.committee))
    grant = await sim.run(alice, addAddressOp(pkp.tokenId, 1, bob.address))
  })

  it('verifies on its own: from JSON, with nothing but the committee and the public keys', async () => {
    const keys = keysOf(sim.committee.members.map(makeMember)) // rebuilt from labels: no shared objects
    const certified = await verifyCertificate(clone(grant), { epoch: '0', members: [...sim.committee.members] }, keys)
    expect(certified.signer).toBe(alice.address)
    expect(certified.opHash).toBe(operationHash(unsigned(grant.op)))
    expect(Object.isFrozen(certified.certificate.op)).toBe(true)
  })

  it('a forged owner signature is refused by every member', async () => {
    // Mallory signs alice's next op herself.
    const byMallory = await signOperation(mallory, addAddressOp(pkp.tokenId, 2, mallory.address))
    // Alice's signature of one op pasted onto another recovers some other address.
    const real = await signOperation(alice, addAddressOp(pkp.tokenId, 2, bob.address.toLowerCase()))
    const pasted = { ...clone(real), args: { address: mallory.address } }
    for (const i of sim.all()) {
      for (const forged of [byMallory, pasted]) {
        const o = await sim.ask(i, forged)
        expect(o.ok).toBe(false)
        expect(!o.ok && o.error.code).toBe('ERR_REGISTRY_NOT_OWNER')
        expect(!o.ok && o.error.message).toContain(`is not the owner ${alice.address}`)
      }
    }
  })

  it('a certificate whose owner signature was swapped is refused, naming every countersigner', async () => {
    const swapped = clone(grant)
    swapped.op = await signOperation(mallory, unsigned(grant.op))
    await expectInvalid(verifyCertificate(swapped, sim.committee, sim.keys), 'ERR_REGISTRY_INVALID_CERTIFICATE', grant.countersigs.map((c) => c.nodeId))
    const tampered = clone(grant) as Certificate & { op: { args: { address: string } } }
    tampered.op.args.address = mallory.address
    await expectInvalid(verifyCertificate(tampered, sim.committee, sim.keys), 'ERR_REGISTRY_INVALID_CERTIFICATE')
  })

  it('duplicate signer, non-member, bad signature, too few: refused', async () => {
    const sigs = grant.countersigs
    const dup = { ...clone(grant), countersigs: [...sigs.slice(0, 3), sigs[0]] }
    await expectInvalid(verifyCertificate(dup, sim.committee, sim.keys), 'ERR_REGISTRY_INVALID_CERTIFICATE', [sigs[0].nodeId])

    const outsider = makeMember('cert-outsider')
    const outsiderSig: Countersignature = {
      nodeId: outsider.nodeId,
      sig: bytesToHex(await outsider.signer.sign(countersignMessage(operationHash(unsigned(grant.op)), alice.address, sim.committee)))
    }
    const withOutsider = { ...clone(grant), countersigs: [...sigs.slice(0, 3), outsiderSig] }
    const err = await expectInvalid(verifyCertificate(withOutsider, sim.committee, keysOf([...sim.members, outsider])), 'ERR_REGISTRY_INVALID_CERTIFICATE', [outsider.nodeId])
    expect(err.message).toMatch(/outside the committee/)

    const flipped = clone(grant)
    flipped.countersigs = sigs.map((c, i) => (i === 1 ? { nodeId: c.nodeId, sig: (c.sig[0] === '0' ? '1' : '0') + c.sig.slice(1) } : c))
    await expectInvalid(verifyCertificate(flipped, sim.committee, sim.keys), 'ERR_REGISTRY_INVALID_CERTIFICATE', [sigs[1].nodeId])

    const few = { ...clone(grant), countersigs: sigs.slice(0, 3) }
    const e = await expectInvalid(verifyCertificate(few, sim.committee, sim.keys), 'ERR_REGISTRY_INVALID_CERTIFICATE', [])
    expect(e.message).toMatch(/3 countersignatures, a quorum of 5 members is 4/)
    // Exactly q is enough.
    await expect(verifyCertificate({ ...clone(grant), countersigs: sigs.slice(0, 4) }, sim.committee, sim.keys)).resolves.toBeDefined()
  })

  it('countersignatures bind the committee: another epoch or member set does not verify', async () => {
    await expectInvalid(verifyCertificate(clone(grant), { epoch: '1', members: sim.committee.members }, sim.keys), 'ERR_REGISTRY_INVALID_CERTIFICATE')
    const err = await expectInvalid(verifyCertificate(clone(mintCert), { epoch: '0', members: sim.committee.members.slice(0, 4) }, sim.keys), 'ERR_REGISTRY_WRONG_COMMITTEE')
    expect(err.message).toMatch(/another member set/)
  })

  it('verifyCountersignature tells good from bad', async () => {
    const cs = grant.countersigs[0]
    expect(await verifyCountersignature(grant.op, cs, sim.committee, sim.keys)).toBe(true)
    expect(await verifyCountersignature(grant.op, { ...cs, nodeId: grant.countersigs[1].nodeId }, sim.committee, sim.keys)).toBe(false)
    expect(await verifyCountersignature(mintCert.op, cs, sim.committee, sim.keys)).toBe(false)
    expect(await verifyCountersignature(grant.op, { ...cs, nodeId: 'stranger' }, sim.committee, sim.keys)).toBe(false)
  })

  it('apply accepts only verified values, in nonce order, idempotently', async () => {
    const state = sim.state(0, pkp.tokenId)!
    const fake = { certificate: grant, opHash: operationHash(unsigned(grant.op)), signer: alice.address, committee: sim.committee, committeeHash: '0x00' } as unknown as CertifiedOperation
    expect(() => applyCertified(undefined, fake)).toThrow(expect.objectContaining({ code: 'ERR_REGISTRY_UNVERIFIED' }))
    const again = await verifyCertificate(clone(grant), sim.committee, sim.keys)
    expect(applyCertified(state, again)).toBe(state)
    const reg = RegistryState.of([state])
    expect(reg.apply(again)).toBe(reg)

    const ahead = await sim.certify(await signOperation(alice, addAddressOp(pkp.tokenId, 3, mallory.address)))
    expect(ahead.cert).toBeUndefined()
    expect(ahead.outcomes.every((o) => !o.ok && o.error.code === 'ERR_REGISTRY_NEEDS_CATCH_UP')).toBe(true)
  })

  it('a certified op that is not the owner\'s (beyond f faults) is a safety violation at apply', async () => {
    const signed = await signOperation(mallory, transferOp(pkp.tokenId, 2, mallory.address))
    const sigs: Countersignature[] = []
    for (const m of sim.members) sigs.push({ nodeId: m.nodeId, sig: bytesToHex(await m.signer.sign(countersignMessage(operationHash(unsigned(signed)), mallory.address, sim.committee))) })
    const certified = await verifyCertificate(buildCertificate(signed, sigs), sim.committee, sim.keys)
    expect(() => applyCertified(sim.state(0, pkp.tokenId), certified)).toThrow(expect.objectContaining({ code: 'ERR_REGISTRY_SAFETY_VIOLATION', message: expect.stringMatching(/not by the owner/) }))
  })
})

describe('the mint witness (registry.md §6)', () => {
  it('members without a record of the DKG, or with another minter, refuse; a quorum of witnesses certifies', async () => {
    const sim = new Sim(5, 'witness')
    const key = testPkp('witness')
    sim.witnessMint(key, alice.address, [0, 1, 2])
    sim.members[3].mints.set(key.tokenId, { minter: mallory.address, publicKey: key.publicKey, committee: sim.committee.members })
    const signed = await signOperation(alice, mintOp(key, sim.committee))
    const { cert, outcomes } = await sim.certify(signed)
    expect(cert).toBeUndefined()
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'ok', 'ok', 'ERR_REGISTRY_MINT_NOT_WITNESSED', 'ERR_REGISTRY_MINT_NOT_WITNESSED'])
    expect(!outcomes[3].ok && outcomes[3].error.message).toContain(`asked for by ${mallory.address}`)
    expect(!outcomes[4].ok && outcomes[4].error.message).toContain('holds no record')

    // Mallory front-runs with her own mint of alice's key: witnesses refuse her.
    const stolen = await signOperation(mallory, mintOp(key, sim.committee))
    expect((await sim.ask(0, stolen)).ok).toBe(false)

    sim.witnessMint(key, alice.address, [4])
    const second = await sim.certify(signed)
    expect(second.cert).toBeDefined()
    await sim.deliver(second.cert!)
    expect(sim.state(4, key.tokenId)!.owner).toBe(alice.address)
    expect(sim.state(4, key.tokenId)!.committee).toEqual(sim.committee)
  })

  it('a mint naming another committee, or a second mint, is refused', async () => {
    const sim = new Sim(4, 'witness2')
    const key = testPkp('witness2')
    sim.witnessMint(key, alice.address)
    const wrong = await signOperation(alice, mintOp(key, { epoch: '0', members: sim.committee.members.slice(1) }))
    const w = await sim.ask(0, wrong)
    expect(!w.ok && w.error.code).toBe('ERR_REGISTRY_WRONG_COMMITTEE')
    await sim.run(alice, mintOp(key, sim.committee))
    const second = await signOperation(alice, mintOp(key, sim.committee, NOW - 5))
    // A member that voted for the first mint names its vote; one that only applied the certificate says stale.
    const again = await sim.ask(0, second)
    expect(!again.ok && again.error.code).toBe('ERR_REGISTRY_CONFLICTING_OPERATION')
    const fresh = makeMember(sim.committee.members[1])
    const o = await countersign(clone(second), { committee: sim.committee, signer: fresh.signer, votes: new MemoryVoteStore(), state: sim.state(1, key.tokenId), now: NOW })
      .then(() => 'ok', (err: { code: string }) => err.code)
    expect(o).toBe('ERR_REGISTRY_STALE_NONCE')
  })

  it('a node outside the committee cannot countersign (set-up error)', async () => {
    const sim = new Sim(4, 'witness3')
    const key = testPkp('witness3')
    const outsider = makeMember('witness3-outsider')
    const signed = await signOperation(alice, mintOp(key, sim.committee))
    await expect(countersign(clone(signed), { committee: sim.committee, signer: outsider.signer, votes: new MemoryVoteStore(), state: undefined, now: NOW }))
      .rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })
})

describe('transitions are checked before voting (registry.md §9.3)', () => {
  const sim = new Sim(4, 'transitions')
  const key = testPkp('transitions')
  beforeAll(async () => {
    sim.witnessMint(key, alice.address)
    await sim.run(alice, mintOp(key, sim.committee))
    await sim.run(alice, addAddressOp(key.tokenId, 1, bob.address))
    await sim.run(alice, addActionOp(key.tokenId, 2, CID_V0, 'sign-anything'))
  })

  it.each<[string, () => Promise<SignedOperation>, RegExp]>([
    ['adding a permitted address twice', () => signOperation(alice, addAddressOp(key.tokenId, 3, bob.address)), /already permitted/],
    ['adding an action again under its v1 CID', () => signOperation(alice, addActionOp(key.tokenId, 3, CID_V0_AS_V1, 'personal-sign')), /already permitted/],
    ['removing an action that is not permitted', () => signOperation(alice, removeActionOp(key.tokenId, 3, 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi')), /is not permitted/],
    ['transferring to the owner', () => signOperation(alice, transferOp(key.tokenId, 3, alice.address)), /already owns it/]
  ])('%s is refused, and casts no vote', async (_name, make, reason) => {
    const o = await sim.ask(0, await make())
    expect(!o.ok && o.error.code).toBe('ERR_REGISTRY_INVALID_TRANSITION')
    expect(!o.ok && o.error.message).toMatch(reason)
    expect(await sim.members[0].votes.get(key.tokenId, 3)).toBeUndefined()
  })

  it('removing the action by its v0 CID works (same key)', async () => {
    await sim.run(alice, removeActionOp(key.tokenId, 3, CID_V0_AS_V1))
    expect(sim.state(0, key.tokenId)!.permittedActions.size).toBe(0)
  })
})
