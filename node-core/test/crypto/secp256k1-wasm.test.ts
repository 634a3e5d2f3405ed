import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest'
import fc from 'fast-check'
import { readFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { mulBaseSecretMany } from '../../src/crypto/secp256k1/base-mul.js'
import { msmIsIdentity, msmPublicStraus, mulPublicAffine, splitScalar, sumColumnsPublic } from '../../src/crypto/ecdsa/msm.js'
import { secp256k1WasmActive, secp256k1WasmReady, setSecp256k1WasmEnabled } from '../../src/crypto/secp256k1/wasm.js'

type Point = typeof secp256k1.Point.BASE
const G = secp256k1.Point.BASE
const ZERO = secp256k1.Point.ZERO
const n = secp256k1.Point.Fn.ORDER
const full = fc.bigInt({ min: 1n, max: n - 1n })
const short = fc.bigInt({ min: 1n, max: (1n << 128n) - 1n })
const mul = (P: Point, k: bigint): Point => { const r = ((k % n) + n) % n; return r === 0n || P.is0() ? ZERO : P.multiply(r) }
const naive = (pts: readonly Point[], ks: readonly bigint[], b = 0n): Point => pts.reduce((acc, P, i) => acc.add(mul(P, ks[i])), mul(G, b))
/** The same point with Z ≠ 1 in noble's homogeneous coordinates. */
const projective = (P: Point): Point => P.add(G).add(G.negate())

const paths = ['wasm', 'bigint'] as const

beforeAll(async () => {
  expect(await secp256k1WasmReady()).toBe(true)
})
afterAll(() => setSecp256k1WasmEnabled(true))

describe.each(paths)('secp256k1 on the %s path, against noble', (path) => {
  beforeAll(() => setSecp256k1WasmEnabled(path === 'wasm'))
  it('uses the path it names', () => expect(secp256k1WasmActive()).toBe(path === 'wasm'))

  it('mulBaseSecretMany: random scalars (property, seeded, batches of up to 8)', () => {
    fc.assert(fc.property(fc.array(full, { minLength: 1, maxLength: 8 }), (ks) => {
      const got = mulBaseSecretMany(ks)
      ks.forEach((k, i) => {
        expect(got[i].equals(G.multiply(k))).toBe(true)
        expect(got[i].Z).toBe(1n)
      })
    }), { seed: 101, numRuns: 50 })
  })

  it('mulBaseSecretMany: edges, zeros and repeats in one batch, refusals', () => {
    const ks = [1n, 0n, 2n, 3n, 255n, 256n, 257n, 1n << 128n, 1n << 255n, n - 1n, n - 2n, (n - 1n) / 2n, (n + 1n) / 2n, 0n, n - 1n, 1n]
    const got = mulBaseSecretMany(ks)
    ks.forEach((k, i) => expect(got[i].equals(mul(G, k)), `k = ${k}`).toBe(true))
    expect(mulBaseSecretMany([0n, 0n]).every((P) => P.equals(ZERO))).toBe(true)
    expect(mulBaseSecretMany([])).toEqual([])
    for (const bad of [n, -1n, 1n << 256n]) expect(() => mulBaseSecretMany([1n, bad])).toThrow(RangeError)
    expect(() => mulBaseSecretMany([1 as unknown as bigint])).toThrow(RangeError)
  })

  it('msmPublicStraus and msmIsIdentity: random mixes of full and 128-bit scalars, projective inputs (property, seeded)', () => {
    const term = fc.tuple(full, fc.oneof(full, short), fc.boolean())
    fc.assert(fc.property(fc.array(term, { minLength: 0, maxLength: 16 }), fc.oneof(fc.constant(0n), full), (terms, b) => {
      const pts = terms.map(([x, , proj]) => (proj ? projective(G.multiply(x)) : G.multiply(x)))
      const ks = terms.map(([, k]) => k)
      const want = naive(pts, ks, b)
      expect(msmPublicStraus(pts, ks, b).equals(want)).toBe(true)
      expect(msmIsIdentity([...pts, want], [...ks, n - 1n], b)).toBe(true)
      expect(msmIsIdentity(pts, ks, b)).toBe(want.is0())
    }), { seed: 102, numRuns: 50 })
  })

  it('MSM edges: scalars 0, 1, n − 1, negative, ≥ n; P = Q and P = −Q; cancelling sums; identities', () => {
    const P = G.multiply(987654321n)
    const Q = projective(G.multiply(1234567n))
    const k = (1n << 200n) + 12345n
    const cases: Array<[Point[], bigint[], bigint]> = [
      [[P], [0n], 0n], [[P], [1n], 0n], [[P], [n - 1n], 0n], [[P], [-5n], 0n], [[P], [n + 7n], 0n],
      [[P, P], [k, k], 0n], // the accumulator meets the same table entry: doubling branch
      [[P, P.negate()], [k, k], 0n], // cancels to the identity
      [[P, P.negate()], [k, k], 7n],
      [[P, Q, P.negate(), Q.negate()], [5n, 1n << 100n, 5n, 1n << 100n], 0n],
      [[P, G], [k, n - k], 0n], [[G], [k], n - k], // P = G against the base point's own table
      [[P, ZERO, Q], [3n, 5n, 0n], 0n], [[ZERO], [1n], 1n], [[], [], 0n], [[], [], 5n],
      [[P, P.double(), P.multiply(3n)], [3n, n - 1n, 5n], 0n]
    ]
    for (const [pts, ks, b] of cases) {
      const want = naive(pts, ks, b)
      expect(msmPublicStraus(pts, ks, b).equals(want), `${ks} ${b}`).toBe(true)
      expect(msmIsIdentity(pts, ks, b)).toBe(want.is0())
    }
    expect(() => msmPublicStraus([P], [])).toThrow(RangeError)
    expect(() => msmIsIdentity([], [1n])).toThrow(RangeError)
  })

  it('GLV halves of both signs (the walks negate their table entries)', () => {
    const P = projective(G.multiply(31337n))
    const seen = new Set<string>()
    for (let i = 1n; seen.size < 4 && i < 400n; i++) {
      const k = (i * 0x9e3779b97f4a7c15f39cc0605cedc834n) % n
      const { k1, k2 } = splitScalar(k)
      seen.add(`${k1 < 0n} ${k2 < 0n}`)
      expect(msmPublicStraus([P], [k], k).equals(P.multiply(k).add(G.multiply(k)))).toBe(true)
    }
    expect(seen.size).toBe(4)
  })

  it('mulPublicAffine: random scalars on projective points, and the identity', () => {
    fc.assert(fc.property(full, full, (x, k) => {
      const P = projective(G.multiply(x))
      const want = P.multiply(k).toAffine()
      expect(mulPublicAffine(P, k)).toEqual({ x: want.x, y: want.y })
    }), { seed: 103, numRuns: 50 })
    expect(mulPublicAffine(G, 0n)).toBeNull()
    expect(mulPublicAffine(G, n)).toBeNull()
    expect(mulPublicAffine(ZERO, 5n)).toBeNull()
    const want = G.negate().toAffine()
    expect(mulPublicAffine(G, n - 1n)).toEqual({ x: want.x, y: want.y })
  })

  it('sumColumnsPublic: random columns with identities, repeats and cancellations; results affine', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 4, maxLength: 4 }), { minLength: 0, maxLength: 5 }), (grid) => {
      const rows = grid.map((row) => row.map((c, i) => (c === 0 ? ZERO : mul(G, BigInt(c) * BigInt(i + 1)))).map((P, i) => (i === 2 && !P.is0() ? projective(P) : P)))
      const got = sumColumnsPublic(rows)
      const width = rows.length === 0 ? 0 : 4
      expect(got).toHaveLength(width)
      for (let i = 0; i < width; i++) {
        const want = rows.reduce((acc, row) => acc.add(row[i]), ZERO)
        expect(got[i].equals(want)).toBe(true)
        if (!want.is0()) expect(got[i].Z).toBe(1n)
      }
    }), { seed: 104, numRuns: 50 })
  })
})

describe('both paths agree exactly', () => {
  afterAll(() => setSecp256k1WasmEnabled(true))
  const both = <T>(f: () => T): [T, T] => {
    setSecp256k1WasmEnabled(true); const w = f()
    setSecp256k1WasmEnabled(false); const b = f()
    setSecp256k1WasmEnabled(true)
    return [w, b]
  }

  it('msmPublicStraus returns the same homogeneous coordinates (same Jacobian formulas)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(full, fc.oneof(full, short)), { minLength: 1, maxLength: 6 }), full, (terms, b) => {
      const pts = terms.map(([x]) => projective(G.multiply(x)))
      const ks = terms.map(([, k]) => k)
      const [w, big] = both(() => msmPublicStraus(pts, ks, b))
      expect([w.X, w.Y, w.Z]).toEqual([big.X, big.Y, big.Z])
    }), { seed: 105, numRuns: 20 })
  })

  it('mulBaseSecretMany and mulPublicAffine give identical coordinates', () => {
    const ks = [1n, 5n, n - 1n, 0n, 1n << 255n]
    const [w, big] = both(() => mulBaseSecretMany(ks).map((P) => [P.X, P.Y, P.Z]))
    expect(w).toEqual(big)
    const [a, c] = both(() => mulPublicAffine(projective(G.multiply(99n)), n - 12345n))
    expect(a).toEqual(c)
  })
})

describe('loading', () => {
  it('falls back to BigInt while an asynchronous compile is pending (a browser main thread refusing sync compiles)', async () => {
    vi.resetModules()
    const original = WebAssembly.Module
    ;(WebAssembly as { Module: unknown }).Module = function refuse () { throw new RangeError('WebAssembly.Compile is disallowed on the main thread') }
    try {
      const wasm = await import('../../src/crypto/secp256k1/wasm.js')
      const msm = await import('../../src/crypto/ecdsa/msm.js')
      const base = await import('../../src/crypto/secp256k1/base-mul.js')
      expect(wasm.secp256k1WasmActive()).toBe(false) // starts the async compile
      const P = G.multiply(77n)
      expect(msm.msmPublicStraus([P], [3n], 2n).equals(G.multiply(233n))).toBe(true) // BigInt meanwhile
      expect(base.mulBaseSecretMany([9n])[0].equals(G.multiply(9n))).toBe(true)
      expect(await wasm.secp256k1WasmReady()).toBe(true)
      expect(wasm.secp256k1WasmActive()).toBe(true)
      expect(msm.msmPublicStraus([P], [3n], 2n).equals(G.multiply(233n))).toBe(true)
      expect(base.mulBaseSecretMany([9n])[0].equals(G.multiply(9n))).toBe(true)
    } finally {
      ;(WebAssembly as { Module: unknown }).Module = original
      vi.resetModules()
    }
  })

  it('the committed module is what build.mjs compiles (reproducible build)', async () => {
    const script = fileURLToPath(new URL('../../wasm/secp256k1/build.mjs', import.meta.url))
    const build = await import(pathToFileURL(script).href) as { compile: () => Promise<Uint8Array>, render: (b: Uint8Array) => string, OUTPUT: string }
    const text = build.render(await build.compile())
    expect(text, 'stale: run node node-core/wasm/secp256k1/build.mjs').toBe(await readFile(build.OUTPUT, 'utf8'))
  }, 60_000)
})
