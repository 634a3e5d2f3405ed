import { describe, it, expect } from 'vitest'
import { Writer, Reader, WIRE_VERSION } from '../../src/crypto/wire.js'
import { Secp256k1, BlsG1, BlsG2, pointFromBytes, scalarFromBytes } from '../../src/crypto/group.js'
import { MalformedMessageError } from '../../src/errors.js'
import { bls12_381 } from '@noble/curves/bls12-381.js'

const KIND = 99

function sample (): Uint8Array {
  return new Writer().header(KIND).u16(7).scalar(Secp256k1, 42n).point(Secp256k1, Secp256k1.BASE.multiply(9n))
    .list([1, 2, 3], (w, x) => w.u16(x)).string('héllo').finish()
}

function parse (b: Uint8Array): unknown {
  const r = new Reader(b, 'Sample').header(KIND)
  const out = { id: r.participant('id'), k: r.scalar(Secp256k1, 'k'), p: r.point(Secp256k1, 'p'), l: r.list('l', (rr) => rr.u16('x')), s: r.string('s') }
  r.end()
  return out
}

describe('wire codec', () => {
  it('round-trips', () => {
    const v = parse(sample()) as { id: number, k: bigint, l: number[], s: string }
    expect(v.id).toBe(7)
    expect(v.k).toBe(42n)
    expect(v.l).toEqual([1, 2, 3])
    expect(v.s).toBe('héllo')
  })

  it('refuses every truncation and trailing bytes', () => {
    const b = sample()
    for (let len = 0; len < b.length; len++) expect(() => parse(b.subarray(0, len))).toThrow(MalformedMessageError)
    const longer = new Uint8Array(b.length + 1)
    longer.set(b)
    expect(() => parse(longer)).toThrow(/trailing/)
  })

  it('refuses wrong magic, version and kind', () => {
    const b = sample()
    expect(() => parse(Uint8Array.from([0x00, ...b.subarray(1)]))).toThrow(/magic/)
    expect(() => parse(Uint8Array.from([b[0], WIRE_VERSION + 1, ...b.subarray(2)]))).toThrow(/version/)
    expect(() => parse(Uint8Array.from([b[0], b[1], KIND + 1, ...b.subarray(3)]))).toThrow(/kind/)
  })

  it('refuses non-canonical and zero scalars', () => {
    const n = Secp256k1.order
    const hex = n.toString(16).padStart(64, '0')
    const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)))
    expect(() => scalarFromBytes(Secp256k1, bytes, 'k')).toThrow(/not reduced/)
    expect(() => scalarFromBytes(Secp256k1, new Uint8Array(32), 'k')).toThrow(/zero/)
    expect(scalarFromBytes(Secp256k1, new Uint8Array(32), 'k', { allowZero: true })).toBe(0n)
    expect(() => scalarFromBytes(Secp256k1, new Uint8Array(31), 'k')).toThrow(/32 bytes/)
  })

  it('refuses points off the curve, of the wrong length, the identity, and outside the BLS subgroup', () => {
    const good = Secp256k1.BASE.multiply(5n).toBytes()
    const off = good.slice()
    off[0] = 0x05 // invalid prefix
    expect(() => pointFromBytes(Secp256k1, off, 'p')).toThrow(MalformedMessageError)
    expect(() => pointFromBytes(Secp256k1, good.subarray(1), 'p')).toThrow(/33 bytes/)
    // x with no square root on secp256k1: x = 5 is not on y^2 = x^3 + 7.
    const noSqrt = new Uint8Array(33); noSqrt[0] = 2; noSqrt[32] = 5
    expect(() => pointFromBytes(Secp256k1, noSqrt, 'p')).toThrow(MalformedMessageError)
    expect(() => pointFromBytes(BlsG1, BlsG1.ZERO.toBytes(), 'p')).toThrow(/identity/)
    expect(pointFromBytes(BlsG2, BlsG2.BASE.toBytes(), 'p').equals(BlsG2.BASE)).toBe(true)
    // A G1 point on the curve but outside the prime-order subgroup (cofactor not cleared).
    const Fp = bls12_381.fields.Fp
    let outside: Uint8Array | undefined
    for (let x = 1n; x < 50n && outside === undefined; x++) {
      const y2 = Fp.add(Fp.pow(x, 3n), 4n)
      let y: bigint
      try { y = Fp.sqrt(y2) } catch { continue }
      const P = BlsG1.Point.fromAffine({ x, y })
      if (P.isTorsionFree()) continue
      // noble's toBytes refuses such a point, so encode it by hand (ZCash compressed format).
      const b = Uint8Array.from(x.toString(16).padStart(96, '0').match(/../g)!.map((h) => parseInt(h, 16)))
      b[0] |= 0x80
      if (y > (Fp.ORDER - 1n) / 2n) b[0] |= 0x20
      outside = b
    }
    expect(outside).toBeDefined()
    expect(() => pointFromBytes(BlsG1, outside!, 'p')).toThrow(MalformedMessageError)
  })
})
