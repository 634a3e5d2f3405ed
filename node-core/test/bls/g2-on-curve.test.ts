import { describe, expect, it } from 'vitest'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { BlsG2 } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { MalformedMessageError } from '../../src/errors.js'
import { g2FromBytesOnCurve } from '../../src/crypto/bls/g2-on-curve.js'
import { hashIdentityToG2 } from '../../src/crypto/bls/index.js'
import { isValidG2 } from '../../src/crypto/bls/points.js'
import { g2OffCurve, g2OutsideSubgroup } from './helpers.js'

describe('g2FromBytesOnCurve (docs/ibe.md §4.0)', () => {
  it('decodes every subgroup point exactly as noble does, both sort flags', () => {
    const rng = seededRng('on-curve')
    const flags = new Set<number>()
    for (let i = 0; i < 16; i++) {
      const p = i % 2 === 0 ? BlsG2.BASE.multiply(BigInt(i + 2) * 0x1234567n) : hashIdentityToG2(`on-curve ${i} ${rng(4).join()}`)
      const bytes = p.toBytes()
      flags.add(bytes[0] & 0x20)
      const q = g2FromBytesOnCurve(bytes, 'p')
      expect(q.equals(bls12_381.G2.Point.fromBytes(bytes))).toBe(true)
      expect(q.equals(p)).toBe(true)
    }
    expect(flags.size).toBe(2)
  })

  it('accepts a curve point outside the subgroup (the strict check is the fallback\'s job), which isValidG2 then refuses', () => {
    const bytes = g2OutsideSubgroup()
    expect(() => bls12_381.G2.Point.fromBytes(bytes)).toThrow()
    const q = g2FromBytesOnCurve(bytes, 'p')
    expect(isValidG2(q)).toBe(false)
  })

  it('refuses what is not a compressed finite point on the curve', () => {
    const good = BlsG2.BASE.toBytes()
    const bad: Uint8Array[] = [
      good.subarray(1), new Uint8Array(97),
      BlsG2.ZERO.toBytes(), // infinity flag
      Uint8Array.of(good[0] & 0x7f, ...good.subarray(1)), // not compressed
      g2OffCurve()
    ]
    const big = good.slice(); big[0] = 0x80 | 0x1f; big.fill(0xff, 1, 48) // x1 ≥ p
    const big0 = good.slice(); big0.fill(0xff, 48) // x0 ≥ p
    for (const b of [...bad, big, big0]) expect(() => g2FromBytesOnCurve(b, 'p')).toThrow(MalformedMessageError)
  })
})
