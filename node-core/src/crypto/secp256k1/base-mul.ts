/**
 * k·G for a SECRET scalar k: Feldman commitments, nonce points, proof
 * commitments. Spec: docs/ecdsa.md §3.7.
 *
 * A fixed-base comb over a table built once: k is recoded into 32 signed odd
 * digits of 8 bits (Joye–Tunstall regular recoding), and window i holds the
 * odd multiples (2j+1)·2^(8i)·G, j < 128. Every multiplication is then exactly
 * 32 mixed additions plus one that removes the start offset, with no doublings
 * and no zero digits: the sequence of operations does not depend on k. Compared with noble's
 * constant-time `multiply` (complete projective formulas, a dummy addition per
 * window) this does about a third of the field work.
 *
 * What makes the uniform sequence safe with incomplete formulas:
 * - Regular recoding needs k odd. For even k the walk uses n − k (odd, since
 *   n is odd) and negates the result; both choices are arithmetic selects.
 * - The accumulator starts at a fixed point Q₀ of unknown discrete logarithm
 *   (hashed to the curve) and Q₀ is subtracted at the end. The accumulator is
 *   then Q₀ + m·G for a known integer m, so it meets the identity or ±(a table
 *   entry) only if someone knows log Q₀: the exceptional branches of the
 *   formulas are unreachable.
 * - Results are made affine with a Fermat inversion (`invertSecret`), batched
 *   over the points of one call, because projective coordinates of k·G can
 *   reveal bits of k.
 * The table lookup indexes memory with a secret digit, as noble's does; BigInt
 * arithmetic in JS is not constant time either (docs/ecdsa.md §8).
 *
 * When the WebAssembly module is loaded (secp256k1/wasm.ts), the same comb (same
 * table, recoding, Q₀ and Fermat inversion) runs there for the whole batch, with
 * 26-bit-limb field arithmetic free of secret-dependent branches and a
 * constant-time scan for the table lookups (docs/secp256k1-wasm.md §4.3). The
 * BigInt code below is the fallback and gives the same points.
 */
import { secp256k1, secp256k1_hasher as secpHasher } from '@noble/curves/secp256k1.js'
import { invertPublic, invertSecret } from '../inverse.js'
import { type Jacobian, jAddAffine, jDouble, p, toAffineBatch } from './jacobian.js'
import { secp256k1WasmReady, wasmCombMany, wasmCombPrepare } from './wasm.js'

type SecpPoint = typeof secp256k1.Point.BASE

const n = secp256k1.Point.Fn.ORDER
const WIDTH = 8
const WINDOWS = 32 // 32 digits of 8 bits cover every k < n < 2^256 (see recode)
const ODD_MULTIPLES = 1 << (WIDTH - 1)

interface CombTable {
  /** x[i][j], y[i][j]: affine (2j+1)·2^(8i)·G. */
  readonly x: bigint[][]
  readonly y: bigint[][]
  /** The start offset Q₀ (affine) of every walk. */
  readonly offset: { x: bigint, y: bigint }
}

let table: CombTable | undefined

/**
 * Builds the table now (~4k point additions and one batched inversion, tens of
 * ms) instead of on the first multiplication. Idempotent.
 */
export function prepareBaseTable (): void {
  if (wasmCombPrepare(G_AFFINE, offsetPoint)) return
  // Not loaded yet (a browser's main thread compiles it asynchronously): build
  // the module's table once it is, or the BigInt table if it never is.
  void secp256k1WasmReady().then((ok) => { if (!ok || !wasmCombPrepare(G_AFFINE, offsetPoint)) baseTable() })
}

const G_AFFINE = { x: secp256k1.Point.BASE.X, y: secp256k1.Point.BASE.Y } // BASE has Z = 1

/** Q₀ = hash_to_curve("lit-pkp/secp256k1/base-mul/offset/v1"), affine. */
function offsetPoint (): { x: bigint, y: bigint } {
  const q0 = secpHasher.hashToCurve(new TextEncoder().encode('lit-pkp/secp256k1/base-mul/offset/v1')).toAffine()
  return { x: q0.x, y: q0.y }
}

function baseTable (): CombTable {
  if (table !== undefined) return table
  const G = secp256k1.Point.BASE
  // Window bases 2^(8i)·G and their doubles, made affine together.
  const bases: Jacobian[] = []
  let b: Jacobian = { X: G.x, Y: G.y, Z: 1n }
  for (let i = 0; i < WINDOWS; i++) {
    bases.push(b)
    for (let d = 0; d < WIDTH; d++) b = jDouble(b)
  }
  const basesAffine = toAffineBatch(bases, invertPublic)
  const doubles = toAffineBatch(bases.map(jDouble), invertPublic)
  const multiples: Jacobian[] = []
  for (let i = 0; i < WINDOWS; i++) {
    let acc: Jacobian = { X: basesAffine[i].x, Y: basesAffine[i].y, Z: 1n }
    multiples.push(acc)
    for (let j = 1; j < ODD_MULTIPLES; j++) {
      acc = jAddAffine(acc, doubles[i].x, doubles[i].y)
      multiples.push(acc)
    }
  }
  const affine = toAffineBatch(multiples, invertPublic)
  const x: bigint[][] = []
  const y: bigint[][] = []
  for (let i = 0; i < WINDOWS; i++) {
    const row = affine.slice(i * ODD_MULTIPLES, (i + 1) * ODD_MULTIPLES)
    x.push(row.map((a) => a.x))
    y.push(row.map((a) => a.y))
  }
  table = { x, y, offset: offsetPoint() }
  return table
}

/**
 * Regular signed recoding of an odd k: 32 odd digits in [−255, 255] with
 * k = Σ d_i·2^(8i). Each step takes d = (k mod 512) − 256, which is odd and
 * leaves (k − d)/256 odd; after 31 steps what is left is odd and below 257,
 * so it is the last digit.
 */
export function recodeOdd (k: bigint): Int16Array {
  const digits = new Int16Array(WINDOWS)
  let rest = k
  for (let i = 0; i < WINDOWS - 1; i++) {
    const d = Number(rest & 0x1ffn) - 256
    digits[i] = d
    rest = (rest - BigInt(d)) >> 8n
  }
  digits[WINDOWS - 1] = Number(rest)
  return digits
}

/** The Jacobian k·G for 0 < k < n; the operation sequence is the same for every k. */
function walk (k: bigint, t: CombTable): Jacobian {
  const even = 1n - (k & 1n)
  const digits = recodeOdd(k + even * (n - 2n * k)) // k if odd, else n − k
  let acc: Jacobian = { X: t.offset.x, Y: t.offset.y, Z: 1n }
  for (let i = 0; i < WINDOWS; i++) {
    const d = digits[i]
    const sign = d >> 31 // 0 or −1
    const index = (((d ^ sign) - sign) - 1) >> 1
    const y = t.y[i][index]
    acc = jAddAffine(acc, t.x[i][index], y + BigInt(-sign) * (p - 2n * y))
  }
  acc = jAddAffine(acc, t.offset.x, p - t.offset.y)
  return { X: acc.X, Y: acc.Y + even * (p - 2n * acc.Y), Z: acc.Z }
}

function assertScalar (k: bigint): void {
  if (typeof k !== 'bigint' || k < 0n || k >= n) throw new RangeError('base-mul: scalar must be in [0, n)')
}

/**
 * [k·G for k of ks], affine, with one (secret) inversion for all. k = 0 gives
 * the identity (the constant term of a zero sharing, which is public).
 */
export function mulBaseSecretMany (ks: readonly bigint[]): SecpPoint[] {
  ks.forEach(assertScalar)
  const nonZero = ks.filter((k) => k !== 0n)
  const affine = (nonZero.length > 0 ? wasmCombMany(nonZero, G_AFFINE, offsetPoint) : undefined) ??
    toAffineBatch(nonZero.map((k) => walk(k, baseTable())), invertSecret)
  let next = 0
  return ks.map((k) => {
    if (k === 0n) return secp256k1.Point.ZERO
    const a = affine[next++]
    return secp256k1.Point.fromAffine(a)
  })
}

/** k·G for a secret k in [0, n), affine. */
export function mulBaseSecret (k: bigint): SecpPoint {
  return mulBaseSecretMany([k])[0]
}
