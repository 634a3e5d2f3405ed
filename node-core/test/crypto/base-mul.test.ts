import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { mulBaseSecret, mulBaseSecretMany, recodeOdd } from '../../src/crypto/secp256k1/base-mul.js'

const n = secp256k1.Point.Fn.ORDER
const G = secp256k1.Point.BASE
const scalar = fc.bigInt({ min: 1n, max: n - 1n })

function noble (k: bigint): typeof G {
  return k === 0n ? secp256k1.Point.ZERO : G.multiply(k)
}

describe('mulBaseSecret (fixed-base comb for secret scalars)', () => {
  it('equals noble multiply on random scalars (property, seeded)', () => {
    fc.assert(fc.property(scalar, (k) => {
      const got = mulBaseSecret(k)
      expect(got.equals(noble(k))).toBe(true)
      got.assertValidity()
    }), { seed: 7, numRuns: 60 })
  })

  it('equals noble multiply at the edges of the recoding and of the range', () => {
    const edges = [1n, 2n, 3n, 255n, 256n, 257n, 511n, 512n, 2n ** 128n, 2n ** 255n, 2n ** 255n + 1n,
      (1n << 248n) - 1n, 1n << 248n, n - 1n, n - 2n, n - 255n, n - 256n, (n - 1n) / 2n, (n + 1n) / 2n]
    for (const k of edges) expect(mulBaseSecret(k).equals(noble(k)), `k = ${k}`).toBe(true)
  })

  it('k = 0 gives the identity; out-of-range scalars are refused', () => {
    expect(mulBaseSecret(0n).equals(secp256k1.Point.ZERO)).toBe(true)
    expect(() => mulBaseSecret(n)).toThrow(RangeError)
    expect(() => mulBaseSecret(-1n)).toThrow(RangeError)
  })

  it('a batch with zeros and repeats matches one-by-one results, in order', () => {
    const ks = [5n, 0n, n - 1n, 5n, 0n, 123456789n]
    const got = mulBaseSecretMany(ks)
    expect(got).toHaveLength(ks.length)
    ks.forEach((k, i) => expect(got[i].equals(noble(k))).toBe(true))
    expect(mulBaseSecretMany([])).toEqual([])
  })

  it('results are affine (Z = 1), so encoding them needs no further inversion', () => {
    const [P] = mulBaseSecretMany([987654321n])
    expect(P.Z).toBe(1n)
  })
})

describe('recodeOdd', () => {
  it('gives 32 odd digits in [−255, 255] that sum back to k (property, seeded)', () => {
    fc.assert(fc.property(scalar, (k0) => {
      const k = k0 | 1n
      if (k >= n) return
      const digits = recodeOdd(k)
      expect(digits).toHaveLength(32)
      let sum = 0n
      digits.forEach((d, i) => {
        expect(Math.abs(d) % 2).toBe(1)
        expect(Math.abs(d)).toBeLessThanOrEqual(255)
        sum += BigInt(d) << BigInt(8 * i)
      })
      expect(sum).toBe(k)
    }), { seed: 11, numRuns: 200 })
  })

  it('the largest odd scalar below n keeps its last digit in range', () => {
    const digits = recodeOdd(n - 2n) // n is odd, so n − 2 is the largest odd scalar
    expect(digits[31]).toBeGreaterThan(0)
    expect(digits[31]).toBeLessThanOrEqual(255)
  })
})
