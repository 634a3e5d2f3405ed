/**
 * x·Q for a secret scalar x and a point Q of the prime-order G2 subgroup, with the
 * GLS endomorphism ψ (docs/bls.md §1.4). A key holder's decryption or signature
 * share x_i·H is the one G2 multiplication on a node's hot path; noble's `multiply`
 * walks all 255 bits of x, this walks 64.
 *
 * Why it works: on G2, ψ(Q) = [u]Q with u = −X, X = 0xd201000000010000 (noble's
 * isTorsionFree checks exactly this), and r = X⁴ − X² + 1 < X⁴. So any x < r has four
 * base-X digits d_j < X < 2⁶⁴, and
 *   x·Q = d0·Q + d1·(X·Q) + d2·(X²·Q) + d3·(X³·Q)
 *       = d0·Q + d1·(−ψQ) + d2·ψ²Q + d3·(−ψ³Q),
 * one joint 4-scalar walk of 64 doublings over a 16-entry table of subset sums.
 *
 * Side channels: every step doubles and adds one table entry (entry 0 is the
 * identity, which noble's complete addition formulas handle at the same cost), so
 * the sequence of field operations does not depend on x. As with noble's own
 * `multiply`, BigInt arithmetic and the table index are best effort, not a
 * constant-time guarantee.
 *
 * Precondition: Q is in the prime-order subgroup (hash-to-curve output, or a point
 * the strict decoder accepted). Outside it ψ is not [u] and the result is wrong.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { psiFrobenius } from '@noble/curves/abstract/tower.js'
import { InvalidArgumentError } from '../../errors.js'
import { BlsG2, type G2Point } from '../group.js'

const Fp = bls12_381.fields.Fp
const Fp2 = bls12_381.fields.Fp2

/** |u| for BLS12-381 (u = −X is the curve's seed). */
export const BLS_X = 0xd201000000010000n
const DIGIT_BITS = 64

let psiOf: ((x: any, y: any) => [any, any]) | undefined

/** ψ on projective coordinates: the Frobenius is a field automorphism, so it maps Z alike. */
function psi (p: G2Point): G2Point {
  psiOf ??= psiFrobenius(Fp, Fp2, Fp2.div(Fp2.ONE, Fp2.NONRESIDUE)).psi as (x: any, y: any) => [any, any]
  const [x, y] = psiOf(p.X, p.Y)
  return new bls12_381.G2.Point(x, y, Fp2.frobeniusMap(p.Z, 1))
}

/** x = d0 + d1·X + d2·X² + d3·X³ with 0 ≤ d_j < X. */
export function baseXDigits (x: bigint): [bigint, bigint, bigint, bigint] {
  const d: bigint[] = []
  let rest = x
  for (let j = 0; j < 4; j++) {
    d.push(rest % BLS_X)
    rest /= BLS_X
  }
  return d as [bigint, bigint, bigint, bigint]
}

/** x·Q, 0 < x < r, Q in the G2 subgroup. */
export function mulG2Secret (q: G2Point, x: bigint): G2Point {
  if (typeof x !== 'bigint' || x <= 0n || x >= BlsG2.order) throw new InvalidArgumentError('scalar', 'must be in [1, r)')
  const d = baseXDigits(x)
  const b1 = psi(q).negate()
  const b2 = psi(psi(q))
  const b3 = psi(b2).negate()
  const basis = [q, b1, b2, b3]
  const table: G2Point[] = [BlsG2.ZERO]
  for (let m = 1; m < 16; m++) {
    const low = m & -m
    const j = 31 - Math.clz32(low)
    table.push(m === low ? basis[j] : table[m ^ low].add(basis[j]))
  }
  let acc = BlsG2.ZERO
  for (let i = DIGIT_BITS - 1; i >= 0; i--) {
    const bit = BigInt(i)
    const m = Number((d[0] >> bit) & 1n) | (Number((d[1] >> bit) & 1n) << 1) |
      (Number((d[2] >> bit) & 1n) << 2) | (Number((d[3] >> bit) & 1n) << 3)
    acc = acc.double().add(table[m])
  }
  return acc
}
