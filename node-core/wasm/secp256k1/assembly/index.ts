/**
 * The module's exports: whole multi-scalar multiplications, column sums and
 * batches of comb multiplications, each one call with its inputs and outputs in
 * linear memory. Spec: docs/secp256k1-wasm.md §4; the JS side is
 * node-core/src/crypto/secp256k1/wasm.ts.
 *
 * Memory: persistent tables (the base point's wNAF tables, the comb table) are
 * bump-allocated from __heap_base; everything past `top` is the per-call arena.
 * JS asks for an arena of its input size with `arena`, writes the inputs there,
 * and calls; the call lays its working memory out after the inputs (growing
 * memory as needed) and returns a pointer to its output.
 * Integers cross the boundary as 8 little-endian u32 words (256 bits).
 */
import {
  fe_copy, fe_from_words, fe_is_zero, fe_inv, fe_mul, fe_neg, fe_select, fe_set_int, fe_sqr, fe_to_words
} from './field'
import {
  AFF, FE, JAC, fe_inv_many, jac_add_affine_checked, jac_add_affine_unchecked, jac_double,
  jac_from_affine, jac_to_affine_many
} from './point'

const WORDS: usize = 32 // bytes of a 256-bit integer
const G_SRC: u32 = 0xffffffff // term source meaning "the base point"
const W_P: i32 = 5 // window of per-call tables: 8 odd multiples
const W_G: i32 = 8 // window of the base point's tables: 64 odd multiples
const DIGITS: usize = 136 // wNAF digits per term (scalars below 2^129)

// β (cube root of unity mod p) in limbs: φ(x, y) = (β·x, y) = λ·(x, y).
const BETA: usize = memory.data<u32>([0x19501ee, 0x25b0a1c, 0x995c13, 0x1d44bd6, 0x19cf049, 0x30d0d3a, 0x24479ea, 0x1c41b9, 0x22b657c, 0x1eba5a])
// The group order n in words.
const N_WORDS: usize = memory.data<u32>([0xd0364141, 0xbfd25e8c, 0xaf48a03b, 0xbaaedce6, 0xfffffffe, 0xffffffff, 0xffffffff, 0xffffffff])

let top: usize = (__heap_base + 15) & ~<usize>15

function ensure (end: usize): void {
  const need = <i32>((end + 0xffff) >>> 16)
  const have = memory.size()
  if (need > have && memory.grow(need - have) < 0) unreachable()
}

function align (x: usize): usize { return (x + 15) & ~<usize>15 }

function palloc (size: usize): usize {
  const at = top
  top = align(top + size)
  ensure(top)
  return at
}

/** The start of the per-call arena, with room for `bytes` of inputs. */
export function arena (bytes: usize): usize {
  ensure(top + bytes)
  return top
}

// ---------------------------------------------------------------------------
// Affine inputs and odd-multiple tables (public values).

/**
 * aff[i] = the affine point of the homogeneous (X, Y, Z) at src + 96·i (words;
 * none the identity), with one inversion for those with Z ≠ 1. Uses scratch.
 */
function affine_of (src: usize, count: i32, aff: usize, scratch: usize): void {
  const idx = scratch // u32 indices of points with Z ≠ 1
  const zs = align(scratch + <usize>count * 4)
  const prefix = zs + <usize>count * FE
  let k = 0
  for (let i = 0; i < count; i++) {
    const s = src + <usize>i * 96
    const a = aff + <usize>i * AFF
    fe_from_words(a, s)
    fe_from_words(a + 40, s + 32)
    let one = load<u32>(s + 64) == 1
    for (let w: usize = 4; w < 32; w += 4) one = one && load<u32>(s + 64 + w) == 0
    if (!one) {
      store<u32>(idx + (<usize>k << 2), i)
      fe_from_words(zs + <usize>k * FE, s + 64)
      k++
    }
  }
  fe_inv_many(zs, FE, k, prefix)
  for (let j = 0; j < k; j++) {
    const a = aff + <usize>load<u32>(idx + (<usize>j << 2)) * AFF
    const zi = zs + <usize>j * FE
    fe_mul(a, a, zi)
    fe_mul(a + 40, a + 40, zi)
  }
}

/**
 * tab[i] = the odd multiples 1P, 3P, …, (2^(w−1) − 1)P of aff[i], affine, two
 * batched inversions in all (as ecdsa/msm.ts's oddMultiples). No exceptional
 * case: iP = ±2P needs P of tiny order.
 */
function odd_multiples (aff: usize, count: i32, w: i32, tab: usize, scratch: usize): void {
  const size = 1 << (w - 2)
  const per = <usize>size * AFF
  const twiceJ = scratch
  const twiceA = twiceJ + <usize>count * JAC
  const multJ = twiceA + <usize>count * AFF
  const multN = count * (size - 1)
  const multA = multJ + <usize>multN * JAC
  const tmp = multA + <usize>multN * AFF
  ensure(tmp + <usize>(multN + count) * 2 * FE)
  for (let i = 0; i < count; i++) {
    const J = twiceJ + <usize>i * JAC
    jac_from_affine(J, aff + <usize>i * AFF)
    jac_double(J, J)
  }
  jac_to_affine_many(twiceJ, count, twiceA, tmp)
  for (let i = 0; i < count; i++) {
    const a = aff + <usize>i * AFF
    const t = twiceA + <usize>i * AFF
    let prev = twiceJ + <usize>i * JAC // reused as the running sum
    jac_from_affine(prev, a)
    for (let j = 1; j < size; j++) {
      const J = multJ + <usize>(i * (size - 1) + j - 1) * JAC
      jac_add_affine_unchecked(J, prev, t, t + 40)
      prev = J
    }
  }
  jac_to_affine_many(multJ, multN, multA, tmp)
  for (let i = 0; i < count; i++) {
    const row = tab + <usize>i * per
    memory.copy(row, aff + <usize>i * AFF, AFF)
    memory.copy(row + AFF, multA + <usize>(i * (size - 1)) * AFF, <usize>(size - 1) * AFF)
  }
}

/** dst = φ(src) for a table of `size` entries: x·β, same y. */
function endo_table (dst: usize, src: usize, size: i32): void {
  for (let j = 0; j < size; j++) {
    const s = src + <usize>j * AFF
    const d = dst + <usize>j * AFF
    fe_mul(d, s, BETA)
    fe_copy(d + 40, s + 40)
  }
}

let gTab: usize = 0
const INIT_PTS: usize = memory.data(2 * 80, 16) // the init functions' input points
let gPhi: usize = 0

/** Builds the base point's window-8 tables (G and φ(G)); G's x, y words at the arena. Idempotent. */
export function g_init (): void {
  if (gTab != 0) return
  const size = 1 << (W_G - 2)
  const aff = INIT_PTS
  fe_from_words(aff, top) // read before palloc moves the arena
  fe_from_words(aff + 40, top + WORDS)
  const tabs = palloc(<usize>size * AFF * 2)
  odd_multiples(aff, 1, W_G, tabs, top)
  endo_table(tabs + <usize>size * AFF, tabs, size)
  gTab = tabs
  gPhi = tabs + <usize>size * AFF
}

// ---------------------------------------------------------------------------
// Straus / wNAF (public, variable time).

@inline function bits_at (s: usize, bit: i32, count: i32): i32 {
  if (bit >= 256) return 0
  const w = <usize>(bit >> 5) << 2
  const lo: u64 = load<u32>(s + w)
  const hi: u64 = w < 28 ? <u64>load<u32>(s + w + 4) : 0
  return <i32>(((lo | (hi << 32)) >> <u64>(bit & 31)) & ((<u64>1 << <u64>count) - 1))
}

/** Width-w NAF of the integer at s (words, below 2^129) into DIGITS i8; returns top index + 1. */
function wnaf (out: usize, s: usize, w: i32): i32 {
  memory.fill(out, 0, DIGITS)
  let carry = 0
  let bit = 0
  let len = 0
  const n = <i32>DIGITS
  while (bit < n) {
    if (bits_at(s, bit, 1) == carry) { bit++; continue }
    let now = w
    if (now > n - bit) now = n - bit
    let word = bits_at(s, bit, now) + carry
    carry = (word >> (w - 1)) & 1
    word -= carry << w
    store<i8>(out + <usize>bit, <i8>word)
    len = bit + 1
    bit += now
  }
  return len
}

const ACC: usize = memory.data(120, 16)
const NEGY: usize = memory.data(40, 16)

/**
 * Σ ± (digit multiples) over the terms at `terms` (40 bytes each: u32 source
 * point index or G_SRC, u32 flags (1 negate, 2 use φ), 8 words of scalar magnitude
 * below 2^129) and the points at `pts` (96 bytes each: X, Y, Z homogeneous words,
 * none the identity). mode 0: only the identity flag; 1: the homogeneous point
 * (X·Z, Y, Z³) of the Jacobian result; 2: affine (x, y, 1). Output: u32 flag
 * (1 = identity), 12 bytes of padding, then X, Y, Z words.
 */
export function msm (nP: i32, nT: i32, mode: i32): usize {
  const pts = top
  const terms = pts + <usize>nP * 96
  const aff = align(terms + <usize>nT * 40)
  const tabs = aff + <usize>nP * AFF
  const per = <usize>(1 << (W_P - 2)) * AFF
  const phis = tabs + <usize>nP * per
  const needPhi = phis + <usize>nP * per
  const digits = align(needPhi + <usize>nP)
  const lens = digits + <usize>nT * DIGITS
  const tabOf = lens + <usize>nT * 4
  const out = align(tabOf + <usize>nT * 4)
  const scratch = out + 128
  ensure(scratch + <usize>nP * 16 * JAC + 4096)

  affine_of(pts, nP, aff, scratch)
  odd_multiples(aff, nP, W_P, tabs, scratch)
  memory.fill(needPhi, 0, <usize>nP)
  let top_ = 0
  for (let t = 0; t < nT; t++) {
    const tp = terms + <usize>t * 40
    const src = load<u32>(tp)
    const flags = load<u32>(tp, 4)
    const endo = (flags & 2) != 0
    let table: usize
    if (src == G_SRC) table = endo ? gPhi : gTab
    else {
      table = (endo ? phis : tabs) + <usize>src * per
      if (endo) store<u8>(needPhi + <usize>src, 1)
    }
    store<u32>(tabOf + (<usize>t << 2), <u32>table)
    const len = wnaf(digits + <usize>t * DIGITS, tp + 8, src == G_SRC ? W_G : W_P)
    store<i32>(lens + (<usize>t << 2), len)
    if (len > top_) top_ = len
  }
  for (let i = 0; i < nP; i++) {
    if (load<u8>(needPhi + <usize>i) != 0) endo_table(phis + <usize>i * per, tabs + <usize>i * per, 1 << (W_P - 2))
  }

  let inf = true
  for (let bit = top_ - 1; bit >= 0; bit--) {
    if (!inf) jac_double(ACC, ACC)
    for (let t = 0; t < nT; t++) {
      if (bit >= load<i32>(lens + (<usize>t << 2))) continue
      let d = <i32>load<i8>(digits + <usize>t * DIGITS + <usize>bit)
      if (d == 0) continue
      if ((load<u32>(terms + <usize>t * 40, 4) & 1) != 0) d = -d
      const e = <usize>load<u32>(tabOf + (<usize>t << 2)) + <usize>(((d < 0 ? -d : d) - 1) >> 1) * AFF
      let y: usize = e + 40
      if (d < 0) { fe_neg(NEGY, y, 1); y = NEGY }
      if (inf) {
        fe_copy(ACC, e)
        fe_copy(ACC + 40, y)
        fe_set_int(ACC + 80, 1)
        inf = false
      } else if (jac_add_affine_checked(ACC, ACC, e, y)) {
        inf = true
      }
    }
  }

  store<u32>(out, inf ? 1 : 0)
  if (inf || mode == 0) return out
  const T = scratch
  if (mode == 1) {
    fe_mul(T, ACC, ACC + 80)
    fe_to_words(out + 16, T) // X·Z
    fe_to_words(out + 16 + WORDS, ACC + 40) // Y
    fe_sqr(T, ACC + 80)
    fe_mul(T, T, ACC + 80)
    fe_to_words(out + 16 + 2 * WORDS, T) // Z³
  } else {
    jac_to_affine_many(ACC, 1, T, T + AFF)
    fe_to_words(out + 16, T)
    fe_to_words(out + 16 + WORDS, T + 40)
    fe_set_int(T, 1)
    fe_to_words(out + 16 + 2 * WORDS, T)
  }
  return out
}

/**
 * Column sums of public points: the points at the arena (96 bytes each, as in
 * msm) and then their u32 column indices; `width` columns. Output, 72 bytes per
 * column: u32 flag (1 = identity), 4 bytes padding, x and y words (affine).
 */
export function sum_columns (nP: i32, width: i32): usize {
  const pts = top
  const cols = pts + <usize>nP * 96
  const aff = align(cols + <usize>nP * 4)
  const sums = aff + <usize>nP * AFF
  const inf = sums + <usize>width * JAC
  const finite = align(inf + <usize>width * 4)
  const finA = finite + <usize>width * JAC
  const out = finA + <usize>width * AFF
  const scratch = align(out + <usize>width * 72)
  ensure(scratch + <usize>(nP + width) * 3 * FE + 4096)
  affine_of(pts, nP, aff, scratch)
  for (let c = 0; c < width; c++) store<u32>(inf + (<usize>c << 2), 1)
  for (let i = 0; i < nP; i++) {
    const c = <usize>load<u32>(cols + (<usize>i << 2))
    const S = sums + c * JAC
    const a = aff + <usize>i * AFF
    if (load<u32>(inf + (c << 2)) != 0) { jac_from_affine(S, a); store<u32>(inf + (c << 2), 0) } else if (jac_add_affine_checked(S, S, a, a + 40)) store<u32>(inf + (c << 2), 1)
  }
  let k = 0
  for (let c = 0; c < width; c++) {
    if (load<u32>(inf + (<usize>c << 2)) == 0) { memory.copy(finite + <usize>k * JAC, sums + <usize>c * JAC, JAC); k++ }
  }
  jac_to_affine_many(finite, k, finA, scratch)
  k = 0
  for (let c = 0; c < width; c++) {
    const o = out + <usize>c * 72
    const isInf = load<u32>(inf + (<usize>c << 2))
    store<u32>(o, isInf)
    if (isInf == 0) {
      fe_to_words(o + 8, finA + <usize>k * AFF)
      fe_to_words(o + 8 + WORDS, finA + <usize>k * AFF + 40)
      k++
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// The fixed-base comb for SECRET scalars (base-mul.ts, docs/ecdsa.md §3.7).

const COMB_WINDOWS: i32 = 32
const COMB_ODD: i32 = 128
let comb: usize = 0 // 32 × 128 affine entries (2j+1)·2^(8i)·G
let q0: usize = 0 // Q₀ (affine) then −Q₀ (affine)
let ctLookup: bool = true

/** Table lookups by a constant-time scan (default) or by index (measurements only). */
export function set_ct_lookup (on: bool): void { ctLookup = on }

/**
 * Builds the comb table: G's x, y words at the arena, then Q₀'s. Idempotent.
 * ~4k mixed additions and three batched inversions (the window bases, then odd_multiples' two).
 */
export function comb_init (): void {
  if (comb != 0) return
  const g = INIT_PTS // G then Q₀, read before palloc moves the arena
  for (let i: usize = 0; i < 4; i++) fe_from_words(g + i * FE, top + i * WORDS)
  const tab = palloc(<usize>(COMB_WINDOWS * COMB_ODD) * AFF + 2 * AFF)
  const bases = top
  const basesA = bases + <usize>COMB_WINDOWS * JAC
  const scratch = basesA + <usize>COMB_WINDOWS * AFF
  ensure(scratch + <usize>COMB_WINDOWS * 2 * FE)
  const q = tab + <usize>(COMB_WINDOWS * COMB_ODD) * AFF
  memory.copy(q, g + AFF, AFF)
  fe_copy(q + AFF, q)
  fe_neg(q + AFF + 40, q + 40, 1)
  jac_from_affine(bases, g)
  for (let i = 1; i < COMB_WINDOWS; i++) {
    const B = bases + <usize>i * JAC
    memory.copy(B, B - JAC, JAC)
    for (let d = 0; d < 8; d++) jac_double(B, B)
  }
  jac_to_affine_many(bases, COMB_WINDOWS, basesA, scratch)
  // Window i: the odd multiples 1·B_i … 255·B_i of B_i = 2^(8i)·G (window width 9 = 128 entries).
  odd_multiples(basesA, COMB_WINDOWS, 9, tab, scratch)
  q0 = q
  comb = tab
}

const ENTRY: usize = memory.data(80, 16)
const SCAL: usize = memory.data(32, 16)

/** ENTRY = comb[window][idx], reading all 128 entries of the window (masks, no secret index). */
function lookup_ct (window: i32, idx: i32): void {
  const row = comb + <usize>(window * COMB_ODD) * AFF
  let a0 = i32x4.splat(0)
  let a1 = a0
  let a2 = a0
  let a3 = a0
  let a4 = a0
  for (let j = 0; j < COMB_ODD; j++) {
    const m = i32x4.splat(-(<i32>(j == idx)))
    const e = row + <usize>j * AFF
    a0 = v128.or(a0, v128.and(v128.load(e, 0), m))
    a1 = v128.or(a1, v128.and(v128.load(e, 16), m))
    a2 = v128.or(a2, v128.and(v128.load(e, 32), m))
    a3 = v128.or(a3, v128.and(v128.load(e, 48), m))
    a4 = v128.or(a4, v128.and(v128.load(e, 64), m))
  }
  v128.store(ENTRY, a0, 0)
  v128.store(ENTRY, a1, 16)
  v128.store(ENTRY, a2, 32)
  v128.store(ENTRY, a3, 48)
  v128.store(ENTRY, a4, 64)
}

/**
 * k·G for `count` secret scalars at the arena (words, each in [1, n)), affine,
 * with one Fermat inversion for all. Output: x, y words per point (64 bytes).
 * No branch and no memory address depends on a scalar (with the default
 * constant-time lookup): the even/odd choice, the digits' signs and Y's final
 * negation are masks; Q₀ makes the formulas' exceptional cases unreachable.
 */
export function comb_many (count: i32): usize {
  const ks = top
  const jac = align(ks + <usize>count * WORDS)
  const aff = jac + <usize>count * JAC
  const out = aff + <usize>count * AFF
  const scratch = out + <usize>count * 2 * WORDS
  ensure(scratch + <usize>count * 2 * FE + 4096)
  const NY = NEGY
  for (let c = 0; c < count; c++) {
    const k = ks + <usize>c * WORDS
    // k' = k if k is odd, else n − k (odd): a masked select.
    const even: u32 = (load<u32>(k) & 1) - 1 // all ones iff k is even
    let borrow: u64 = 0
    for (let w: usize = 0; w < WORDS; w += 4) {
      const diff: u64 = <u64>load<u32>(N_WORDS + w) - <u64>load<u32>(k + w) - borrow
      borrow = (diff >> 63) & 1
      store<u32>(SCAL + w, (load<u32>(k + w) & ~even) | (<u32>diff & even))
    }
    const J = jac + <usize>c * JAC
    jac_from_affine(J, q0)
    for (let i = 0; i < COMB_WINDOWS; i++) {
      // Regular recoding: digit i = ((k' >> 8i) mod 512 | 1) − 256, the last (k' >> 248) | 1.
      const bit = i * 8
      const w = <usize>(bit >> 5) << 2
      const lo: u64 = load<u32>(SCAL + w)
      const hi: u64 = w < 28 ? <u64>load<u32>(SCAL + w + 4) : 0
      const v = <i32>(((lo | (hi << 32)) >> <u64>(bit & 31)) & (i < COMB_WINDOWS - 1 ? 0x1ff : 0xff)) | 1
      const d = i < COMB_WINDOWS - 1 ? v - 256 : v
      const sign = d >> 31 // 0 or −1
      const idx = (((d ^ sign) - sign) - 1) >> 1
      if (ctLookup) lookup_ct(i, idx)
      else memory.copy(ENTRY, comb + <usize>(i * COMB_ODD + idx) * AFF, AFF)
      fe_neg(NY, ENTRY + 40, 1)
      fe_select(NY, ENTRY + 40, NY, <u32>sign)
      jac_add_affine_unchecked(J, J, ENTRY, NY)
    }
    jac_add_affine_unchecked(J, J, q0 + AFF, q0 + AFF + 40) // − Q₀
    fe_neg(NY, J + 40, 1)
    fe_select(J + 40, J + 40, NY, even)
  }
  jac_to_affine_many(jac, count, aff, scratch)
  for (let c = 0; c < count; c++) {
    fe_to_words(out + <usize>c * 2 * WORDS, aff + <usize>c * AFF)
    fe_to_words(out + <usize>c * 2 * WORDS + WORDS, aff + <usize>c * AFF + 40)
  }
  return out
}
