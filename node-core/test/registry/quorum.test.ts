/** registry.md §2.3: the quorum arithmetic, for every committee size. */
import { describe, expect, it } from 'vitest'
import { faultTolerance, quorumSize } from '../../src/registry/index.js'

describe('quorum (registry.md §2.3)', () => {
  it.each([
    [1, 0, 1], [2, 0, 2], [3, 0, 3], [4, 1, 3], [5, 1, 4], [6, 1, 5], [7, 2, 5], [10, 3, 7], [64, 21, 43]
  ])('n = %i: f = %i, q = %i', (n, f, q) => {
    expect(faultTolerance(n)).toBe(f)
    expect(quorumSize(n)).toBe(q)
  })

  it('for n = 1..64, two quorums share an honest member and the honest members form a quorum', () => {
    for (let n = 1; n <= 64; n++) {
      const f = faultTolerance(n)
      const q = quorumSize(n)
      expect(2 * q - n - f, `n=${n}`).toBeGreaterThanOrEqual(1)
      expect(n - f, `n=${n}`).toBeGreaterThanOrEqual(q)
      expect(q, `n=${n}`).toBeLessThanOrEqual(n)
    }
  })

  it('refuses sizes outside 1..64', () => {
    expect(() => quorumSize(0)).toThrow(/invalid n/)
    expect(() => quorumSize(65)).toThrow(/invalid n/)
    expect(() => faultTolerance(1.5)).toThrow(/invalid n/)
  })
})
