/**
 * Two conflicting transfers for one nonce, signed by the owner, with one
 * Byzantine member that countersigns both (docs/registry.md §2.3, §7.4):
 * over every split of the honest votes at most one is certified, and every
 * honest member ends with the same owner.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import {
  buildCertificate, ConflictingOperationError, countersignMessage, InvalidCertificateError, operationHash,
  signOperation, unsigned, verifyCertificate, type Countersignature, type SignedOperation
} from '../../src/registry/index.js'
import { mintOp, Sim, testAccount, testPkp, transferOp } from './helpers.js'

const owner = testAccount('conflict-owner')
const bob = testAccount('conflict-bob')
const carol = testAccount('conflict-carol')
const pkp = testPkp('conflict')
const BYZANTINE = 4
const HONEST = [0, 1, 2, 3]

/** The Byzantine member signs anything it is shown, ignoring its votes. */
async function byzantineSig (sim: Sim, signed: SignedOperation): Promise<Countersignature> {
  const m = sim.members[BYZANTINE]
  const sig = await m.signer.sign(countersignMessage(operationHash(unsigned(signed)), owner.address, sim.committee))
  return { nodeId: m.nodeId, sig: bytesToHex(sig) }
}

async function setUp (): Promise<{ sim: Sim, a: SignedOperation, b: SignedOperation }> {
  const sim = new Sim(5, 'conflict')
  sim.witnessMint(pkp, owner.address)
  await sim.run(owner, mintOp(pkp, sim.committee))
  const a = await signOperation(owner, transferOp(pkp.tokenId, 1, bob.address))
  const b = await signOperation(owner, transferOp(pkp.tokenId, 1, carol.address))
  return { sim, a, b }
}

describe('conflicting operations for one nonce', () => {
  it('every split of the honest votes certifies at most one, and all honest members agree', async () => {
    let certifiedSplits = 0
    for (let mask = 0; mask < 16; mask++) {
      const { sim, a, b } = await setUp()
      const sigs: Record<'a' | 'b', Countersignature[]> = { a: [await byzantineSig(sim, a)], b: [await byzantineSig(sim, b)] }
      for (const i of HONEST) {
        // The adversary delivers this member's "first" op first, then the other one.
        const [first, second, firstName] = (mask >> i) & 1 ? [b, a, 'b' as const] : [a, b, 'a' as const]
        const one = await sim.ask(i, first)
        expect(one.ok, `mask ${mask} member ${i} first`).toBe(true)
        if (one.ok) sigs[firstName].push(one.countersig)
        const two = await sim.ask(i, second)
        expect(two.ok, `mask ${mask} member ${i} second`).toBe(false)
        expect(!two.ok && two.error).toBeInstanceOf(ConflictingOperationError)
        expect(!two.ok && (two.error as ConflictingOperationError).votedOpHash).toBe(operationHash(unsigned(first)))
      }
      const verdicts: Record<'a' | 'b', boolean> = { a: false, b: false }
      for (const name of ['a', 'b'] as const) {
        const cert = buildCertificate(name === 'a' ? a : b, sigs[name])
        try {
          await verifyCertificate(cert, sim.committee, sim.keys)
          verdicts[name] = true
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidCertificateError)
          expect((err as Error).message).toMatch(/a quorum of 5 members is 4/)
        }
      }
      expect(verdicts.a && verdicts.b, `mask ${mask}: both certified`).toBe(false)
      const honestForA = HONEST.filter((i) => ((mask >> i) & 1) === 0).length
      expect(verdicts.a, `mask ${mask}`).toBe(honestForA >= 3)
      expect(verdicts.b, `mask ${mask}`).toBe(4 - honestForA >= 3)
      const winner = verdicts.a ? 'a' : verdicts.b ? 'b' : undefined
      if (winner !== undefined) {
        certifiedSplits++
        await sim.deliver(buildCertificate(winner === 'a' ? a : b, sigs[winner]), HONEST)
        const expected = winner === 'a' ? bob.address : carol.address
        for (const i of HONEST) {
          expect(sim.state(i, pkp.tokenId)!.owner).toBe(expected)
          expect(sim.state(i, pkp.tokenId)!.nonce).toBe(2)
        }
      } else {
        // registry.md §7 lock-up: nobody moves; the owner is unchanged everywhere.
        for (const i of HONEST) expect(sim.state(i, pkp.tokenId)!.owner).toBe(owner.address)
      }
    }
    // 0 or 1 honest member for B certifies A (5 splits), 3 or 4 certifies B (5 splits); 2-2 locks (6 splits).
    expect(certifiedSplits).toBe(10)
  })

  it('the losing side cannot borrow the winner\'s countersignatures', async () => {
    const { sim, a, b } = await setUp()
    const forA: Countersignature[] = []
    for (const i of [0, 1, 2]) {
      const o = await sim.ask(i, a)
      if (o.ok) forA.push(o.countersig)
    }
    const forB: Countersignature[] = [await byzantineSig(sim, b)]
    const o = await sim.ask(3, b)
    if (o.ok) forB.push(o.countersig)
    // The Byzantine member pads B's certificate with A's countersignatures.
    const forged = buildCertificate(b, [...forB, ...forA])
    await expect(verifyCertificate(forged, sim.committee, sim.keys)).rejects.toMatchObject({
      code: 'ERR_REGISTRY_INVALID_CERTIFICATE',
      culprits: [...sim.committee.members.slice(0, 3)].sort()
    })
    const real = buildCertificate(a, [...forA, await byzantineSig(sim, a)])
    await sim.deliver(real, HONEST)
    for (const i of HONEST) expect(sim.state(i, pkp.tokenId)!.owner).toBe(bob.address)
  })

  it('a member that voted for the loser still applies the winner\'s certificate and then refuses the loser as stale', async () => {
    const { sim, a, b } = await setUp()
    const forA: Countersignature[] = []
    for (const i of [0, 1, 2, 4]) {
      const o = await sim.ask(i, a)
      if (o.ok) forA.push(o.countersig)
    }
    expect((await sim.ask(3, b)).ok).toBe(true)
    await sim.deliver(buildCertificate(a, forA))
    for (const i of sim.all()) expect(sim.state(i, pkp.tokenId)!.owner).toBe(bob.address)
    const again = await sim.ask(3, b)
    expect(again.ok).toBe(false)
    expect(!again.ok && again.error.code).toBe('ERR_REGISTRY_STALE_NONCE')
  })
})
