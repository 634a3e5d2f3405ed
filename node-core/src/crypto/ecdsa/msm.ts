/**
 * Multi-scalar multiplication for PUBLIC points and scalars only (proof and
 * share verification, δ·R): Straus' interleaving with wNAF digits and one
 * shared doubling chain for all terms. Variable time by design; never pass
 * secrets.
 *
 * - GLV: secp256k1 has the endomorphism φ(x, y) = (β·x, y) = λ·(x, y), so a
 *   full-width scalar k is split into k₁ + k₂·λ with |k₁|, |k₂| < 2^128, and
 *   k·P = k₁·P + k₂·φ(P). The doubling chain is then ~129 steps instead of 256;
 *   scalars already below 2^129 (the 128-bit batch weights) are not split.
 *   φ of a table entry costs one field multiplication.
 * - Field arithmetic (secp256k1/jacobian.ts): Jacobian accumulator (x = X/Z²,
 *   y = Y/Z³) with affine table entries, so every addition is a mixed addition
 *   (8M+3S) and every doubling 2M+5S, about half of noble's complete projective
 *   formulas. Tables are made affine with Montgomery's batch-inversion trick.
 * - The base point's term uses a wider window over a table built once.
 * - When the WebAssembly module is loaded (secp256k1/wasm.ts, docs/secp256k1-wasm.md)
 *   the tables, the walk and the inversions run there in one call per MSM; JS
 *   keeps the scalar bookkeeping (reduction mod n, GLV split). The BigInt code
 *   below is the fallback and gives the same points.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { Secp256k1, mod, type SecpPoint } from '../group.js'
import { invertPublic } from '../inverse.js'
import { type Jacobian, INFINITY, jAddAffine, jDouble, p, red, toAffineBatch as toAffine } from '../secp256k1/jacobian.js'
import { type WasmMsmResult, type WasmTerm, secp256k1WasmActive, wasmMsm, wasmSumColumns } from '../secp256k1/wasm.js'

const WINDOW = 5 // per-call tables: odd multiples 1P, 3P, …, 15P
const WINDOW_G = 8 // the base point's table (built once): 1G, 3G, …, 127G
const n = Secp256k1.order

// GLV constants of secp256k1 (as in @noble/curves' secp256k1 endo option):
// β is a cube root of unity mod p, and the lattice basis gives k = k₁ + k₂·λ (mod n).
const BETA = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een
const A1 = 0x3086d221a7d46bcde86c90e49284eb15n
const B1 = -0xe4437ed6010e88286f547fa90abfe4c3n
const A2 = 0x114ca50f7a8e2f3f657c1108d9d44cfd8n
const B2 = A1
const HALF = 1n << 128n
const G_AFFINE = { x: Secp256k1.BASE.X, y: Secp256k1.BASE.Y } // BASE has Z = 1
const SPLIT_BELOW = 1n << 129n

/** k (0 ≤ k < n) = k₁ + k₂·λ mod n with signed halves below 2^128 (GLV, rounding as noble does). */
export function splitScalar (k: bigint): { k1: bigint, k2: bigint } {
  const c1 = divNearest(B2 * k, n)
  const c2 = divNearest(-B1 * k, n)
  const k1 = k - c1 * A1 - c2 * A2
  const k2 = -c1 * B1 - c2 * B2
  if (k1 >= HALF || -k1 >= HALF || k2 >= HALF || -k2 >= HALF) throw new Error('GLV split failed') // impossible for a reduced basis
  return { k1, k2 }
}

function divNearest (num: bigint, den: bigint): bigint {
  return (num + (num >= 0n ? den : -den) / 2n) / den
}

/** Width-w NAF digits of k ≥ 0, least significant first; length = index of the top digit + 1. */
function wnaf (k: bigint, w: number): Int16Array {
  const out = new Int16Array(k.toString(2).length + 1)
  const full = 1 << w
  const mask = BigInt(full - 1)
  const half = 1 << (w - 1)
  let i = 0
  let x = k
  let last = 0
  while (x > 0n) {
    if ((x & 1n) === 1n) {
      let d = Number(x & mask)
      if (d >= half) d -= full
      out[i] = d
      last = i
      x -= BigInt(d)
    }
    x >>= 1n
    i++
  }
  return out.subarray(0, last + 1)
}

function toAffinePublic (js: readonly Jacobian[]): Array<{ x: bigint, y: bigint }> { return toAffine(js, invertPublic) }

/** Affine coordinates of noble points (none the identity), one inversion for those not yet affine. */
function affineOf (points: readonly SecpPoint[]): Array<{ x: bigint, y: bigint }> {
  const out = new Array<{ x: bigint, y: bigint }>(points.length)
  const pending: number[] = []
  points.forEach((P, i) => {
    if (P.Z === 1n) out[i] = { x: P.X, y: P.Y }
    else pending.push(i)
  })
  if (pending.length > 0) {
    // Homogeneous (X, Y, Z) is the Jacobian point (X·Z, Y·Z², Z).
    const js = pending.map((i) => { const P = points[i]; const z2 = P.Z * P.Z % p; return { X: P.X * P.Z % p, Y: P.Y * z2 % p, Z: P.Z } })
    toAffinePublic(js).forEach((a, k) => { out[pending[k]] = a })
  }
  return out
}

/** An affine table of odd multiples 1Q, 3Q, …, (2^(w−1)−1)Q, as coordinate arrays. */
interface Table { x: bigint[], y: bigint[] }

/**
 * Odd-multiple tables for affine points (none the identity), window `w`.
 * Two batched inversions in all: the doubles, then the multiples.
 * No exceptional case can occur: i·Q = ±2Q would need Q of tiny order.
 */
function oddMultiples (base: ReadonlyArray<{ x: bigint, y: bigint }>, w: number): Table[] {
  const size = 1 << (w - 2)
  const twice = toAffinePublic(base.map((b) => jDouble({ X: b.x, Y: b.y, Z: 1n })))
  const multiples: Jacobian[] = []
  base.forEach((b, j) => {
    let acc: Jacobian = { X: b.x, Y: b.y, Z: 1n }
    for (let i = 1; i < size; i++) { acc = jAddAffine(acc, twice[j].x, twice[j].y); multiples.push(acc) }
  })
  const affine = toAffinePublic(multiples)
  return base.map((b, j) => {
    const x = [b.x]
    const y = [b.y]
    for (let i = 1; i < size; i++) { const a = affine[j * (size - 1) + i - 1]; x.push(a.x); y.push(a.y) }
    return { x, y }
  })
}

/** φ(table): the same multiples of φ(Q) = (β·x, y). */
function endoTable (t: Table): Table {
  return { x: t.x.map((x) => red(x * BETA)), y: t.y }
}

let baseTables: [Table, Table] | undefined
function baseTable (): [Table, Table] {
  if (baseTables === undefined) {
    const G = Secp256k1.BASE
    const t = oddMultiples([{ x: G.X, y: G.Y }], WINDOW_G)[0]
    baseTables = [t, endoTable(t)]
  }
  return baseTables
}

/** One wNAF walk: digits (signed by `negate`) over a table. */
interface Term { digits: Int16Array, negate: boolean, table: Table }

/** Pushes the walk(s) of k·Q: one if k is short, else the two GLV halves over Q and φ(Q). */
function pushTerms (terms: Term[], k: bigint, table: Table, endo: () => Table, w: number): void {
  if (k < SPLIT_BELOW) { terms.push({ digits: wnaf(k, w), negate: false, table }); return }
  const { k1, k2 } = splitScalar(k)
  if (k1 !== 0n) terms.push({ digits: wnaf(k1 < 0n ? -k1 : k1, w), negate: k1 < 0n, table })
  if (k2 !== 0n) terms.push({ digits: wnaf(k2 < 0n ? -k2 : k2, w), negate: k2 < 0n, table: endo() })
}

/** The non-identity points with a non-zero scalar mod n, and those scalars. */
function usedTerms (points: readonly SecpPoint[], scalars: readonly bigint[]): { used: SecpPoint[], ks: bigint[] } {
  if (points.length !== scalars.length) throw new RangeError('msm: points and scalars differ in length')
  const used: SecpPoint[] = []
  const ks: bigint[] = []
  for (let i = 0; i < points.length; i++) {
    const k = mod(scalars[i], n)
    if (k === 0n || points[i].Z === 0n) continue // Z = 0 is noble's identity
    used.push(points[i])
    ks.push(k)
  }
  return { used, ks }
}

/** Pushes the WASM walk(s) of k·(source): one if k is short, else the two GLV halves. */
function pushWasmTerms (terms: WasmTerm[], k: bigint, src: number): void {
  if (k < SPLIT_BELOW) { terms.push({ src, negate: false, endo: false, k }); return }
  const { k1, k2 } = splitScalar(k)
  if (k1 !== 0n) terms.push({ src, negate: k1 < 0n, endo: false, k: k1 < 0n ? -k1 : k1 })
  if (k2 !== 0n) terms.push({ src, negate: k2 < 0n, endo: true, k: k2 < 0n ? -k2 : k2 })
}

/** The same sum on the WebAssembly module, or undefined when it is not loaded. */
function strausWasm (points: readonly SecpPoint[], scalars: readonly bigint[], baseScalar: bigint, mode: 'identity' | 'homogeneous' | 'affine'): WasmMsmResult | undefined {
  if (!secp256k1WasmActive()) return undefined
  const { used, ks } = usedTerms(points, scalars)
  const terms: WasmTerm[] = []
  ks.forEach((k, i) => pushWasmTerms(terms, k, i))
  const b = mod(baseScalar, n)
  if (b !== 0n) pushWasmTerms(terms, b, -1)
  return wasmMsm(used, terms, mode, G_AFFINE)
}

/** The Jacobian sum Σ scalars[i]·points[i] + baseScalar·G. */
function straus (points: readonly SecpPoint[], scalars: readonly bigint[], baseScalar: bigint): Jacobian {
  const { used, ks } = usedTerms(points, scalars)
  const terms: Term[] = []
  const tables = oddMultiples(affineOf(used), WINDOW)
  used.forEach((_, i) => {
    let endo: Table | undefined
    pushTerms(terms, ks[i], tables[i], () => (endo ??= endoTable(tables[i])), WINDOW)
  })
  const b = mod(baseScalar, n)
  if (b !== 0n) {
    const [g, phiG] = baseTable()
    pushTerms(terms, b, g, () => phiG, WINDOW_G)
  }
  let top = 0
  for (const t of terms) top = Math.max(top, t.digits.length)
  let acc: Jacobian = INFINITY
  for (let bit = top - 1; bit >= 0; bit--) {
    acc = jDouble(acc)
    for (let j = 0; j < terms.length; j++) {
      const t = terms[j]
      if (bit >= t.digits.length) continue
      let d = t.digits[bit]
      if (d === 0) continue
      if (t.negate) d = -d
      if (d > 0) acc = jAddAffine(acc, t.table.x[(d - 1) >> 1], t.table.y[(d - 1) >> 1])
      else acc = jAddAffine(acc, t.table.x[(-d - 1) >> 1], p - t.table.y[(-d - 1) >> 1])
    }
  }
  return acc
}

/** Σ scalars[i]·points[i] + baseScalar·G, as a noble point. Public inputs only. */
export function msmPublicStraus (points: readonly SecpPoint[], scalars: readonly bigint[], baseScalar = 0n): SecpPoint {
  const w = strausWasm(points, scalars, baseScalar, 'homogeneous')
  if (w !== undefined) return w.identity ? Secp256k1.ZERO : new secp256k1.Point(w.X, w.Y, w.Z)
  const acc = straus(points, scalars, baseScalar)
  // Jacobian (X, Y, Z) is the homogeneous point (X·Z, Y, Z³).
  return acc.Z === 0n ? Secp256k1.ZERO : new secp256k1.Point(acc.X * acc.Z % p, acc.Y, acc.Z * acc.Z % p * acc.Z % p)
}

/**
 * True iff Σ scalars[i]·points[i] + baseScalar·G is the identity: the form of
 * every batched verification equation. Saves the conversion to a noble point.
 */
export function msmIsIdentity (points: readonly SecpPoint[], scalars: readonly bigint[], baseScalar = 0n): boolean {
  const w = strausWasm(points, scalars, baseScalar, 'identity')
  if (w !== undefined) return w.identity
  return straus(points, scalars, baseScalar).Z === 0n
}

/** k·P for a public k and P, as affine coordinates (null for the identity). */
export function mulPublicAffine (P: SecpPoint, k: bigint): { x: bigint, y: bigint } | null {
  const w = strausWasm([P], [k], 0n, 'affine')
  if (w !== undefined) return w.identity ? null : { x: w.X, y: w.Y }
  const acc = straus([P], [k], 0n)
  return acc.Z === 0n ? null : toAffinePublic([acc])[0]
}

/**
 * Σ_r rows[r][i] for every column i (rows of equal length; missing entries count as
 * the identity), for PUBLIC points: mixed additions over affine inputs and one
 * batched inversion for the results, which come back affine (Z = 1). Sums of
 * Feldman commitments over all dealers.
 */
export function sumColumnsPublic (rows: ReadonlyArray<readonly SecpPoint[]>): SecpPoint[] {
  const width = rows.reduce((w, row) => Math.max(w, row.length), 0)
  const inputs: SecpPoint[] = [] // every non-identity entry…
  const column: number[] = [] // …and its column
  for (const row of rows) {
    row.forEach((P, i) => { if (P.Z !== 0n) { inputs.push(P); column.push(i) } })
  }
  const w = wasmSumColumns(inputs, column, width)
  if (w !== undefined) return w.map((a) => (a === null ? Secp256k1.ZERO : Secp256k1.Point.fromAffine(a)))
  const sums: Jacobian[] = Array.from({ length: width }, () => INFINITY)
  affineOf(inputs).forEach((a, k) => { sums[column[k]] = jAddAffine(sums[column[k]], a.x, a.y) })
  const finite = sums.map((J, i) => [J, i] as const).filter(([J]) => J.Z !== 0n)
  const out: SecpPoint[] = Array.from({ length: width }, () => Secp256k1.ZERO)
  toAffinePublic(finite.map(([J]) => J)).forEach((a, k) => { out[finite[k][1]] = Secp256k1.Point.fromAffine(a) })
  return out
}
