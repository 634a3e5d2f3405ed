/**
 * Point formulas on secp256k1 (a = 0) over field.ts. Spec: docs/secp256k1-wasm.md §3.
 *
 * A Jacobian point is X, Y, Z (3 × 40 bytes) with x = X/Z², y = Y/Z³; an affine
 * point is x, y (2 × 40 bytes). Coordinates leave these functions with
 * magnitude 1 (not canonical). The same formulas as secp256k1/jacobian.ts:
 * dbl-2009-l and madd-2007-bl (with Z3 = 2·Z1·H).
 */
import {
  fe_add, fe_copy, fe_inv, fe_is_zero, fe_mul, fe_mul_int, fe_set_int, fe_sqr, fe_sub, fe_weak
} from './field'

export const FE: usize = 40
export const AFF: usize = 80
export const JAC: usize = 120

const S0: usize = memory.data(40, 16)
const S1: usize = memory.data(40, 16)
const S2: usize = memory.data(40, 16)
const S3: usize = memory.data(40, 16)
const S4: usize = memory.data(40, 16)
const S5: usize = memory.data(40, 16)
const S6: usize = memory.data(40, 16)
const S7: usize = memory.data(40, 16)
const S8: usize = memory.data(40, 16)
const S9: usize = memory.data(40, 16)

/** r = 2P (r may be P). P must not be the identity (callers track it apart). */
export function jac_double (r: usize, P: usize): void {
  const X = P
  const Y = P + 40
  const Z = P + 80
  const A = S0; const B = S1; const C = S2; const D = S3; const E = S4; const T = S5
  fe_sqr(A, X)
  fe_sqr(B, Y)
  fe_sqr(C, B)
  fe_add(T, X, B) // 2
  fe_sqr(T, T)
  fe_sub(T, T, A, 1) // 3
  fe_sub(T, T, C, 1) // 5
  fe_mul_int(D, T, 2) // 10
  fe_weak(D) // D = 2((X + B)² − A − C)
  fe_mul_int(E, A, 3) // E = 3A, magnitude 3
  fe_mul(r + 80, Y, Z) // Y and Z are not read again
  fe_mul_int(r + 80, r + 80, 2)
  fe_weak(r + 80) // Z3 = 2·Y·Z
  fe_sqr(T, E) // F = E²
  fe_mul_int(S6, D, 2) // 2
  fe_sub(r, T, S6, 2) // 4
  fe_weak(r) // X3 = F − 2D
  fe_sub(T, D, r, 1) // 3
  fe_mul(T, E, T)
  fe_mul_int(S6, C, 8) // 8
  fe_sub(r + 40, T, S6, 8) // 10
  fe_weak(r + 40) // Y3 = E·(D − X3) − 8C
}

/**
 * The common part of the mixed addition P + (x2, y2): leaves Z1Z1 in S0, U2 in
 * S1, S2 in S2 and H = U2 − X1 (magnitude 3) in S3. y2 may have magnitude ≤ 8.
 */
function madd_prefix (P: usize, x2: usize, y2: usize): void {
  fe_sqr(S0, P + 80) // Z1Z1
  fe_mul(S1, x2, S0) // U2
  fe_mul(S2, y2, P + 80)
  fe_mul(S2, S2, S0) // S2
  fe_sub(S3, S1, P, 1) // H
}

/** The rest of madd-2007-bl, after madd_prefix. r may be P. */
function madd_finish (r: usize, P: usize): void {
  const H = S3; const HH = S4; const I = S5; const J = S6; const R = S7; const V = S8; const YJ = S9
  fe_sqr(HH, H)
  fe_mul_int(I, HH, 4) // 4
  fe_mul(J, H, I)
  fe_sub(R, S2, P + 40, 1) // 3
  fe_mul_int(R, R, 2) // R = 2(S2 − Y1), magnitude 6
  fe_mul(V, P, I)
  fe_mul(YJ, P + 40, J)
  fe_mul_int(YJ, YJ, 2) // 2·Y1·J, magnitude 2
  fe_mul(r + 80, P + 80, H)
  fe_mul_int(r + 80, r + 80, 2)
  fe_weak(r + 80) // Z3 = 2·Z1·H = (Z1 + H)² − Z1Z1 − HH
  fe_sqr(S0, R)
  fe_sub(S0, S0, J, 1) // 3
  fe_mul_int(S1, V, 2) // 2
  fe_sub(r, S0, S1, 2) // 6
  fe_weak(r) // X3 = R² − J − 2V
  fe_sub(S0, V, r, 1) // 3
  fe_mul(S0, R, S0)
  fe_sub(r + 40, S0, YJ, 2) // 4
  fe_weak(r + 40) // Y3 = R·(V − X3) − 2·Y1·J
}

/**
 * r = P + (x2, y2) with no check: P must not be the identity nor ±(x2, y2).
 * The same operations for every input (the comb of secret scalars relies on it).
 */
export function jac_add_affine_unchecked (r: usize, P: usize, x2: usize, y2: usize): void {
  madd_prefix(P, x2, y2)
  madd_finish(r, P)
}

/**
 * r = P + (x2, y2) for PUBLIC points, P not the identity; variable time.
 * Returns true when the sum is the identity (r is then left unchanged).
 */
export function jac_add_affine_checked (r: usize, P: usize, x2: usize, y2: usize): bool {
  madd_prefix(P, x2, y2)
  if (fe_is_zero(S3)) {
    fe_sub(S4, S2, P + 40, 1)
    if (!fe_is_zero(S4)) return true // P = −(x2, y2)
    if (r != P) memory.copy(r, P, JAC)
    jac_double(r, r) // P = (x2, y2)
    return false
  }
  madd_finish(r, P)
  return false
}

/** r (Jacobian) = the affine point a, Z = 1. */
export function jac_from_affine (r: usize, a: usize): void {
  memory.copy(r, a, AFF)
  fe_set_int(r + 80, 1)
}

const ACC: usize = memory.data(40, 16)

/**
 * Replaces the `count` elements at base, base + stride, … by their inverses with
 * one Fermat inversion (Montgomery's trick); `prefix` holds count × 40 bytes.
 * No element may be zero. The sequence of operations depends on count only.
 */
export function fe_inv_many (base: usize, stride: usize, count: i32, prefix: usize): void {
  if (count <= 0) return
  fe_set_int(ACC, 1)
  for (let i = 0; i < count; i++) {
    fe_copy(prefix + <usize>i * FE, ACC)
    fe_mul(ACC, ACC, base + <usize>i * stride)
  }
  fe_inv(ACC, ACC)
  for (let i = count - 1; i >= 0; i--) {
    const a = base + <usize>i * stride
    fe_mul(S0, ACC, prefix + <usize>i * FE) // a⁻¹
    fe_mul(ACC, ACC, a)
    fe_copy(a, S0)
  }
}

/**
 * out[i] (affine, stride 80) = jac[i] (stride 120), none the identity, with one
 * inversion; `scratch` holds count × 80 bytes.
 */
export function jac_to_affine_many (jac: usize, count: i32, out: usize, scratch: usize): void {
  const zs = scratch
  const prefix = scratch + <usize>count * FE
  for (let i = 0; i < count; i++) fe_copy(zs + <usize>i * FE, jac + <usize>i * JAC + 80)
  fe_inv_many(zs, FE, count, prefix)
  for (let i = 0; i < count; i++) {
    const J = jac + <usize>i * JAC
    const zi = zs + <usize>i * FE
    const o = out + <usize>i * AFF
    fe_sqr(S1, zi)
    fe_mul(o, J, S1)
    fe_mul(S1, S1, zi)
    fe_mul(o + 40, J + 40, S1)
  }
}
