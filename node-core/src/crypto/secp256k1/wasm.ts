/**
 * The WebAssembly secp256k1 module (node-core/wasm/secp256k1, bytes in
 * wasm-bytes.ts): loader, fallback switch and typed wrappers for the three
 * coarse calls that ecdsa/msm.ts and base-mul.ts make. Spec: docs/secp256k1-wasm.md.
 *
 * Loading: the first use decodes the embedded bytes and tries a synchronous
 * compile + instantiate (fine in Node and in workers). A browser's main thread
 * may refuse synchronous compilation of a module this size; then an async
 * `WebAssembly.instantiate` starts and callers keep the BigInt code until it
 * resolves. `secp256k1WasmReady()` starts loading and resolves to whether the
 * module is usable; `setSecp256k1WasmEnabled(false)` forces the BigInt fallback
 * (tests run both paths). Every wrapper returns `undefined` when the module is
 * not (yet) usable, and the caller falls back.
 *
 * Integers cross the boundary as 32 little-endian bytes; inputs are written
 * into the module's per-call arena, outputs read back from the pointer a call
 * returns (views are re-made after each call because memory may grow).
 */
import { SECP256K1_WASM_BASE64 } from './wasm-bytes.js'

interface Secp256k1Exports {
  memory: WebAssembly.Memory
  arena: (bytes: number) => number
  g_init: () => void
  msm: (nP: number, nT: number, mode: number) => number
  sum_columns: (nP: number, width: number) => number
  set_ct_lookup: (on: number) => void
  comb_init: () => void
  comb_many: (count: number) => number
}

/** Coordinates of a point in noble's homogeneous form (x = X/Z, y = Y/Z), Z ≠ 0. */
export interface Homogeneous { readonly X: bigint, readonly Y: bigint, readonly Z: bigint }
export interface Affine { x: bigint, y: bigint }

let instance: Secp256k1Exports | undefined
let loading: Promise<boolean> | undefined
let enabled = true
let gReady = false
let combReady = false

function moduleBytes (): Uint8Array<ArrayBuffer> {
  const bin = atob(SECP256K1_WASM_BASE64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function adopt (inst: WebAssembly.Instance): void {
  instance = inst.exports as unknown as Secp256k1Exports
}

/** Starts loading once: synchronously if the platform allows it, else asynchronously. */
function load (): Promise<boolean> {
  if (loading !== undefined) return loading
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = moduleBytes()
    adopt(new WebAssembly.Instance(new WebAssembly.Module(bytes), {}))
    loading = Promise.resolve(true)
  } catch {
    // E.g. Chrome's main thread refusing a synchronous compile above its size limit.
    loading = (async () => {
      try {
        const { instance: inst } = await WebAssembly.instantiate(moduleBytes(), {})
        adopt(inst)
        return true
      } catch {
        return false // no WebAssembly (or no SIMD): the BigInt code stays in use
      }
    })()
  }
  return loading
}

function wasm (): Secp256k1Exports | undefined {
  if (!enabled) return undefined
  if (loading === undefined) void load()
  return instance
}

/** Starts loading the module if needed; resolves to whether calls now use it. */
export async function secp256k1WasmReady (): Promise<boolean> {
  const ok = await load()
  return ok && enabled
}

/**
 * Turns the WebAssembly path on or off (off: every caller uses the BigInt code).
 * For tests and measurements; the default is on.
 */
export function setSecp256k1WasmEnabled (on: boolean): void {
  enabled = on
}

/** True iff calls made now would use the module (loaded and enabled). */
export function secp256k1WasmActive (): boolean {
  return wasm() !== undefined
}

/**
 * Table lookups of the secret comb: a constant-time scan of the window (default)
 * or a direct index (measurements only). See docs/secp256k1-wasm.md §4.3.
 */
export function setCombConstantTimeLookup (on: boolean): void {
  const w = wasm()
  if (w !== undefined) w.set_ct_lookup(on ? 1 : 0)
}

// 256-bit integers ↔ 32 little-endian bytes at a byte offset, 64 bits at a time
// (measured ~0.2 µs each way in V8, against ~1 µs through hex strings or 32-bit shifts).
function put (v: DataView, at: number, x: bigint): void {
  for (let j = 0; j < 32; j += 8) { v.setBigUint64(at + j, BigInt.asUintN(64, x), true); x >>= 64n }
}

/** Points as (X, Y, Z) triples of 32-byte integers from `at` on (96 bytes each). */
function putPoints (v: DataView, at: number, points: readonly Homogeneous[]): void {
  points.forEach((P, i) => {
    put(v, at + i * 96, P.X)
    put(v, at + i * 96 + 32, P.Y)
    put(v, at + i * 96 + 64, P.Z)
  })
}

function get (v: DataView, at: number): bigint {
  return (((((v.getBigUint64(at + 24, true) << 64n) | v.getBigUint64(at + 16, true)) << 64n) |
    v.getBigUint64(at + 8, true)) << 64n) | v.getBigUint64(at, true)
}

function view (w: Secp256k1Exports): DataView { return new DataView(w.memory.buffer) }

/** One walk of a Straus MSM: a scalar magnitude below 2^129 over a point's table (or G's), possibly negated, possibly through φ. */
export interface WasmTerm {
  /** Index into the points, or -1 for the base point G. */
  src: number
  negate: boolean
  endo: boolean
  /** 0 < k < 2^129. */
  k: bigint
}

/** What `msm` returns: the identity flag, and (mode 'homogeneous' or 'affine') the coordinates. */
export interface WasmMsmResult { identity: boolean, X: bigint, Y: bigint, Z: bigint }

const MODES = { identity: 0, homogeneous: 1, affine: 2 } as const

/**
 * Σ over the terms, on the module (public inputs only, variable time). `g` is
 * the base point (affine), written once for its tables. 'homogeneous' returns
 * (X·Z, Y, Z³) of the Jacobian result; 'affine' returns (x, y, 1).
 */
export function wasmMsm (
  points: readonly Homogeneous[], terms: readonly WasmTerm[], mode: keyof typeof MODES, g: Affine
): WasmMsmResult | undefined {
  const w = wasm()
  if (w === undefined) return undefined
  if (!gReady && terms.some((t) => t.src < 0)) {
    const a = w.arena(64)
    const v = view(w)
    put(v, a, g.x)
    put(v, a + 32, g.y)
    w.g_init()
    gReady = true
  }
  const base = w.arena(points.length * 96 + terms.length * 40)
  const v = view(w)
  putPoints(v, base, points)
  const t0 = base + points.length * 96
  terms.forEach((t, i) => {
    const at = t0 + i * 40
    v.setUint32(at, t.src < 0 ? 0xffffffff : t.src, true)
    v.setUint32(at + 4, (t.negate ? 1 : 0) | (t.endo ? 2 : 0), true)
    put(v, at + 8, t.k)
  })
  const out = w.msm(points.length, terms.length, MODES[mode])
  const r = view(w)
  const identity = r.getUint32(out, true) !== 0
  if (identity || mode === 'identity') return { identity, X: 0n, Y: 0n, Z: 0n }
  return { identity: false, X: get(r, out + 16), Y: get(r, out + 48), Z: get(r, out + 80) }
}

/**
 * Column sums of public points (none the identity): `column[i]` is the column of
 * `points[i]`. Returns, per column, its affine sum or null for the identity.
 */
export function wasmSumColumns (points: readonly Homogeneous[], column: readonly number[], width: number): Array<Affine | null> | undefined {
  const w = wasm()
  if (w === undefined) return undefined
  const base = w.arena(points.length * 100)
  const v = view(w)
  putPoints(v, base, points)
  const c0 = base + points.length * 96
  column.forEach((c, i) => v.setUint32(c0 + 4 * i, c, true))
  const out = w.sum_columns(points.length, width)
  const r = view(w)
  const sums = new Array<Affine | null>(width)
  for (let c = 0; c < width; c++) {
    const at = out + c * 72
    sums[c] = r.getUint32(at, true) !== 0 ? null : { x: get(r, at + 8), y: get(r, at + 40) }
  }
  return sums
}

/**
 * Builds the module's comb table (docs/ecdsa.md §3.7) now, if the module is
 * usable; returns whether it is. `g` is the base point and `offset` Q₀, affine.
 */
export function wasmCombPrepare (g: Affine, offset: () => Affine): boolean {
  const w = wasm()
  if (w === undefined) return false
  if (!combReady) {
    const q0 = offset()
    const a = w.arena(128)
    const v = view(w)
    put(v, a, g.x)
    put(v, a + 32, g.y)
    put(v, a + 64, q0.x)
    put(v, a + 96, q0.y)
    w.comb_init()
    combReady = true
  }
  return true
}

/**
 * k·G (affine, canonical) for SECRET k in [1, n), all in one call with one
 * Fermat inversion. The caller has checked the range and removed zeros.
 */
export function wasmCombMany (ks: readonly bigint[], g: Affine, offset: () => Affine): Affine[] | undefined {
  if (!wasmCombPrepare(g, offset)) return undefined
  const w = instance as Secp256k1Exports
  const base = w.arena(ks.length * 32)
  const v = view(w)
  ks.forEach((k, i) => put(v, base + i * 32, k))
  const out = w.comb_many(ks.length)
  const r = view(w)
  const res = ks.map((_, i) => ({ x: get(r, out + i * 64), y: get(r, out + i * 64 + 32) }))
  new Uint8Array(w.memory.buffer, base, ks.length * 32).fill(0) // the scalars' words do not stay in the arena
  return res
}
