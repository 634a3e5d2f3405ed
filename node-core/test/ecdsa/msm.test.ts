import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { Secp256k1 } from '../../src/crypto/group.js'
import { msmPublicStraus } from '../../src/crypto/ecdsa/msm.js'

const n = Secp256k1.order
const scalar = fc.bigInt({ min: 0n, max: n - 1n })

describe('msmPublicStraus', () => {
  it('equals the naive sum of products (property, seeded)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(scalar, scalar), { minLength: 0, maxLength: 4 }), scalar, (pairs, base) => {
      const points = pairs.map(([p]) => (p === 0n ? Secp256k1.ZERO : Secp256k1.BASE.multiply(p)))
      const scalars = pairs.map(([, s]) => s)
      let want = base === 0n ? Secp256k1.ZERO : Secp256k1.BASE.multiply(base)
      points.forEach((p, i) => { if (scalars[i] !== 0n && !p.equals(Secp256k1.ZERO)) want = want.add(p.multiply(scalars[i])) })
      expect(msmPublicStraus(points, scalars, base).equals(want)).toBe(true)
    }), { seed: 42, numRuns: 25 })
  })
  it('edge scalars: 1, n-1, 2^255', () => {
    const P = Secp256k1.BASE.multiply(12345n)
    for (const k of [1n, n - 1n, 1n << 255n, (1n << 128n) - 1n]) {
      expect(msmPublicStraus([P], [k]).equals(P.multiply(k % n))).toBe(true)
    }
  })
  it('exceptional additions: equal points, opposite points, multiples of one point', () => {
    const P = Secp256k1.BASE.multiply(987654321n)
    const naive = (pts: typeof P[], ks: bigint[], b = 0n): typeof P => {
      let acc = b === 0n ? Secp256k1.ZERO : Secp256k1.BASE.multiply(b)
      pts.forEach((q, i) => { const k = ((ks[i] % n) + n) % n; if (k !== 0n) acc = acc.add(q.multiply(k)) })
      return acc
    }
    const k = (1n << 200n) + 12345n
    const cases: Array<[typeof P[], bigint[], bigint]> = [
      [[P, P], [k, k], 0n], // the accumulator meets the same table entry: doubling branch
      [[P, P.negate()], [k, k], 0n], // cancels to the identity
      [[P, P.negate()], [k, k], 7n], // identity plus a base term
      [[P, P.double(), P.multiply(3n)], [3n, n - 1n, 5n], 0n],
      [[P, Secp256k1.BASE], [k, n - k], 0n],
      [[P], [n - 1n], 1n]
    ]
    for (const [pts, ks, b] of cases) expect(msmPublicStraus(pts, ks, b).equals(naive(pts, ks, b))).toBe(true)
    expect(msmPublicStraus([P, P.negate()], [k, k]).equals(Secp256k1.ZERO)).toBe(true)
    expect(msmPublicStraus([], []).equals(Secp256k1.ZERO)).toBe(true)
  })
})
