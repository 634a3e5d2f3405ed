import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { Secp256k1 } from '../../src/crypto/group.js'
import { msmPublicStraus, msmIsIdentity, mulPublicAffine, splitScalar, sumColumnsPublic } from '../../src/crypto/ecdsa/msm.js'

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

describe('GLV and the Jacobian Straus walk', () => {
  // λ: the cube root of unity mod n with λ·(x, y) = (β·x, y) on secp256k1.
  const LAMBDA = 0x5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72n
  const BETA = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een
  const p = Secp256k1.Point.Fp.ORDER

  it('λ·G is (β·x, y): the endomorphism the split relies on', () => {
    const G = Secp256k1.BASE
    const L = G.multiply(LAMBDA).toAffine()
    expect(L.x).toBe(G.x * BETA % p)
    expect(L.y).toBe(G.y)
  })

  it('splitScalar gives k1 + k2·λ ≡ k with both halves below 2^128 (property, seeded, plus edges)', () => {
    const check = (k: bigint): void => {
      const { k1, k2 } = splitScalar(k)
      expect((((k1 + k2 * LAMBDA) % n) + n) % n).toBe(k)
      expect(k1 < 1n << 128n && -k1 < 1n << 128n && k2 < 1n << 128n && -k2 < 1n << 128n).toBe(true)
    }
    fc.assert(fc.property(scalar, check), { seed: 3, numRuns: 200 })
    for (const k of [0n, 1n, n - 1n, n >> 1n, (n >> 1n) + 1n, LAMBDA, n - LAMBDA, 1n << 128n, (1n << 129n) - 1n, 1n << 255n]) check(k)
  })

  it('mixed 128-bit and full scalars over up to 20 points match the naive sum (property, seeded)', () => {
    const short = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })
    fc.assert(fc.property(fc.array(fc.tuple(scalar, fc.oneof(scalar, short)), { minLength: 1, maxLength: 20 }), scalar, (pairs, base) => {
      const points = pairs.map(([x]) => Secp256k1.BASE.multiply(x === 0n ? 1n : x))
      const scalars = pairs.map(([, s]) => s)
      let want = base === 0n ? Secp256k1.ZERO : Secp256k1.BASE.multiply(base)
      points.forEach((q, i) => { if (scalars[i] !== 0n) want = want.add(q.multiply(scalars[i])) })
      expect(msmPublicStraus(points, scalars, base).equals(want)).toBe(true)
      expect(msmIsIdentity([...points, want], [...scalars, n - 1n], base)).toBe(true)
      expect(msmIsIdentity([...points, want], [...scalars, n - 2n], base)).toBe(want.equals(Secp256k1.ZERO))
    }), { seed: 9, numRuns: 12 })
  })

  it('mulPublicAffine equals noble, including projective inputs and scalars that split', () => {
    const P = Secp256k1.BASE.multiply(424242n).add(Secp256k1.BASE) // not normalised (Z ≠ 1)
    for (const k of [1n, 2n, n - 1n, LAMBDA, (1n << 200n) + 3n, 0xdeadbeefn]) {
      const want = P.multiply(k).toAffine()
      expect(mulPublicAffine(P, k)).toEqual({ x: want.x, y: want.y })
    }
    expect(mulPublicAffine(P, n)).toBeNull()
  })
})

describe('sumColumnsPublic', () => {
  it('sums column by column like noble additions, with identities, projective inputs and cancelling columns; results are affine', () => {
    const P = (k: bigint) => Secp256k1.BASE.multiply(k)
    const projective = P(11n).add(P(12n)) // Z ≠ 1 in noble's homogeneous form
    const rows = [
      [Secp256k1.ZERO, P(1n), P(5n), P(7n)],
      [Secp256k1.ZERO, P(2n), P(5n), P(n - 7n)],
      [Secp256k1.ZERO, projective, P(5n), P(3n)]
    ]
    const got = sumColumnsPublic(rows)
    expect(got).toHaveLength(4)
    expect(got[0].equals(Secp256k1.ZERO)).toBe(true)
    expect(got[1].equals(P(26n))).toBe(true)
    expect(got[2].equals(P(15n))).toBe(true) // doubling case: equal points
    expect(got[3].equals(P(3n))).toBe(true) // 7 + (n − 7) cancels first
    for (const p of got.slice(1)) expect(p.Z).toBe(1n)
    expect(sumColumnsPublic([])).toEqual([])
  })
})
