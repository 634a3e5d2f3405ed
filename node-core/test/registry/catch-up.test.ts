/**
 * Catch-up (docs/registry.md §10): a member offline during three operations
 * catches up from a peer's certificates; a lying peer's forged, short-quorum,
 * tampered or reordered certificates are reported and never corrupt the state.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  buildCertificate, catchUp, countersignMessage, NeedsCatchUpError, operationHash, signOperation, unsigned,
  type Certificate, type Countersignature, type SignedOperation, type TokenState
} from '../../src/registry/index.js'
import { addActionOp, addAddressOp, CID_V0, mintOp, Sim, testAccount, testPkp, transferOp } from './helpers.js'

const alice = testAccount('catchup-alice')
const bob = testAccount('catchup-bob')
const carol = testAccount('catchup-carol')
const mallory = testAccount('catchup-mallory')
const pkp = testPkp('catchup')
const other = testPkp('catchup-other')
const OFFLINE = 4
const ONLINE = [0, 1, 2, 3]

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

function summary (s: TokenState | undefined): unknown {
  if (s === undefined) return undefined
  return { owner: s.owner, nonce: s.nonce, addresses: [...s.permittedAddresses].sort(), actions: [...s.permittedActions].sort(), history: s.history.map((h) => h.opHash) }
}

describe('catch-up', () => {
  const sim = new Sim(5, 'catchup')
  let certs: Certificate[]
  let offlineAfterMint: TokenState

  beforeAll(async () => {
    sim.witnessMint(pkp, alice.address)
    sim.witnessMint(other, alice.address)
    certs = [await sim.run(alice, mintOp(pkp, sim.committee))]
    await sim.run(alice, mintOp(other, sim.committee))
    offlineAfterMint = sim.state(OFFLINE, pkp.tokenId)!
    // Member 4 is offline for three operations; the other four are exactly a quorum.
    certs.push(await sim.run(alice, addAddressOp(pkp.tokenId, 1, carol.address), ONLINE))
    certs.push(await sim.run(alice, addActionOp(pkp.tokenId, 2, CID_V0, 'sign-anything'), ONLINE))
    certs.push(await sim.run(alice, transferOp(pkp.tokenId, 3, bob.address), ONLINE))
  })

  it('the offline member is told to catch up, catches up from a peer, and then votes again', async () => {
    const next = await signOperation(bob, addAddressOp(pkp.tokenId, 4, alice.address))
    const refused = await sim.ask(OFFLINE, next)
    expect(!refused.ok && refused.error).toBeInstanceOf(NeedsCatchUpError)
    expect(!refused.ok && (refused.error as NeedsCatchUpError).expectedNonce).toBe(1)

    const served = sim.state(0, pkp.tokenId)!.history.map((h) => clone(h.certificate))
    const r = await catchUp(sim.state(OFFLINE, pkp.tokenId), served, { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r.rejected).toEqual([])
    expect(r.applied).toEqual([1, 2, 3])
    expect(r.pending).toEqual([])
    expect(summary(r.state)).toEqual(summary(sim.state(0, pkp.tokenId)))
    expect(r.state!.owner).toBe(bob.address)
    sim.members[OFFLINE].states.set(pkp.tokenId, r.state)
    expect((await sim.ask(OFFLINE, next)).ok).toBe(true)
  })

  it('a node rebuilds the state from nothing out of the certificates (start-up path)', async () => {
    const r = await catchUp(undefined, certs.map(clone).reverse(), { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r.applied).toEqual([0, 1, 2, 3])
    expect(summary(r.state)).toEqual(summary(sim.state(0, pkp.tokenId)))
  })

  it('a lying peer: bad certificates are reported, good ones before the first gap apply, the state is never corrupted', async () => {
    const short = clone(certs[1])
    short.countersigs = short.countersigs.slice(0, sim.q - 1)
    // Forged: mallory's signature over the same op (another signer: no countersignature verifies).
    const forged = clone(certs[2])
    forged.op = await signOperation(mallory, unsigned(certs[2].op))
    // Tampered: the transfer goes to mallory instead.
    const tampered = clone(certs[3]) as Certificate & { op: { args: { to: string } } }
    tampered.op.args.to = mallory.address
    const foreign = clone(sim.state(0, other.tokenId)!.history[0].certificate)

    const lies: unknown[] = [clone(certs[3]), short, forged, 'not a certificate', clone(certs[0]), tampered, foreign]
    const r = await catchUp(offlineAfterMint, lies, { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r.state).toBe(offlineAfterMint) // nothing applied: the same object
    expect(r.applied).toEqual([])
    expect(r.pending).toEqual([3])
    expect(r.rejected.map((x) => [x.index, x.error.code])).toEqual([
      [1, 'ERR_REGISTRY_INVALID_CERTIFICATE'],
      [2, 'ERR_REGISTRY_INVALID_CERTIFICATE'],
      [3, 'ERR_REGISTRY_MALFORMED'],
      [5, 'ERR_REGISTRY_INVALID_CERTIFICATE'],
      [6, 'ERR_REGISTRY_INVALID_CERTIFICATE']
    ])
    expect(r.rejected[0].error.message).toMatch(/3 countersignatures, a quorum of 5 members is 4/)
    expect(r.rejected[1].error.message).toMatch(/countersignatures do not verify/)
    expect(r.rejected[4].error.message).toMatch(/for token .* not /)

    // Reordered with one good certificate first: it applies; the forged one stops the run.
    const r2 = await catchUp(offlineAfterMint, [clone(certs[3]), forged, clone(certs[1])], { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r2.applied).toEqual([1])
    expect(r2.pending).toEqual([3])
    expect(r2.rejected.map((x) => x.index)).toEqual([1])
    expect(r2.state!.nonce).toBe(2)
    expect(r2.state!.owner).toBe(alice.address)
    expect(offlineAfterMint.nonce).toBe(1) // the input is untouched

    // An honest peer then fills the gap.
    const r3 = await catchUp(r2.state, certs.map(clone), { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r3.applied).toEqual([2, 3])
    expect(r3.rejected).toEqual([])
    expect(summary(r3.state)).toEqual(summary(sim.state(0, pkp.tokenId)))
  })

  it('two certified ops for one nonce (more than f faulty members) are both reported and neither applies', async () => {
    // Every member signs whatever it is shown: beyond the fault assumption, so catch-up must notice.
    async function allSign (signed: SignedOperation): Promise<Certificate> {
      const sigs: Countersignature[] = []
      for (const m of sim.members) {
        const sig = await m.signer.sign(countersignMessage(operationHash(unsigned(signed)), alice.address, sim.committee))
        sigs.push({ nodeId: m.nodeId, sig: bytesToHex(sig) })
      }
      return buildCertificate(signed, sigs)
    }
    const x = await allSign(await signOperation(alice, transferOp(pkp.tokenId, 1, bob.address)))
    const y = await allSign(await signOperation(alice, transferOp(pkp.tokenId, 1, carol.address)))
    const r = await catchUp(offlineAfterMint, [x, y, clone(certs[2])], { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r.applied).toEqual([])
    expect(r.state).toBe(offlineAfterMint)
    expect(r.rejected.map((e) => [e.index, e.error.code])).toEqual([[0, 'ERR_REGISTRY_SAFETY_VIOLATION'], [1, 'ERR_REGISTRY_SAFETY_VIOLATION']])
    expect(r.pending).toEqual([2])
    // Against a history that already holds certs[1], a different certified op at nonce 1 is a safety violation too.
    const caughtUp = sim.state(0, pkp.tokenId)!
    const r2 = await catchUp(caughtUp, [x], { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r2.rejected[0].error.code).toBe('ERR_REGISTRY_SAFETY_VIOLATION')
    expect(r2.state).toBe(caughtUp)
  })

  it('a verified certificate that does not apply (not the owner\'s) is reported and everything after it waits', async () => {
    const signed = await signOperation(mallory, transferOp(pkp.tokenId, 1, mallory.address))
    const sigs: Countersignature[] = []
    for (const m of sim.members) sigs.push({ nodeId: m.nodeId, sig: bytesToHex(await m.signer.sign(countersignMessage(operationHash(unsigned(signed)), mallory.address, sim.committee))) })
    const r = await catchUp(offlineAfterMint, [buildCertificate(signed, sigs), clone(certs[2]), clone(certs[3])], { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r.rejected.map((e) => [e.index, e.error.code])).toEqual([[0, 'ERR_REGISTRY_SAFETY_VIOLATION']])
    expect(r.rejected[0].error.message).toMatch(/not by the owner/)
    expect(r.applied).toEqual([])
    expect(r.pending).toEqual([2, 3])
    expect(r.state).toBe(offlineAfterMint)
  })

  it('certificates the state already holds are ignored, not re-applied', async () => {
    const s = sim.state(0, pkp.tokenId)!
    const r = await catchUp(s, certs.map(clone), { tokenId: pkp.tokenId, committee: sim.committee, keys: sim.keys })
    expect(r.state).toBe(s)
    expect(r.applied).toEqual([])
    expect(r.rejected).toEqual([])
  })
})
