/**
 * Multi-scalar multiplication for PUBLIC points and scalars only (proof and
 * share verification): Straus' interleaving with width-5 wNAF, one shared
 * doubling chain for all points. Variable time by design; never pass secrets.
 * Field arithmetic is done here (Jacobian coordinates, mixed additions).
 * The base point's term goes through noble's precomputed-table multiply.
 */
import { normalizeZ } from '@noble/curves/abstract/curve.js'
import { invert } from '@noble/curves/abstract/modular.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { Secp256k1, mod, type SecpPoint } from '../group.js'

const WINDOW = 5
const TABLE = 1 << (WINDOW - 2) // odd multiples 1P, 3P, …, 15P
const n = Secp256k1.order

/** Width-w NAF digits of k, least significant first. */
function wnaf (k: bigint): Int8Array {
  const out = new Int8Array(258)
  const full = 1 << WINDOW
  const half = 1 << (WINDOW - 1)
  let i = 0
  let x = k
  while (x > 0n) {
    if ((x & 1n) === 1n) {
      let d = Number(x & BigInt(full - 1))
      if (d >= half) d -= full
      out[i] = d
      x -= BigInt(d)
    }
    x >>= 1n
    i++
  }
  return out
}

/*
 * The inner loop works in Jacobian coordinates (x = X/Z², y = Y/Z³) with
 * affine table entries, so each addition is a mixed addition (8M+3S) and each
 * doubling 2M+5S, instead of noble's complete projective formulas (about twice
 * the field operations). Inputs are public, so the formulas' exceptional cases
 * (adding ±the accumulator, the identity) are handled by plain branches.
 */
const p = Secp256k1.Point.Fp.ORDER
function fp (a: bigint): bigint {
  const r = a % p
  return r < 0n ? r + p : r
}

interface Jacobian { X: bigint, Y: bigint, Z: bigint }

// dbl-2009-l (a = 0). The identity (Z = 0) doubles to itself.
function jDouble (P: Jacobian): Jacobian {
  if (P.Z === 0n) return P
  const A = P.X * P.X % p
  const B = P.Y * P.Y % p
  const C = B * B % p
  const t = P.X + B
  const D = fp(2n * (t * t - A - C))
  const E = 3n * A % p
  const X3 = fp(E * E - 2n * D)
  const Y3 = fp(E * (D - X3) - 8n * C)
  const Z3 = 2n * P.Y * P.Z % p
  return { X: X3, Y: Y3, Z: Z3 }
}

// madd-2007-bl: Jacobian P + affine (x2, y2).
function jAddAffine (P: Jacobian, x2: bigint, y2: bigint): Jacobian {
  if (P.Z === 0n) return { X: x2, Y: y2, Z: 1n }
  const Z1Z1 = P.Z * P.Z % p
  const U2 = x2 * Z1Z1 % p
  const S2 = y2 * P.Z % p * Z1Z1 % p
  const H = fp(U2 - P.X)
  const r = fp(2n * (S2 - P.Y))
  if (H === 0n) return r === 0n ? jDouble(P) : { X: 1n, Y: 1n, Z: 0n }
  const HH = H * H % p
  const I = 4n * HH % p
  const J = H * I % p
  const V = P.X * I % p
  const X3 = fp(r * r - J - 2n * V)
  const Y3 = fp(r * (V - X3) - 2n * P.Y * J)
  const t = P.Z + H
  const Z3 = fp(t * t - Z1Z1 - HH)
  return { X: X3, Y: Y3, Z: Z3 }
}

/** Jacobian points (none the identity) to affine, with one inversion for all (Montgomery's trick). */
function toAffineBatch (js: readonly Jacobian[]): Array<{ x: bigint, y: bigint }> {
  const prefix: bigint[] = []
  let acc = 1n
  for (const P of js) { prefix.push(acc); acc = acc * P.Z % p }
  let inv = invert(acc, p)
  const out = new Array<{ x: bigint, y: bigint }>(js.length)
  for (let i = js.length - 1; i >= 0; i--) {
    const zi = inv * prefix[i] % p
    inv = inv * js[i].Z % p
    const zi2 = zi * zi % p
    out[i] = { x: js[i].X * zi2 % p, y: js[i].Y * zi2 % p * zi % p }
  }
  return out
}

/**
 * Odd multiples 1P, 3P, …, 15P of each point (none the identity), affine.
 * Three batched inversions in all: the inputs, the doubles, the multiples.
 * No exceptional case can occur: iP = ±2P would need P of order ≤ 17.
 */
function affineTables (points: readonly SecpPoint[]): Array<{ x: bigint[], y: bigint[] }> {
  const base = normalizeZ(Secp256k1.Point, [...points]).map((P) => ({ x: P.X, y: P.Y }))
  const twice = toAffineBatch(base.map((b) => jDouble({ X: b.x, Y: b.y, Z: 1n })))
  const multiples: Jacobian[] = []
  base.forEach((b, j) => {
    let acc: Jacobian = { X: b.x, Y: b.y, Z: 1n }
    for (let i = 1; i < TABLE; i++) { acc = jAddAffine(acc, twice[j].x, twice[j].y); multiples.push(acc) }
  })
  const affine = toAffineBatch(multiples)
  return base.map((b, j) => {
    const x = [b.x]
    const y = [b.y]
    for (let i = 1; i < TABLE; i++) { const a = affine[j * (TABLE - 1) + i - 1]; x.push(a.x); y.push(a.y) }
    return { x, y }
  })
}

/** sum_i scalars[i]·points[i] + baseScalar·G. */
export function msmPublicStraus (points: readonly SecpPoint[], scalars: readonly bigint[], baseScalar = 0n): SecpPoint {
  const used: SecpPoint[] = []
  const digits: Int8Array[] = []
  let top = 0
  for (let i = 0; i < points.length; i++) {
    const k = mod(scalars[i], n)
    if (k === 0n || points[i].equals(Secp256k1.ZERO)) continue
    const d = wnaf(k)
    let len = d.length
    while (len > 0 && d[len - 1] === 0) len--
    top = Math.max(top, len)
    used.push(points[i])
    digits.push(d)
  }
  const tables = used.length > 0 ? affineTables(used) : []
  let acc: Jacobian = { X: 1n, Y: 1n, Z: 0n }
  for (let bit = top - 1; bit >= 0; bit--) {
    acc = jDouble(acc)
    for (let j = 0; j < digits.length; j++) {
      const d = digits[j][bit]
      if (d > 0) acc = jAddAffine(acc, tables[j].x[(d - 1) >> 1], tables[j].y[(d - 1) >> 1])
      else if (d < 0) acc = jAddAffine(acc, tables[j].x[(-d - 1) >> 1], p - tables[j].y[(-d - 1) >> 1])
    }
  }
  // Jacobian (X, Y, Z) is the projective point (X·Z, Y, Z³) in noble's homogeneous coordinates.
  const result = acc.Z === 0n ? Secp256k1.ZERO : new secp256k1.Point(acc.X * acc.Z % p, acc.Y, acc.Z * acc.Z % p * acc.Z % p)
  const b = mod(baseScalar, n)
  return b === 0n ? result : result.add(Secp256k1.BASE.multiplyUnsafe(b))
}
