/**
 * secp256k1 field and point formulas in BigInt, shared by the public
 * multi-scalar multiplication (ecdsa/msm.ts) and the fixed-base multiplication
 * of secrets (base-mul.ts). About half the field work of noble's complete
 * projective formulas: Jacobian accumulators, affine table entries.
 *
 * The formulas have exceptional cases (the identity, P = ±Q) handled by plain
 * branches; callers either pass public values or make those cases unreachable
 * (base-mul.ts starts from an offset point).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'

/** The field prime p = 2^256 − 2^32 − 977. */
export const p = secp256k1.Point.Fp.ORDER

// p = 2^256 − c with c = 2^32 + 977, so t = h·2^256 + l ≡ h·c + l (mod p). Two
// such folds and one correction give the canonical residue of any |t| < 2^520
// (every input below is a product of two values under 2^258, plus small
// multiples); measured ~25% faster than BigInt's generic `% p` in V8.
const FOLD = (1n << 32n) + 977n
const MASK = (1n << 256n) - 1n
export function red (t: bigint): bigint {
  t = (t >> 256n) * FOLD + (t & MASK) // floor shift and two's-complement mask keep this exact for t < 0
  t = (t >> 256n) * FOLD + (t & MASK) // now −2^75 < t < 2^256 + 2^75
  return t < 0n ? t + p : t >= p ? t - p : t
}

export interface Jacobian { X: bigint, Y: bigint, Z: bigint }
export const INFINITY: Jacobian = { X: 1n, Y: 1n, Z: 0n }

// dbl-2009-l (a = 0). The identity (Z = 0) doubles to itself. Outputs are
// canonical (in [0, p)); intermediates are reduced only where sizes need it.
export function jDouble (P: Jacobian): Jacobian {
  const { X, Y, Z } = P
  if (Z === 0n) return P
  const A = red(X * X)
  const B = red(Y * Y)
  const C = red(B * B)
  const t = X + B
  const D = red(2n * (t * t - A - C))
  const E = 3n * A
  const X3 = red(E * E - 2n * D)
  const Y3 = red(E * (D - X3) - 8n * C)
  const Z3 = red(2n * Y * Z)
  return { X: X3, Y: Y3, Z: Z3 }
}

// madd-2007-bl: Jacobian P + affine (x2, y2). The exceptional cases (P = ±(x2, y2),
// P the identity) are plain branches: callers pass public values, or (base-mul.ts)
// make those cases unreachable.
// Coordinates are canonical, so H ≡ 0 iff U2 = X1 and r ≡ 0 iff S2 = Y1.
export function jAddAffine (P: Jacobian, x2: bigint, y2: bigint): Jacobian {
  const { X, Y, Z } = P
  if (Z === 0n) return { X: x2, Y: y2, Z: 1n }
  const Z1Z1 = red(Z * Z)
  const U2 = red(x2 * Z1Z1)
  const S2 = red(red(y2 * Z) * Z1Z1)
  if (U2 === X) return S2 === Y ? jDouble(P) : INFINITY
  const H = U2 - X // in (−p, p), non-zero
  const r = 2n * (S2 - Y)
  const HH = red(H * H)
  const I = 4n * HH
  const J = red(H * I)
  const V = red(X * I)
  const X3 = red(r * r - J - 2n * V)
  const Y3 = red(r * (V - X3) - 2n * Y * J)
  const t = Z + H
  const Z3 = red(t * t - Z1Z1 - HH)
  return { X: X3, Y: Y3, Z: Z3 }
}

/**
 * Jacobian points (none the identity) to affine, one inversion for all
 * (Montgomery's trick). `invert` is `invertPublic` for public points and
 * `invertSecret` where the Z coordinates come from a secret computation.
 */
export function toAffineBatch (js: readonly Jacobian[], invert: (a: bigint, m: bigint) => bigint): Array<{ x: bigint, y: bigint }> {
  if (js.length === 0) return []
  const prefix = new Array<bigint>(js.length)
  let acc = 1n
  for (let i = 0; i < js.length; i++) { prefix[i] = acc; acc = red(acc * js[i].Z) }
  let inv = invert(acc, p)
  const out = new Array<{ x: bigint, y: bigint }>(js.length)
  for (let i = js.length - 1; i >= 0; i--) {
    const zi = red(inv * prefix[i])
    inv = red(inv * js[i].Z)
    const zi2 = red(zi * zi)
    out[i] = { x: red(js[i].X * zi2), y: red(red(js[i].Y * zi2) * zi) }
  }
  return out
}
