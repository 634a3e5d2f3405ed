/**
 * Compressed G2 decoding WITHOUT the subgroup check, for the optimistic IBE combine only
 * (docs/ibe.md §4.0): the ZCash encoding rules, x canonical, y from the curve equation,
 * so the point is on the curve; whether it is in the prime-order subgroup is left open.
 * The subgroup check is a 64-bit multiplication (~3 ms a share in Node here); a wrong
 * point only gives a key that the AEAD tag and the FO check refuse, and the combiner's
 * fallback then checks every share in full (isValidG2) before naming or using it.
 * Same result as noble's G2 fromBytes for every subgroup point (test/bls/g2-on-curve.test.ts).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { MalformedMessageError } from '../../errors.js'
import type { G2Point } from '../group.js'

const Fp = bls12_381.fields.Fp
const Fp2 = bls12_381.fields.Fp2
const B = Fp2.create({ c0: 4n, c1: 4n }) // y² = x³ + 4(1 + i)
const HALF = (Fp.ORDER - 1n) / 2n
const FLAG_COMPRESSED = 0x80
const FLAG_INFINITY = 0x40
const FLAG_SORT = 0x20
export const G2_COMPRESSED_BYTES = 96

/** The sort flag of y: its first non-zero part, c1 then c0, is above (p − 1)/2. */
function sortFlag (y: { c0: bigint, c1: bigint }): boolean {
  return y.c1 !== 0n ? y.c1 > HALF : y.c0 > HALF
}

export function g2FromBytesOnCurve (bytes: Uint8Array, field: string): G2Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== G2_COMPRESSED_BYTES) throw new MalformedMessageError(field, `G2 point must be ${G2_COMPRESSED_BYTES} bytes`)
  const flags = bytes[0] & 0xe0
  if ((flags & FLAG_COMPRESSED) === 0 || (flags & FLAG_INFINITY) !== 0) throw new MalformedMessageError(field, 'not a compressed finite G2 point')
  const x1 = bytesToNumberBE(Uint8Array.of(bytes[0] & 0x1f, ...bytes.subarray(1, 48)))
  const x0 = bytesToNumberBE(bytes.subarray(48))
  if (x0 >= Fp.ORDER || x1 >= Fp.ORDER) throw new MalformedMessageError(field, 'x is not a canonical field element')
  const x = Fp2.create({ c0: x0, c1: x1 })
  let y
  try {
    y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), B))
  } catch {
    throw new MalformedMessageError(field, 'no G2 curve point has this x')
  }
  if (sortFlag(y) !== ((flags & FLAG_SORT) !== 0)) y = Fp2.neg(y)
  return bls12_381.G2.Point.fromAffine({ x, y }) as G2Point
}
