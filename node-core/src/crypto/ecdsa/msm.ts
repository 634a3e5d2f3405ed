/**
 * Multi-scalar multiplication for PUBLIC points and scalars only (proof and
 * share verification): Straus' interleaving with width-5 wNAF, one shared
 * doubling chain for all points. Variable time by design; never pass secrets.
 * The base point's term goes through noble's precomputed-table multiply.
 */
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

function oddMultiples (p: SecpPoint): SecpPoint[] {
  const t = [p]
  const twice = p.double()
  for (let i = 1; i < TABLE; i++) t.push(t[i - 1].add(twice))
  return t
}

/** sum_i scalars[i]·points[i] + baseScalar·G. */
export function msmPublicStraus (points: readonly SecpPoint[], scalars: readonly bigint[], baseScalar = 0n): SecpPoint {
  const tables: SecpPoint[][] = []
  const digits: Int8Array[] = []
  let top = 0
  for (let i = 0; i < points.length; i++) {
    const k = mod(scalars[i], n)
    if (k === 0n || points[i].equals(Secp256k1.ZERO)) continue
    const d = wnaf(k)
    let len = d.length
    while (len > 0 && d[len - 1] === 0) len--
    top = Math.max(top, len)
    tables.push(oddMultiples(points[i]))
    digits.push(d)
  }
  let acc = Secp256k1.ZERO
  for (let bit = top - 1; bit >= 0; bit--) {
    acc = acc.double()
    for (let j = 0; j < digits.length; j++) {
      const d = digits[j][bit]
      if (d > 0) acc = acc.add(tables[j][(d - 1) >> 1])
      else if (d < 0) acc = acc.subtract(tables[j][(-d - 1) >> 1])
    }
  }
  const b = mod(baseScalar, n)
  return b === 0n ? acc : acc.add(Secp256k1.BASE.multiplyUnsafe(b))
}
