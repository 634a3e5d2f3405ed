import { describe, expect, it } from 'vitest'
import { BlsG1, BlsG2 } from '../../src/crypto/group.js'
import { isValidG1, isValidG2 } from '../../src/crypto/bls/points.js'
import { g1PointOutsideSubgroup, g2PointOutsideSubgroup } from './helpers.js'

// isValidG1/G2 rely on noble's assertValidity for the subgroup check (no second
// isTorsionFree): these pin that it refuses curve points outside the subgroup.
describe('isValidG1 / isValidG2', () => {
  it('accept subgroup points', () => {
    expect(isValidG1(BlsG1.BASE.multiply(7n))).toBe(true)
    expect(isValidG2(BlsG2.BASE.multiply(7n))).toBe(true)
  })

  it('refuse the identity, curve points outside the subgroup, and non-points', () => {
    expect(isValidG1(BlsG1.ZERO)).toBe(false)
    expect(isValidG2(BlsG2.ZERO)).toBe(false)
    expect(isValidG1(g1PointOutsideSubgroup())).toBe(false)
    expect(isValidG2(g2PointOutsideSubgroup())).toBe(false)
    expect(isValidG1(BlsG2.BASE)).toBe(false)
    expect(isValidG2(BlsG1.BASE)).toBe(false)
    expect(isValidG2({ X: 1n, Y: 2n, Z: 1n })).toBe(false)
  })
})
