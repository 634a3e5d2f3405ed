/**
 * Pairing and multi-scalar-multiplication helpers over BLS12-381, for PUBLIC inputs only
 * (verification and combination of shares). Spec: docs/bls.md §2–3.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { pippenger } from '@noble/curves/abstract/curve.js'
import { BlsG1, BlsG2, type G1Point, type G2Point, msmPublic, mod } from '../group.js'

const Fp12 = bls12_381.fields.Fp12
const G1_NEG = BlsG1.BASE.negate()

/**
 * Points known to be valid subgroup G2 points: made by our own code or by the strict decoder.
 * Lets the combiner skip a second (~2.5 ms) subgroup check on shares it has already checked.
 */
const checkedG2 = new WeakSet<G2Point>()

/** Record that `p` passed the strict checks (or was computed from checked points). */
export function markCheckedG2 (p: G2Point): G2Point {
  checkedG2.add(p)
  return p
}

/** True iff `p` is a non-identity point of the prime-order G2 subgroup. */
export function isValidG2 (p: unknown): p is G2Point {
  if (!(p instanceof BlsG2.Point)) return false
  const q = p as G2Point
  if (checkedG2.has(q)) return true
  try {
    q.assertValidity() // on the curve and in the subgroup (noble caches a success per point)
  } catch {
    return false
  }
  if (q.equals(BlsG2.ZERO)) return false
  checkedG2.add(q)
  return true
}

/** True iff `p` is a non-identity point of the prime-order G1 subgroup. */
export function isValidG1 (p: unknown): p is G1Point {
  if (!(p instanceof BlsG1.Point)) return false
  const q = p as G1Point
  try {
    q.assertValidity() // on the curve and in the subgroup (noble caches a success per point)
  } catch {
    return false
  }
  return !q.equals(BlsG1.ZERO)
}

/**
 * e(a, q) == e(G1, s), as one two-pair Miller loop with a single final exponentiation:
 * e(a, q) · e(−G1, s) = 1. Identity inputs pair to 1 (noble refuses them, so they are filtered).
 */
export function pairingCheck (a: G1Point, q: G2Point, s: G2Point): boolean {
  const pairs: Array<{ g1: G1Point, g2: G2Point }> = []
  if (!a.equals(BlsG1.ZERO) && !q.equals(BlsG2.ZERO)) pairs.push({ g1: a, g2: q })
  if (!s.equals(BlsG2.ZERO)) pairs.push({ g1: G1_NEG, g2: s })
  return Fp12.eql(bls12_381.pairingBatch(pairs), Fp12.ONE)
}

/** Below this many points a plain double-and-add loop beats Pippenger's bucket set-up (measured). */
const PIPPENGER_MIN = 4

function msm<P extends G1Point | G2Point> (group: typeof BlsG1 | typeof BlsG2, points: readonly P[], scalars: readonly bigint[]): P {
  if (points.length !== scalars.length) throw new RangeError('msm: points and scalars differ in length')
  const reduced = scalars.map((k) => mod(k, group.order))
  if (points.length < PIPPENGER_MIN) return msmPublic(group as any, points as any[], reduced) as P
  return pippenger(group.Point as any, points as any[], reduced) as P
}

/** Σ k_i·P_i in G1, variable time (public inputs). */
export function msmG1 (points: readonly G1Point[], scalars: readonly bigint[]): G1Point {
  return msm(BlsG1, points, scalars)
}

/** Σ k_i·P_i in G2, variable time (public inputs). */
export function msmG2 (points: readonly G2Point[], scalars: readonly bigint[]): G2Point {
  return msm(BlsG2, points, scalars)
}
