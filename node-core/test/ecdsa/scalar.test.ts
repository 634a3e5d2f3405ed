import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { Secp256k1 } from '../../src/crypto/group.js'
import { interpolateScalar } from '../../src/crypto/shares.js'
import { invertSecret, invertPublic as invertPublicMod } from '../../src/crypto/inverse.js'
import { interpolateAt, invertPublic, invertPublicBatch } from '../../src/crypto/ecdsa/scalar.js'
import { InvalidArgumentError } from '../../src/errors.js'

const n = Secp256k1.order
const scalar = fc.bigInt({ min: 0n, max: n - 1n })

describe('public-scalar helpers', () => {
  it('invertPublic (Euclid) agrees with invertSecret (Fermat), mod n and mod p, and both refuse zero', () => {
    const p = Secp256k1.Point.Fp.ORDER
    fc.assert(fc.property(scalar, (a) => {
      if (a === 0n) return
      expect(invertPublic(a)).toBe(invertSecret(a, n))
      expect(invertPublic(a) * a % n).toBe(1n)
      expect(invertPublicMod(a, p)).toBe(invertSecret(a, p))
    }), { seed: 7, numRuns: 50 })
    for (const f of [(x: bigint) => invertPublic(x), (x: bigint) => invertSecret(x, n), (x: bigint) => invertPublicMod(x, n)]) {
      expect(() => f(0n)).toThrow(/zero/)
      expect(() => f(n)).toThrow(/zero/)
    }
  })

  it('interpolateAt agrees with interpolateScalar at 0 and at other points (property, seeded)', () => {
    const ids = fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 9 })
    fc.assert(fc.property(ids, fc.array(scalar, { minLength: 9, maxLength: 9 }), fc.integer({ min: 0, max: 400 }), (xs, vs, at) => {
      const values = new Map(xs.map((x, i) => [x, vs[i]] as const))
      expect(interpolateAt(values)).toBe(interpolateScalar(Secp256k1, values))
      expect(interpolateAt(values, at)).toBe(interpolateScalar(Secp256k1, values, at))
    }), { seed: 11, numRuns: 40 })
  })
  it('invertPublicBatch equals one inversion per value, in order, and refuses a zero anywhere', () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 1n, max: n - 1n }), { minLength: 1, maxLength: 9 }), (xs) => {
      expect(invertPublicBatch(xs)).toEqual(xs.map((x) => invertPublic(x)))
    }), { seed: 5, numRuns: 40 })
    expect(invertPublicBatch([])).toEqual([])
    expect(() => invertPublicBatch([3n, n, 5n])).toThrow(InvalidArgumentError)
  })
})
