import { describe, it, expect } from 'vitest'
import { secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { BlsG1, Secp256k1 } from '../../src/crypto/group.js'
import { defaultBlsDegree, defaultEcdsaDegree, maxEcdsaDegree } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'
import { runDkgInMemory } from '../../src/protocols/dkg/index.js'
import { expectAgreement, ids, reconstruct, run, setup } from './helpers.js'

/** A random subset of `k` of `all`, from a seeded rng. */
function subset (all: number[], k: number, seed: string): number[] {
  const rng = seededRng(seed)
  const pool = [...all]
  const out: number[] = []
  while (out.length < k) out.push(pool.splice(rng(1)[0] % pool.length, 1)[0])
  return out.sort((a, b) => a - b)
}

const cases: Array<[string, typeof Secp256k1 | typeof BlsG1, number, number]> = [
  ...[3, 4, 5, 7, 10].map((n) => ['secp256k1', Secp256k1, n, defaultEcdsaDegree(n)] as [string, typeof Secp256k1, number, number]),
  ['secp256k1 (max degree)', Secp256k1, 7, maxEcdsaDegree(7)],
  ...[3, 4, 7].map((n) => ['bls12-381-g1', BlsG1, n, defaultBlsDegree(n)] as [string, typeof BlsG1, number, number])
]

describe('DKG, all honest', () => {
  for (const [name, group, n, t] of cases) {
    it(`${name}: n=${n}, t=${t} — everyone agrees, t+1 shares reconstruct, t do not`, () => {
      const st = setup(group as typeof Secp256k1, t, n, `honest/${name}/${n}`)
      const res = run(st)
      const pks = expectAgreement(res, ids(n))
      expect(pks.degree).toBe(t)
      expect(pks.epoch).toBe(0)
      for (const s of st.sessions) {
        expect(s.state).toBe('done')
        expect(s.outcome!.qual).toEqual(ids(n))
        expect(s.outcome!.disqualified.size).toBe(0)
      }
      for (let trial = 0; trial < 3; trial++) {
        const some = subset(ids(n), t + 1, `${name}/${n}/${trial}`)
        expect(group.BASE.multiply(reconstruct(res, some)).equals(pks.publicKey)).toBe(true)
        const fewer = some.slice(1)
        const x = reconstruct(res, fewer)
        expect(x === 0n ? false : group.BASE.multiply(x).equals(pks.publicKey)).toBe(false)
      }
    })
  }

  it('runDkgInMemory gives the same kind of result and a fresh key each time', () => {
    const a = runDkgInMemory(Secp256k1, 1, [3, 1, 2], seededRng('conv/a'))
    const b = runDkgInMemory(Secp256k1, 1, [1, 2, 3], seededRng('conv/b'))
    expectAgreement(a, [1, 2, 3])
    expectAgreement(b, [1, 2, 3])
    expect(a.get(1)!.publicKeySet.publicKey.equals(b.get(1)!.publicKeySet.publicKey)).toBe(false)
    // deterministic under a seeded rng
    const a2 = runDkgInMemory(Secp256k1, 1, [1, 2, 3], seededRng('conv/a'))
    expect(a2.get(2)!.secretShare).toBe(a.get(2)!.secretShare)
  })

  it('works with sparse participant ids', () => {
    const res = runDkgInMemory(BlsG1, 2, [5, 17, 200, 65535], seededRng('sparse'))
    const pks = expectAgreement(res, [5, 17, 200, 65535])
    expect(BlsG1.BASE.multiply(reconstruct(res, [17, 200, 65535])).equals(pks.publicKey)).toBe(true)
  })
})

describe('cross-check with noble secp256k1_FROST', () => {
  it('noble validates every share against the joint commitment, recovers the key and signs with t+1 shares', () => {
    const n = 5
    const t = 2
    const st = setup(Secp256k1, t, n, 'noble')
    const res = run(st)
    expectAgreement(res, ids(n))
    const outcome = st.sessions[0].outcome!
    const { Identifier } = secp256k1_FROST
    const pub = {
      signers: { min: t + 1, max: n },
      commitments: outcome.commitment.map((p) => p.toBytes()),
      verifyingShares: Object.fromEntries(ids(n).map((id) => [Identifier.fromNumber(id), outcome.publicKeySet.verificationShares.get(id)!.toBytes()]))
    }
    const secrets = ids(n).map((id) => ({ identifier: Identifier.fromNumber(id), signingShare: numberToBytesBE(res.get(id)!.secretShare, 32) }))
    for (const s of secrets) expect(() => secp256k1_FROST.validateSecret(s, pub)).not.toThrow()
    // noble's own interpolation recovers the key our public key commits to
    const sk = secp256k1_FROST.combineSecret(secrets.slice(1, 1 + t + 1), pub.signers)
    expect(Secp256k1.BASE.multiply(bytesToNumberBE(sk)).equals(outcome.publicKeySet.publicKey)).toBe(true)
    // and a FROST signature by t+1 of the DKG's shares verifies under our public key
    const signers = [secrets[0], secrets[2], secrets[4]]
    const seeded = seededRng('noble/sign')
    const rng = (bytes = 32): Uint8Array<ArrayBuffer> => seeded(bytes) as Uint8Array<ArrayBuffer>
    const nonces = signers.map((s) => secp256k1_FROST.commit(s, rng))
    const commitmentList = nonces.map((x) => x.commitments)
    const msg = new TextEncoder().encode('signed with DKG shares')
    const sigShares = Object.fromEntries(signers.map((s, i) => [s.identifier, secp256k1_FROST.signShare(s, pub, nonces[i].nonces, commitmentList, msg)]))
    const sig = secp256k1_FROST.aggregate(pub, commitmentList, msg, sigShares)
    expect(secp256k1_FROST.verify(sig, msg, outcome.publicKeySet.publicKey.toBytes())).toBe(true)
  })
})
