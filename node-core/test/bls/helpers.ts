/** Shared fixtures for the threshold BLS / IBE tests: dealt keys, subsets, crafted bad points. */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { BlsG1, type G1Point, type G2Point } from '../../src/crypto/group.js'
import { dealKeyShares, defaultBlsDegree, type KeyShare } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'

const { Fp, Fp2 } = bls12_381.fields

export function range (n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1)
}

export function dealBls (n: number, seed = `bls-${n}`, secret?: bigint): Array<KeyShare<G1Point>> {
  return dealKeyShares(BlsG1, defaultBlsDegree(n), range(n), { rng: seededRng(seed), secret })
}

/** A deterministic pseudo-random subset of `size` items (Fisher–Yates on a seeded rng). */
export function pick<T> (items: readonly T[], size: number, seed: string): T[] {
  const rng = seededRng(seed)
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng(1)[0] % (i + 1)
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a.slice(0, size)
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

function compressed (parts: bigint[]): Uint8Array {
  const out = new Uint8Array(parts.length * 48)
  parts.forEach((p, i) => out.set(Fp.toBytes(p), i * 48))
  out[0] |= 0x80
  return out
}

/** A G1 curve point outside the prime-order subgroup. */
export function g1PointOutsideSubgroup (): G1Point {
  for (let x = 5n; ; x++) {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n)
    const y = trySqrt(() => Fp.sqrt(rhs))
    if (y === undefined || !Fp.eql(Fp.sqr(y), rhs)) continue
    const p = bls12_381.G1.Point.fromAffine({ x, y })
    if (!p.isTorsionFree()) return p
  }
}

/** Compressed encoding of a G1 curve point outside the prime-order subgroup. */
export function g1OutsideSubgroup (): Uint8Array {
  return compressed([g1PointOutsideSubgroup().toAffine().x])
}

/** Compressed encoding of an x with no G1 curve point. */
export function g1OffCurve (): Uint8Array {
  for (let x = 5n; ; x++) {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n)
    const y = trySqrt(() => Fp.sqrt(rhs))
    if (y === undefined || !Fp.eql(Fp.sqr(y), rhs)) return compressed([x])
  }
}

/** A G2 (twist) curve point object outside the prime-order subgroup (noble refuses to encode it). */
export function g2PointOutsideSubgroup (): G2Point {
  const b = Fp2.create({ c0: 4n, c1: 4n })
  for (let c0 = 5n; ; c0++) {
    const x = Fp2.create({ c0, c1: 1n })
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)
    const y = trySqrt(() => Fp2.sqrt(rhs))
    if (y !== undefined && Fp2.eql(Fp2.sqr(y), rhs)) {
      const p = bls12_381.G2.Point.fromAffine({ x, y })
      if (!p.isTorsionFree()) return p
    }
  }
}

/** Compressed encoding of a G2 (twist) curve point outside the prime-order subgroup. */
export function g2OutsideSubgroup (): Uint8Array {
  const { x } = g2PointOutsideSubgroup().toAffine()
  return compressed([x.c1, x.c0])
}

/** Compressed encoding of an x with no G2 curve point. */
export function g2OffCurve (): Uint8Array {
  const b = Fp2.create({ c0: 4n, c1: 4n })
  for (let c0 = 5n; ; c0++) {
    const x = Fp2.create({ c0, c1: 1n })
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)
    const y = trySqrt(() => Fp2.sqrt(rhs))
    if (y === undefined || !Fp2.eql(Fp2.sqr(y), rhs)) return compressed([x.c1, x.c0])
  }
}

/** Compressed encoding of the identity (point at infinity). */
export function identityBytes (length: 48 | 96): Uint8Array {
  const out = new Uint8Array(length)
  out[0] = 0xc0
  return out
}

function trySqrt<T> (f: () => T): T | undefined {
  try { return f() } catch { return undefined }
}
