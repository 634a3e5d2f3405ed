/**
 * Error detection for values that must lie on one polynomial of known degree
 * (a Reed–Solomon codeword), for scalars and "in the exponent" for points.
 * Spec: docs/ecdsa.md §4.2.
 *
 * The values f(j), j ∈ P, of a polynomial of degree ≤ d form a codeword; its
 * dual is spanned by c_j = u_j·g(j) with u_j = Π_{i≠j} (j − i)⁻¹ and any g of
 * degree ≤ |P| − d − 2: Σ_j u_j·h(j) is the leading (x^{|P|−1}) coefficient of
 * the interpolation of h, zero whenever deg h ≤ |P| − 2. A vector that is not a
 * codeword is orthogonal to a random dual codeword with probability 1/|field|
 * per random coefficient of g (one hyperplane), so points are checked with ONE
 * multi-scalar multiplication Σ_j c_j·P_j = 0.
 *
 * Why presign cares: when at least d+1 of the values are honest, they fix the
 * polynomial, so a codeword check leaves a cheater no choice but the right value.
 */
import { Secp256k1, mod, type SecpPoint } from '../group.js'
import type { Rng } from '../random.js'
import type { ParticipantId } from '../shares.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { invertPublicBatch } from './scalar.js'
import { msmIsIdentity } from './msm.js'

const n = Secp256k1.order

/** |P| − d − 1: how many independent checks the code gives (0 when |P| = d + 1). */
export function redundancy (ids: readonly ParticipantId[], degree: number): number {
  return Math.max(0, ids.length - degree - 1)
}

/**
 * A dual codeword for evaluation points `ids` and degree `degree`, from
 * g(X) = Σ_k ρ_k·X^k with |P| − d − 1 random 128-bit ρ_k drawn from `rng`
 * (private randomness: whoever chose the values must not know it).
 */
export function randomDualCodeword (ids: readonly ParticipantId[], degree: number, rng: Rng): bigint[] {
  const r = redundancy(ids, degree)
  if (r === 0) return ids.map(() => 0n)
  const rho = Array.from({ length: r }, () => bytesToNumberBE(rng(16)) | 1n) // the top one non-zero
  const xs = ids.map(BigInt)
  const u = invertPublicBatch(xs.map((xj) => xs.reduce((acc, xi) => (xi === xj ? acc : acc * (xj - xi) % n), 1n)))
  return xs.map((xj, idx) => {
    let g = 0n
    for (let k = r - 1; k >= 0; k--) g = (g * xj + rho[k]) % n
    return mod(u[idx] * g, n)
  })
}

/**
 * True iff the points lie on one polynomial of degree ≤ `degree` in the
 * exponent, up to a false accept of probability ≤ 2^-127. Always true when the
 * code has no redundancy (nothing to check against).
 */
export function pointsOnPolynomial (values: ReadonlyMap<ParticipantId, SecpPoint>, degree: number, rng: Rng): boolean {
  const ids = [...values.keys()]
  if (redundancy(ids, degree) === 0) return true
  return msmIsIdentity(ids.map((j) => values.get(j)!), randomDualCodeword(ids, degree, rng))
}
