/**
 * secp256k1 base field, p = 2^256 − 2^32 − 977, in 10 limbs of 26 bits.
 * Spec: docs/secp256k1-wasm.md §1–2.
 *
 * An element is 10 u32 limbs at a pointer (40 bytes, little-endian limb order),
 * value Σ limb[i]·2^(26i). Limbs may exceed 26 bits between operations; the
 * "magnitude" m of a value bounds them: limbs 0..8 ≤ 2m·(2^26 − 1) and limb 9
 * ≤ 2m·(2^22 − 1). fe_mul/fe_sqr accept m ≤ 8 (limbs < 2^30, so the ten 60-bit
 * partial products of a column add up below 2^64) and return m = 1; additions
 * add magnitudes; fe_neg(a, m) returns 2(m+1)·p − a with magnitude m + 1.
 * Only fe_normalize gives the canonical residue in [0, p); JS reads nothing else.
 *
 * Reduction: a product of two elements is 19 columns; they are carried into 20
 * limbs of 26 bits, the upper ten are folded with 2^260 ≡ 0x1000003D10 = R1·2^26 + R0
 * (R1 = 0x400, R0 = 0x3D10), and what is left at or above 2^256 with
 * 2^256 ≡ 2^32 + 0x3D1. No branch anywhere depends on the values.
 */


const M26: u64 = 0x3ffffff
const M22: u64 = 0x3fffff
const R0: u64 = 0x3d10
const R1: u64 = 0x400

// Limbs of p (26 bits each, the last 22).
const P0: u32 = 0x3fffc2f
const P1: u32 = 0x3ffffbf
const PM: u32 = 0x3ffffff
const P9: u32 = 0x3fffff

/**
 * r = the 19 product columns c0..c18 (each < 2^64) reduced mod p, magnitude 1: the
 * reduction shared by fe_mul and fe_sqr, inlined into both (no call in the hot path).
 */
@inline function reduce_columns (r: usize, c0: u64, c1: u64, c2: u64, c3: u64, c4: u64, c5: u64, c6: u64, c7: u64, c8: u64, c9: u64, c10: u64, c11: u64, c12: u64, c13: u64, c14: u64, c15: u64, c16: u64, c17: u64, c18: u64): void {
  // 1. Carry the 19 columns into 20 limbs of 26 bits (t19 takes the rest).
  let t: u64 = c0
  const t0 = t & M26; t = (t >> 26) + c1
  const t1 = t & M26; t = (t >> 26) + c2
  const t2 = t & M26; t = (t >> 26) + c3
  const t3 = t & M26; t = (t >> 26) + c4
  const t4 = t & M26; t = (t >> 26) + c5
  const t5 = t & M26; t = (t >> 26) + c6
  const t6 = t & M26; t = (t >> 26) + c7
  const t7 = t & M26; t = (t >> 26) + c8
  const t8 = t & M26; t = (t >> 26) + c9
  const t9 = t & M26; t = (t >> 26) + c10
  const t10 = t & M26; t = (t >> 26) + c11
  const t11 = t & M26; t = (t >> 26) + c12
  const t12 = t & M26; t = (t >> 26) + c13
  const t13 = t & M26; t = (t >> 26) + c14
  const t14 = t & M26; t = (t >> 26) + c15
  const t15 = t & M26; t = (t >> 26) + c16
  const t16 = t & M26; t = (t >> 26) + c17
  const t17 = t & M26; t = (t >> 26) + c18
  const t18 = t & M26; const t19 = t >> 26
  // 2. Fold limbs 10..19: 2^260 ≡ R1·2^26 + R0 (mod p).
  let u0: u64 = t0 + t10 * R0
  let u1: u64 = t1 + t11 * R0 + t10 * R1
  let u2: u64 = t2 + t12 * R0 + t11 * R1
  let u3: u64 = t3 + t13 * R0 + t12 * R1
  let u4: u64 = t4 + t14 * R0 + t13 * R1
  let u5: u64 = t5 + t15 * R0 + t14 * R1
  let u6: u64 = t6 + t16 * R0 + t15 * R1
  let u7: u64 = t7 + t17 * R0 + t16 * R1
  let u8: u64 = t8 + t18 * R0 + t17 * R1
  let u9: u64 = t9 + t19 * R0 + t18 * R1
  let u10: u64 = t19 * R1
  // 3. Carry limbs 0..9; what passes 2^260 joins u10.
  u1 += u0 >> 26; u0 &= M26
  u2 += u1 >> 26; u1 &= M26
  u3 += u2 >> 26; u2 &= M26
  u4 += u3 >> 26; u3 &= M26
  u5 += u4 >> 26; u4 &= M26
  u6 += u5 >> 26; u5 &= M26
  u7 += u6 >> 26; u6 &= M26
  u8 += u7 >> 26; u7 &= M26
  u9 += u8 >> 26; u8 &= M26
  u10 += u9 >> 26; u9 &= M26
  // 4. Everything at or above 2^256 is x = u10·16 + (u9 >> 22); 2^256 ≡ 2^32 + 0x3D1.
  const x: u64 = (u10 << 4) + (u9 >> 22); u9 &= M22
  u0 += x * 0x3D1; u1 += x << 6
  // 5. Short carry: u1 < 2^58, so the carry into u3 is below 2^6.
  u1 += u0 >> 26; u0 &= M26
  u2 += u1 >> 26; u1 &= M26
  u3 += u2 >> 26; u2 &= M26
  store<u32>(r, <u32>u0, 0)
  store<u32>(r, <u32>u1, 4)
  store<u32>(r, <u32>u2, 8)
  store<u32>(r, <u32>u3, 12)
  store<u32>(r, <u32>u4, 16)
  store<u32>(r, <u32>u5, 20)
  store<u32>(r, <u32>u6, 24)
  store<u32>(r, <u32>u7, 28)
  store<u32>(r, <u32>u8, 32)
  store<u32>(r, <u32>u9, 36)
}

/** r = a·b. Inputs: magnitude ≤ 8 (limbs < 2^30); output: magnitude 1. r may alias a or b. */
export function fe_mul (r: usize, a: usize, b: usize): void {
  const a0: u64 = load<u32>(a, 0)
  const a1: u64 = load<u32>(a, 4)
  const a2: u64 = load<u32>(a, 8)
  const a3: u64 = load<u32>(a, 12)
  const a4: u64 = load<u32>(a, 16)
  const a5: u64 = load<u32>(a, 20)
  const a6: u64 = load<u32>(a, 24)
  const a7: u64 = load<u32>(a, 28)
  const a8: u64 = load<u32>(a, 32)
  const a9: u64 = load<u32>(a, 36)
  const b0: u64 = load<u32>(b, 0)
  const b1: u64 = load<u32>(b, 4)
  const b2: u64 = load<u32>(b, 8)
  const b3: u64 = load<u32>(b, 12)
  const b4: u64 = load<u32>(b, 16)
  const b5: u64 = load<u32>(b, 20)
  const b6: u64 = load<u32>(b, 24)
  const b7: u64 = load<u32>(b, 28)
  const b8: u64 = load<u32>(b, 32)
  const b9: u64 = load<u32>(b, 36)
  const c0: u64 = a0 * b0
  const c1: u64 = a0 * b1 + a1 * b0
  const c2: u64 = a0 * b2 + a1 * b1 + a2 * b0
  const c3: u64 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0
  const c4: u64 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0
  const c5: u64 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0
  const c6: u64 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0
  const c7: u64 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0
  const c8: u64 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0
  const c9: u64 = a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0
  const c10: u64 = a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1
  const c11: u64 = a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2
  const c12: u64 = a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3
  const c13: u64 = a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4
  const c14: u64 = a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5
  const c15: u64 = a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6
  const c16: u64 = a7 * b9 + a8 * b8 + a9 * b7
  const c17: u64 = a8 * b9 + a9 * b8
  const c18: u64 = a9 * b9
  reduce_columns(r, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18)
}

/** r = a². Input: magnitude ≤ 8; output: magnitude 1. r may alias a. */
export function fe_sqr (r: usize, a: usize): void {
  const a0: u64 = load<u32>(a, 0)
  const a1: u64 = load<u32>(a, 4)
  const a2: u64 = load<u32>(a, 8)
  const a3: u64 = load<u32>(a, 12)
  const a4: u64 = load<u32>(a, 16)
  const a5: u64 = load<u32>(a, 20)
  const a6: u64 = load<u32>(a, 24)
  const a7: u64 = load<u32>(a, 28)
  const a8: u64 = load<u32>(a, 32)
  const a9: u64 = load<u32>(a, 36)
  const d0: u64 = a0 << 1
  const d1: u64 = a1 << 1
  const d2: u64 = a2 << 1
  const d3: u64 = a3 << 1
  const d4: u64 = a4 << 1
  const d5: u64 = a5 << 1
  const d6: u64 = a6 << 1
  const d7: u64 = a7 << 1
  const d8: u64 = a8 << 1
  const c0: u64 = a0 * a0
  const c1: u64 = d0 * a1
  const c2: u64 = d0 * a2 + a1 * a1
  const c3: u64 = d0 * a3 + d1 * a2
  const c4: u64 = d0 * a4 + d1 * a3 + a2 * a2
  const c5: u64 = d0 * a5 + d1 * a4 + d2 * a3
  const c6: u64 = d0 * a6 + d1 * a5 + d2 * a4 + a3 * a3
  const c7: u64 = d0 * a7 + d1 * a6 + d2 * a5 + d3 * a4
  const c8: u64 = d0 * a8 + d1 * a7 + d2 * a6 + d3 * a5 + a4 * a4
  const c9: u64 = d0 * a9 + d1 * a8 + d2 * a7 + d3 * a6 + d4 * a5
  const c10: u64 = d1 * a9 + d2 * a8 + d3 * a7 + d4 * a6 + a5 * a5
  const c11: u64 = d2 * a9 + d3 * a8 + d4 * a7 + d5 * a6
  const c12: u64 = d3 * a9 + d4 * a8 + d5 * a7 + a6 * a6
  const c13: u64 = d4 * a9 + d5 * a8 + d6 * a7
  const c14: u64 = d5 * a9 + d6 * a8 + a7 * a7
  const c15: u64 = d6 * a9 + d7 * a8
  const c16: u64 = d7 * a9 + a8 * a8
  const c17: u64 = d8 * a9
  const c18: u64 = a9 * a9
  reduce_columns(r, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18)
}

/** r = a. */
export function fe_copy (r: usize, a: usize): void {
  memory.copy(r, a, 40)
}

/** r = v for a small v (< 2^26). */
export function fe_set_int (r: usize, v: u32): void {
  store<u32>(r, v)
  memory.fill(r + 4, 0, 36)
}

/** r = a + b; magnitudes add. */
export function fe_add (r: usize, a: usize, b: usize): void {
  for (let i: usize = 0; i < 40; i += 4) store<u32>(r + i, load<u32>(a + i) + load<u32>(b + i))
}

/** r = k·a for a small k; the magnitude is multiplied by k. */
export function fe_mul_int (r: usize, a: usize, k: u32): void {
  for (let i: usize = 0; i < 40; i += 4) store<u32>(r + i, load<u32>(a + i) * k)
}

/** r = 2(m+1)·p − a for a of magnitude ≤ m: magnitude m + 1. */
export function fe_neg (r: usize, a: usize, m: u32): void {
  const k = 2 * (m + 1)
  store<u32>(r, k * P0 - load<u32>(a))
  store<u32>(r + 4, k * P1 - load<u32>(a + 4))
  for (let i: usize = 8; i < 36; i += 4) store<u32>(r + i, k * PM - load<u32>(a + i))
  store<u32>(r + 36, k * P9 - load<u32>(a + 36))
}

/** r = a − b for b of magnitude ≤ mb: magnitude m(a) + mb + 1. */
export function fe_sub (r: usize, a: usize, b: usize, mb: u32): void {
  const k = 2 * (mb + 1)
  store<u32>(r, load<u32>(a) + k * P0 - load<u32>(b))
  store<u32>(r + 4, load<u32>(a + 4) + k * P1 - load<u32>(b + 4))
  for (let i: usize = 8; i < 36; i += 4) store<u32>(r + i, load<u32>(a + i) + k * PM - load<u32>(b + i))
  store<u32>(r + 36, load<u32>(a + 36) + k * P9 - load<u32>(b + 36))
}

/** Magnitude 1 again (limbs below 2^32 in): one carry pass, the fold of 2^256, two short carries. */
export function fe_weak (r: usize): void {
  let t0: u64 = load<u32>(r, 0)
  let t1: u64 = load<u32>(r, 4)
  let t2: u64 = load<u32>(r, 8)
  let t3: u64 = load<u32>(r, 12)
  let t4: u64 = load<u32>(r, 16)
  let t5: u64 = load<u32>(r, 20)
  let t6: u64 = load<u32>(r, 24)
  let t7: u64 = load<u32>(r, 28)
  let t8: u64 = load<u32>(r, 32)
  let t9: u64 = load<u32>(r, 36)
  t1 += t0 >> 26; t0 &= M26
  t2 += t1 >> 26; t1 &= M26
  t3 += t2 >> 26; t2 &= M26
  t4 += t3 >> 26; t3 &= M26
  t5 += t4 >> 26; t4 &= M26
  t6 += t5 >> 26; t5 &= M26
  t7 += t6 >> 26; t6 &= M26
  t8 += t7 >> 26; t7 &= M26
  t9 += t8 >> 26; t8 &= M26
  const x = t9 >> 22; t9 &= M22
  t0 += x * 0x3d1; t1 += x << 6
  t1 += t0 >> 26; t0 &= M26
  t2 += t1 >> 26; t1 &= M26
  store<u32>(r, <u32>t0, 0)
  store<u32>(r, <u32>t1, 4)
  store<u32>(r, <u32>t2, 8)
  store<u32>(r, <u32>t3, 12)
  store<u32>(r, <u32>t4, 16)
  store<u32>(r, <u32>t5, 20)
  store<u32>(r, <u32>t6, 24)
  store<u32>(r, <u32>t7, 28)
  store<u32>(r, <u32>t8, 32)
  store<u32>(r, <u32>t9, 36)
}

/**
 * r = the canonical residue of a (limbs below 2^32), in [0, p). Constant time:
 * fe_weak's carry pass and fold, then one more carry pass, bring a below
 * 2^256 + 2^32·small; then a + (2^256 − p) is computed and chosen by a mask when
 * it reaches 2^256 (i.e. when a ≥ p).
 */
export function fe_normalize (r: usize, a: usize): void {
  fe_copy(r, a)
  fe_weak(r)
  let t0: u64 = load<u32>(r, 0)
  let t1: u64 = load<u32>(r, 4)
  let t2: u64 = load<u32>(r, 8)
  let t3: u64 = load<u32>(r, 12)
  let t4: u64 = load<u32>(r, 16)
  let t5: u64 = load<u32>(r, 20)
  let t6: u64 = load<u32>(r, 24)
  let t7: u64 = load<u32>(r, 28)
  let t8: u64 = load<u32>(r, 32)
  let t9: u64 = load<u32>(r, 36)
  t3 += t2 >> 26; t2 &= M26
  t4 += t3 >> 26; t3 &= M26
  t5 += t4 >> 26; t4 &= M26
  t6 += t5 >> 26; t5 &= M26
  t7 += t6 >> 26; t6 &= M26
  t8 += t7 >> 26; t7 &= M26
  t9 += t8 >> 26; t8 &= M26
  // Now t < 2^256 + 2^22·2^234 at most; w = t + 0x1000003D1 reaches 2^256 iff t ≥ p.
  let w0 = t0 + 0x3d1
  let w1 = t1 + 0x40 + (w0 >> 26); w0 &= M26
  let w2 = t2 + (w1 >> 26); w1 &= M26
  let w3 = t3 + (w2 >> 26); w2 &= M26
  let w4 = t4 + (w3 >> 26); w3 &= M26
  let w5 = t5 + (w4 >> 26); w4 &= M26
  let w6 = t6 + (w5 >> 26); w5 &= M26
  let w7 = t7 + (w6 >> 26); w6 &= M26
  let w8 = t8 + (w7 >> 26); w7 &= M26
  let w9 = t9 + (w8 >> 26); w8 &= M26
  const mask: u64 = 0 - ((w9 >> 22) & 1) // all ones iff t ≥ p
  w9 &= M22
  const keep = ~mask
  store<u32>(r, <u32>((t0 & keep) | (w0 & mask)), 0)
  store<u32>(r, <u32>((t1 & keep) | (w1 & mask)), 4)
  store<u32>(r, <u32>((t2 & keep) | (w2 & mask)), 8)
  store<u32>(r, <u32>((t3 & keep) | (w3 & mask)), 12)
  store<u32>(r, <u32>((t4 & keep) | (w4 & mask)), 16)
  store<u32>(r, <u32>((t5 & keep) | (w5 & mask)), 20)
  store<u32>(r, <u32>((t6 & keep) | (w6 & mask)), 24)
  store<u32>(r, <u32>((t7 & keep) | (w7 & mask)), 28)
  store<u32>(r, <u32>((t8 & keep) | (w8 & mask)), 32)
  store<u32>(r, <u32>((t9 & keep) | (w9 & mask)), 36)
}

const NZ: usize = memory.data(40, 16)

/** a ≡ 0 (mod p)? Variable time in its result only (public values). */
export function fe_is_zero (a: usize): bool {
  fe_normalize(NZ, a)
  let acc: u32 = 0
  for (let i: usize = 0; i < 40; i += 4) acc |= load<u32>(NZ + i)
  return acc == 0
}

/** r = mask ? b : a, limb by limb (mask is 0 or 0xffffffff). */
export function fe_select (r: usize, a: usize, b: usize, mask: u32): void {
  for (let i: usize = 0; i < 40; i += 4) store<u32>(r + i, (load<u32>(a + i) & ~mask) | (load<u32>(b + i) & mask))
}

/** r = the element of the 256-bit little-endian integer at src (8 u32 words, below 2^256). */
export function fe_from_words (r: usize, src: usize): void {
  for (let i: u32 = 0; i < 10; i++) {
    const bit = i * 26
    const w = <usize>(bit >> 5) << 2
    const lo: u64 = load<u32>(src + w)
    const hi: u64 = w < 28 ? <u64>load<u32>(src + w + 4) : 0
    store<u32>(r + (<usize>i << 2), <u32>(((lo | (hi << 32)) >> (bit & 31)) & M26))
  }
}

/** dst (8 u32 words) = the canonical residue of a. */
export function fe_to_words (dst: usize, a: usize): void {
  fe_normalize(NZ, a)
  let acc: u64 = 0
  let bits: u32 = 0
  let w: usize = 0
  for (let i: usize = 0; i < 10; i++) {
    acc |= <u64>load<u32>(NZ + (i << 2)) << bits
    bits += 26
    if (bits >= 32) { store<u32>(dst + (w << 2), <u32>acc); acc >>= 32; bits -= 32; w++ }
  }
  // Limb 9 has 22 bits, so the last pass above (bits 26 + … = 32 + 4) stored word 7.
}

/** r = a^(2^k)·b, the step of an addition chain. */
function sqr_n_mul (r: usize, a: usize, k: i32, b: usize): void {
  fe_sqr(r, a)
  for (let i = 1; i < k; i++) fe_sqr(r, r)
  fe_mul(r, r, b)
}

const X2: usize = memory.data(40, 16)
const X3: usize = memory.data(40, 16)
const X6: usize = memory.data(40, 16)
const X11: usize = memory.data(40, 16)
const X22: usize = memory.data(40, 16)
const X44: usize = memory.data(40, 16)
const X88: usize = memory.data(40, 16)
const XT: usize = memory.data(40, 16)
const XA: usize = memory.data(40, 16)

/**
 * r = a^(p−2) = a⁻¹ (0 for a ≡ 0) by a fixed chain: p − 2 is 223 ones, a zero,
 * 22 ones, then 0000101101. 255 squarings and 15 multiplications whatever a is.
 */
export function fe_inv (r: usize, a: usize): void {
  fe_copy(XA, a)
  fe_sqr(X2, XA); fe_mul(X2, X2, XA) // a^(2^2 − 1)
  fe_sqr(X3, X2); fe_mul(X3, X3, XA) // 2^3 − 1
  sqr_n_mul(X6, X3, 3, X3) // 2^6 − 1
  sqr_n_mul(XT, X6, 3, X3) // 2^9 − 1
  sqr_n_mul(X11, XT, 2, X2) // 2^11 − 1
  sqr_n_mul(X22, X11, 11, X11)
  sqr_n_mul(X44, X22, 22, X22)
  sqr_n_mul(X88, X44, 44, X44)
  sqr_n_mul(XT, X88, 88, X88) // 176 ones
  sqr_n_mul(XT, XT, 44, X44) // 220
  sqr_n_mul(XT, XT, 3, X3) // 223
  sqr_n_mul(XT, XT, 23, X22) // …, 0, 22 ones
  sqr_n_mul(XT, XT, 5, XA) // 00001
  sqr_n_mul(XT, XT, 3, X2) // 011
  sqr_n_mul(r, XT, 2, XA) // 01
}
