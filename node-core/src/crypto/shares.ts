/**
 * Shamir secret sharing with Feldman commitments, over any `Group` in group.ts.
 * Spec: docs/shares.md.
 *
 * Participants are identified by positive integers (their evaluation point x = id).
 * A degree-t polynomial f has t+1 coefficients; any t+1 evaluations determine f(0).
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { InvalidArgumentError } from '../errors.js'
import { type Group, mod, randomScalar, msmPublic } from './group.js'
import { secureRng, type Rng } from './random.js'
import { invertPublic } from './inverse.js'
import { mulBaseSecretMany } from './secp256k1/base-mul.js'

export type ParticipantId = number

/** Coefficients a_0..a_t of f(x) = sum a_i x^i, mod the group order. Secret. */
export type Polynomial = readonly bigint[]

/** Feldman commitment: [a_0·G, ..., a_t·G]. Public. */
export type Commitment<P> = readonly P[]

export function assertParticipantIds (ids: readonly ParticipantId[], field = 'participants'): void {
  const seen = new Set<number>()
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError(field, `id ${String(id)} is not a positive integer`)
    if (seen.has(id)) throw new InvalidArgumentError(field, `id ${id} appears twice`)
    seen.add(id)
  }
}

/** A random polynomial of the given degree; `constant` fixes f(0) (e.g. 0n for a zero sharing). */
export function randomPolynomial (group: { order: bigint, scalarBytes: number }, degree: number, constant?: bigint, rng: Rng = secureRng): bigint[] {
  if (!Number.isSafeInteger(degree) || degree < 0) throw new InvalidArgumentError('degree', 'must be a non-negative integer')
  const coeffs = [constant === undefined ? randomScalar(group, rng) : mod(constant, group.order)]
  for (let i = 0; i < degree; i++) coeffs.push(randomScalar(group, rng))
  return coeffs
}

/** f(x) by Horner's rule. */
export function evaluatePolynomial (group: { order: bigint }, poly: Polynomial, x: bigint | number): bigint {
  const X = mod(BigInt(x), group.order)
  let acc = 0n
  for (let i = poly.length - 1; i >= 0; i--) acc = mod(acc * X + poly[i], group.order)
  return acc
}

export function commitPolynomial<P extends CurvePoint<any, P>> (group: Group<P>, poly: Polynomial): P[] {
  // Coefficients are secret. A zero coefficient (only the constant term of a
  // zero sharing) commits to the identity.
  return mulBaseSecretIn(group, poly)
}

/**
 * [k·G for k of ks] for SECRET scalars (0 gives the identity), with a uniform
 * sequence of operations: on secp256k1 the fixed-base comb of
 * secp256k1/base-mul.ts (about a third of noble's cost, one inversion per
 * call), on the BLS groups noble's constant-time multiply.
 */
export function mulBaseSecretIn<P extends CurvePoint<any, P>> (group: Group<P>, ks: readonly bigint[]): P[] {
  if (group.name === 'secp256k1') return mulBaseSecretMany(ks) as unknown as P[]
  return ks.map((k) => (k === 0n ? group.ZERO : group.BASE.multiply(k)))
}

/** sum_i C_i · x^i: the public image f(x)·G of a committed polynomial. */
export function evaluateCommitment<P extends CurvePoint<any, P>> (group: Group<P>, commitment: Commitment<P>, x: bigint | number): P {
  const X = mod(BigInt(x), group.order)
  // Horner in the exponent; x is public.
  let acc = group.ZERO
  for (let i = commitment.length - 1; i >= 0; i--) {
    acc = (X === 0n ? group.ZERO : acc.multiplyUnsafe(X)).add(commitment[i])
  }
  return acc
}

/** Feldman check: share·G == sum_i C_i · id^i. */
export function verifyShare<P extends CurvePoint<any, P>> (group: Group<P>, commitment: Commitment<P>, id: ParticipantId, share: bigint): boolean {
  if (share < 0n || share >= group.order) return false
  const lhs = share === 0n ? group.ZERO : group.BASE.multiplyUnsafe(share)
  return lhs.equals(evaluateCommitment(group, commitment, id))
}

/** Split `secret` into shares for `ids` with a random degree-`degree` polynomial. */
export function split<P extends CurvePoint<any, P>> (group: Group<P>, secret: bigint, degree: number, ids: readonly ParticipantId[], rng: Rng = secureRng): { shares: Map<ParticipantId, bigint>, commitment: P[] } {
  assertParticipantIds(ids)
  if (ids.length < degree + 1) throw new InvalidArgumentError('degree', `${ids.length} participants cannot hold a degree-${degree} sharing`)
  const poly = randomPolynomial(group, degree, secret, rng)
  const shares = new Map<ParticipantId, bigint>()
  for (const id of ids) shares.set(id, evaluatePolynomial(group, poly, id))
  return { shares, commitment: commitPolynomial(group, poly) }
}

/**
 * Lagrange coefficient λ_i(x) for participant `id` within `ids`, evaluating at `x`
 * (default 0): λ_i(x) = prod_{j != i} (x - j) / (i - j).
 */
export function lagrangeCoefficient (group: { order: bigint }, ids: readonly ParticipantId[], id: ParticipantId, x: bigint | number = 0n): bigint {
  assertParticipantIds(ids)
  if (!ids.includes(id)) throw new InvalidArgumentError('id', `${id} is not among the participants`)
  const n = group.order
  const X = BigInt(x)
  let num = 1n
  let den = 1n
  for (const j of ids) {
    if (j === id) continue
    num = mod(num * (X - BigInt(j)), n)
    den = mod(den * (BigInt(id) - BigInt(j)), n)
  }
  return mod(num * invertPublic(den, n), n) // ids are public
}

/**
 * The Lagrange coefficients at 0 of `ids` as small signed integers over one common
 * denominator: λ_i = numerators[i] / denominator (an identity of rationals, so it holds
 * mod any prime order). Interpolating points with them costs small multiples and one
 * multiplication by denominator⁻¹ instead of one full-size multiplication per point.
 * Ids are public.
 */
export function integerLagrangeAtZero (ids: readonly ParticipantId[]): { numerators: bigint[], denominator: bigint } {
  assertParticipantIds(ids)
  const xs = ids.map(BigInt)
  const nums: bigint[] = []
  const dens: bigint[] = []
  for (let i = 0; i < xs.length; i++) {
    let num = 1n
    let den = 1n
    for (let j = 0; j < xs.length; j++) {
      if (j === i) continue
      num *= xs[j]
      den *= xs[j] - xs[i]
    }
    // Reduced, so that ids like 1…4 give integers (denominator 1: no inversion at all).
    const g = gcd(num, den < 0n ? -den : den)
    nums.push(den < 0n ? -num / g : num / g)
    dens.push((den < 0n ? -den : den) / g)
  }
  let denominator = 1n
  for (const d of dens) denominator = (denominator / gcd(denominator, d)) * d
  return { numerators: nums.map((num, i) => num * (denominator / dens[i])), denominator }
}

function gcd (a: bigint, b: bigint): bigint {
  let x = a
  let y = b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

export function lagrangeCoefficients (group: { order: bigint }, ids: readonly ParticipantId[], x: bigint | number = 0n): Map<ParticipantId, bigint> {
  const out = new Map<ParticipantId, bigint>()
  for (const id of ids) out.set(id, lagrangeCoefficient(group, ids, id, x))
  return out
}

/** Recover f(x) (default f(0)) from shares; exactly the given shares are used. */
export function interpolateScalar (group: { order: bigint }, shares: ReadonlyMap<ParticipantId, bigint>, x: bigint | number = 0n): bigint {
  const ids = [...shares.keys()]
  const lambdas = lagrangeCoefficients(group, ids, x)
  let acc = 0n
  for (const [id, s] of shares) acc = mod(acc + lambdas.get(id)! * s, group.order)
  return acc
}

/** Interpolation in the exponent: sum λ_i · P_i. Points are public. */
export function interpolatePoint<P extends CurvePoint<any, P>> (group: Group<P>, points: ReadonlyMap<ParticipantId, P>, x: bigint | number = 0n): P {
  const ids = [...points.keys()]
  const lambdas = lagrangeCoefficients(group, ids, x)
  return msmPublic(group, ids.map((id) => points.get(id)!), ids.map((id) => lambdas.get(id)!))
}

/** Sum of two commitments coefficient-wise (used when DKG adds dealers' polynomials). */
export function addCommitments<P extends CurvePoint<any, P>> (group: Group<P>, a: Commitment<P>, b: Commitment<P>): P[] {
  const len = Math.max(a.length, b.length)
  const out: P[] = []
  for (let i = 0; i < len; i++) out.push((a[i] ?? group.ZERO).add(b[i] ?? group.ZERO))
  return out
}
