import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { Secp256k1, BlsG1, BlsG2, randomScalar, type Group } from '../../src/crypto/group.js'
import { split, interpolateScalar, verifyShare, interpolatePoint, lagrangeCoefficients, integerLagrangeAtZero, evaluatePolynomial, randomPolynomial, commitPolynomial, evaluateCommitment, assertParticipantIds } from '../../src/crypto/shares.js'
import { seededRng } from '../../src/crypto/random.js'
import { dealKeyShares, defaultEcdsaDegree, maxEcdsaDegree, defaultBlsDegree } from '../../src/crypto/key-share.js'
import { InvalidArgumentError } from '../../src/errors.js'

const groups = [Secp256k1, BlsG1, BlsG2] as unknown as Array<Group<typeof Secp256k1.BASE>>

describe('Shamir sharing with Feldman commitments', () => {
  for (const group of groups) {
    it(`splits, verifies and recovers over ${group.name}`, () => {
      const rng = seededRng('shares-' + group.name)
      const secret = randomScalar(group, rng)
      const { shares, commitment } = split(group, secret, 2, [1, 2, 3, 4, 5], rng)
      for (const [id, s] of shares) expect(verifyShare(group, commitment, id, s)).toBe(true)
      // A share off by one, or checked against another id, fails Feldman.
      expect(verifyShare(group, commitment, 1, (shares.get(1)! + 1n) % group.order)).toBe(false)
      expect(verifyShare(group, commitment, 2, shares.get(1)!)).toBe(false)
      const three = new Map([...shares].filter(([id]) => id !== 2 && id !== 4))
      expect(interpolateScalar(group, three)).toBe(secret)
      const two = new Map([...shares].slice(0, 2))
      expect(interpolateScalar(group, two)).not.toBe(secret)
      const pts = new Map([...three].map(([id, s]) => [id, group.BASE.multiply(s)] as const))
      expect(interpolatePoint(group, pts).equals(group.BASE.multiply(secret))).toBe(true)
      expect(commitment[0].equals(group.BASE.multiply(secret))).toBe(true)
    })
  }

  it('Lagrange coefficients at 0 sum to 1 and interpolate any polynomial of low enough degree (property)', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 1e9 }),
      (ids, seed) => {
        const rng = seededRng(`prop-${seed}`)
        const lambdas = lagrangeCoefficients(Secp256k1, ids)
        let sum = 0n
        for (const l of lambdas.values()) sum = (sum + l) % Secp256k1.order
        expect(sum).toBe(1n)
        const poly = randomPolynomial(Secp256k1, ids.length - 1, undefined, rng)
        const shares = new Map(ids.map((id) => [id, evaluatePolynomial(Secp256k1, poly, id)] as const))
        expect(interpolateScalar(Secp256k1, shares)).toBe(poly[0])
        expect(interpolateScalar(Secp256k1, shares, 7n)).toBe(evaluatePolynomial(Secp256k1, poly, 7))
      }
    ), { numRuns: 40, seed: 42 })
  })

  it('commitment evaluation is the image of the polynomial', () => {
    const rng = seededRng('commit-eval')
    const poly = randomPolynomial(Secp256k1, 3, undefined, rng)
    const c = commitPolynomial(Secp256k1, poly)
    for (const x of [1, 2, 9, 1000]) {
      expect(evaluateCommitment(Secp256k1, c, x).equals(Secp256k1.BASE.multiply(evaluatePolynomial(Secp256k1, poly, x)))).toBe(true)
    }
    // A zero sharing commits to the identity at 0.
    const zero = commitPolynomial(Secp256k1, randomPolynomial(Secp256k1, 2, 0n, rng))
    expect(zero[0].equals(Secp256k1.ZERO)).toBe(true)
  })

  it('refuses bad participant sets and impossible degrees with typed errors', () => {
    expect(() => assertParticipantIds([1, 2, 2])).toThrow(InvalidArgumentError)
    expect(() => assertParticipantIds([0, 1])).toThrow(InvalidArgumentError)
    expect(() => assertParticipantIds([1.5])).toThrow(InvalidArgumentError)
    expect(() => split(Secp256k1, 5n, 3, [1, 2, 3])).toThrow(/cannot hold a degree-3 sharing/)
    expect(() => lagrangeCoefficients(Secp256k1, [1, 1])).toThrow(InvalidArgumentError)
  })
})

describe('thresholds and dealt keys', () => {
  it('default and maximum degrees follow the security model', () => {
    expect([3, 4, 5, 7, 10].map(defaultEcdsaDegree)).toEqual([1, 1, 1, 2, 3])
    expect([3, 4, 5, 7, 10].map(maxEcdsaDegree)).toEqual([1, 1, 2, 3, 4])
    expect([3, 4, 5, 7, 10].map(defaultBlsDegree)).toEqual([1, 2, 3, 4, 6])
    expect(() => defaultEcdsaDegree(2)).toThrow(InvalidArgumentError)
  })

  it('dealt key shares carry consistent verification shares', () => {
    const shares = dealKeyShares(Secp256k1, 2, [3, 1, 2, 5, 4], { rng: seededRng('deal') })
    const pks = shares[0].publicKeySet
    expect(pks.participants).toEqual([1, 2, 3, 4, 5])
    for (const s of shares) expect(pks.verificationShares.get(s.id)!.equals(Secp256k1.BASE.multiply(s.secretShare))).toBe(true)
    const secret = interpolateScalar(Secp256k1, new Map(shares.slice(0, 3).map((s) => [s.id, s.secretShare] as const)))
    expect(Secp256k1.BASE.multiply(secret).equals(pks.publicKey)).toBe(true)
  })
})

describe('integer Lagrange coefficients at 0', () => {
  it('numerators / denominator equal the coefficients mod the order for any id set (fast-check)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 12 }), (raw) => {
      const ids = [...raw].sort((a, b) => a - b)
      const { numerators, denominator } = integerLagrangeAtZero(ids)
      expect(denominator > 0n).toBe(true)
      const lambdas = lagrangeCoefficients(BlsG2, ids, 0n)
      const r = BlsG2.order
      const dInv = modInverse(denominator % r, r)
      ids.forEach((id, i) => { expect((((numerators[i] % r) + r) % r * dInv) % r).toBe(lambdas.get(id)) })
      // The coefficients at 0 sum to 1 as rationals.
      expect(numerators.reduce((a, b) => a + b, 0n)).toBe(denominator)
    }))
  })

  it('ids 1..4 give the small integers 4, −6, 4, −1', () => {
    expect(integerLagrangeAtZero([1, 2, 3, 4])).toEqual({ numerators: [4n, -6n, 4n, -1n], denominator: 1n })
  })
})

function modInverse (a: bigint, m: bigint): bigint {
  let [x0, x1, r0, r1] = [0n, 1n, m, a]
  while (r1 !== 0n) {
    const q = r0 / r1;
    [x0, x1] = [x1, x0 - q * x1];
    [r0, r1] = [r1, r0 - q * r1]
  }
  return ((x0 % m) + m) % m
}
