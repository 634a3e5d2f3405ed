/**
 * Scalar helpers for threshold ECDSA over the secp256k1 order n. Inverses live
 * in ../inverse.ts (invertPublic for public values, invertSecret for secrets);
 * `invertPublic` here is the same function with the modulus defaulting to n.
 */
import { InvalidArgumentError } from '../../errors.js'
import { Secp256k1, mod } from '../group.js'
import { invertPublic as invertPublicMod } from '../inverse.js'
import type { ParticipantId } from '../shares.js'

const n = Secp256k1.order

/** a⁻¹ mod `modulus` (default n) for a PUBLIC, non-zero a (variable time). See ../inverse.ts. */
export function invertPublic (a: bigint, modulus: bigint = n): bigint {
  return invertPublicMod(a, modulus)
}

/**
 * [v⁻¹ mod n for v of values] for PUBLIC non-zero values, with one inversion for
 * all (Montgomery's trick: prefix products, one inverse, then back).
 */
export function invertPublicBatch (values: readonly bigint[]): bigint[] {
  const prefix = new Array<bigint>(values.length)
  let acc = 1n
  values.forEach((v, i) => { prefix[i] = acc; acc = acc * mod(v, n) % n })
  let inv = invertPublic(acc) // refuses zero: some value was zero mod n
  const out = new Array<bigint>(values.length)
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = inv * prefix[i] % n
    inv = inv * mod(values[i], n) % n
  }
  return out
}

/**
 * f(x) (default f(0)) for the polynomial of degree |values|−1 through the
 * given (id, value) pairs. The ids are public; the values may be secret (they
 * only enter additions and multiplications). One inversion in all.
 */
export function interpolateAt (values: ReadonlyMap<ParticipantId, bigint>, x: number | bigint = 0n): bigint {
  const ids = [...values.keys()].map(BigInt)
  const X = BigInt(x)
  // λ_i = Π_{j≠i} (X − x_j) / Π_{j≠i} (x_i − x_j); the denominators are inverted together.
  const nums: bigint[] = []
  const dens: bigint[] = []
  for (const xi of ids) {
    let num = 1n
    let den = 1n
    for (const xj of ids) {
      if (xj === xi) continue
      num = num * (X - xj) % n
      den = den * (xi - xj) % n
    }
    nums.push(mod(num, n))
    dens.push(mod(den, n))
  }
  for (const d of dens) if (d === 0n) throw new InvalidArgumentError('ids', 'must be distinct')
  const denInv = invertPublicBatch(dens)
  const lambdas = nums.map((num, i) => num * denInv[i] % n)
  let out = 0n
  let i = 0
  for (const v of values.values()) out += lambdas[i++] * v % n
  return mod(out, n)
}
