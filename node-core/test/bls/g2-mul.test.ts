import { describe, expect, it } from 'vitest'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { BlsG2 } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { BLS_X, baseXDigits, mulG2Secret } from '../../src/crypto/bls/g2-mul.js'
import { blsSignShare, hashIdentityToG2, hashMessageToG2 } from '../../src/crypto/bls/index.js'
import { evaluatePartial } from '../../src/crypto/bls/partials.js'
import { InvalidArgumentError } from '../../src/errors.js'
import { dealBls, g2PointOutsideSubgroup, utf8 } from './helpers.js'

const r = BlsG2.order

describe('mulG2Secret (GLS, docs/bls.md §1.4)', () => {
  it('rests on r = X⁴ − X² + 1, so four base-X digits cover every scalar', () => {
    expect(BLS_X ** 4n - BLS_X ** 2n + 1n).toBe(r)
    for (const x of [1n, BLS_X - 1n, BLS_X, BLS_X ** 3n + 5n, r - 1n]) {
      const d = baseXDigits(x)
      expect(d.every((dj) => dj >= 0n && dj < BLS_X)).toBe(true)
      expect(d[0] + d[1] * BLS_X + d[2] * BLS_X ** 2n + d[3] * BLS_X ** 3n).toBe(x)
    }
  })

  it('ψ acts on G2 as [−X] (the eigenvalue the decomposition uses)', () => {
    const q = hashMessageToG2(utf8('psi'))
    // (X−1)·Q + Q = X·Q, and mulG2Secret(Q, X) = −ψ(Q) by construction: compare with noble.
    expect(mulG2Secret(q, BLS_X).equals(q.multiply(BLS_X))).toBe(true)
  })

  const edges = [1n, 2n, BLS_X - 1n, BLS_X, BLS_X + 1n, BLS_X ** 2n, BLS_X ** 2n - 1n, BLS_X ** 3n, BLS_X ** 3n - 1n, r - 1n, r - BLS_X, (r - 1n) / 2n]
  it('equals noble multiply at the digits\' edges', () => {
    const q = hashIdentityToG2('edges')
    for (const x of edges) expect(mulG2Secret(q, x).equals(q.multiply(x)), `x = ${x}`).toBe(true)
  })

  it('equals noble multiply for random scalars on hashed points and the generator', () => {
    const rng = seededRng('gls')
    const points = [BlsG2.BASE, hashIdentityToG2('a'), hashMessageToG2(utf8('b'))]
    for (let i = 0; i < 12; i++) {
      const x = bytesToNumberBE(rng(48)) % (r - 1n) + 1n
      const q = points[i % points.length]
      expect(mulG2Secret(q, x).equals(q.multiply(x))).toBe(true)
    }
  })

  it('refuses 0, negative and out-of-range scalars', () => {
    const q = BlsG2.BASE
    for (const x of [0n, -1n, r, r + 1n]) expect(() => mulG2Secret(q, x)).toThrow(InvalidArgumentError)
  })

  it('is wrong outside the subgroup, which is why evaluatePartial refuses such a point', () => {
    const bad = g2PointOutsideSubgroup()
    expect(mulG2Secret(bad, BLS_X + 3n).equals(bad.multiplyUnsafe(BLS_X + 3n))).toBe(false)
    const [share] = dealBls(3)
    expect(() => evaluatePartial(share, bad)).toThrow(InvalidArgumentError)
  })

  it('signature shares made with it still combine into what noble verifies (via x_i·H = noble multiply)', () => {
    const [share] = dealBls(4)
    const m = utf8('share')
    const s = blsSignShare(share, m)
    expect(s.point.equals(bls12_381.longSignatures.hash(m).multiply(share.secretShare))).toBe(true)
  })
})
