import { describe, it, expect } from 'vitest'
import { Secp256k1, BlsG1 } from '../src/crypto/group.js'
import { split, interpolateScalar, verifyShare, interpolatePoint } from '../src/crypto/shares.js'
import { seededRng } from '../src/crypto/random.js'

describe('shares', () => {
  for (const group of [Secp256k1, BlsG1] as const) {
    it(`splits and recovers over ${group.name}`, () => {
      const rng = seededRng('shares-' + group.name)
      const { shares, commitment } = split(group as typeof Secp256k1, 12345n, 2, [1, 2, 3, 4, 5], rng)
      for (const [id, s] of shares) expect(verifyShare(group as typeof Secp256k1, commitment, id, s)).toBe(true)
      expect(verifyShare(group as typeof Secp256k1, commitment, 1, shares.get(1)! + 1n)).toBe(false)
      const sub = new Map([...shares].filter(([id]) => id !== 2 && id !== 4))
      expect(interpolateScalar(group, sub)).toBe(12345n)
      const two = new Map([...shares].slice(0, 2))
      expect(interpolateScalar(group, two)).not.toBe(12345n)
      const pts = new Map([...sub].map(([id, s]) => [id, group.BASE.multiply(s)] as const))
      expect(interpolatePoint(group as typeof Secp256k1, pts as never).equals(group.BASE.multiply(12345n) as never)).toBe(true)
    })
  }
})
