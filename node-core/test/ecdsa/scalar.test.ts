import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { Secp256k1 } from '../../src/crypto/group.js'
import { interpolateScalar, invert } from '../../src/crypto/shares.js'
import { interpolateAt, invertPublic } from '../../src/crypto/ecdsa/scalar.js'

const n = Secp256k1.order
const scalar = fc.bigInt({ min: 0n, max: n - 1n })

describe('public-scalar helpers', () => {
  it('invertPublic agrees with the Fermat inverse and refuses zero', () => {
    fc.assert(fc.property(scalar, (a) => {
      if (a === 0n) return
      expect(invertPublic(a)).toBe(invert(a, n))
    }), { seed: 7, numRuns: 50 })
    expect(() => invertPublic(0n)).toThrow(/zero/)
    expect(() => invertPublic(n)).toThrow(/zero/)
  })

  it('interpolateAt agrees with interpolateScalar at 0 and at other points (property, seeded)', () => {
    const ids = fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 9 })
    fc.assert(fc.property(ids, fc.array(scalar, { minLength: 9, maxLength: 9 }), fc.integer({ min: 0, max: 400 }), (xs, vs, at) => {
      const values = new Map(xs.map((x, i) => [x, vs[i]] as const))
      expect(interpolateAt(values)).toBe(interpolateScalar(Secp256k1, values))
      expect(interpolateAt(values, at)).toBe(interpolateScalar(Secp256k1, values, at))
    }), { seed: 11, numRuns: 40 })
  })
})
