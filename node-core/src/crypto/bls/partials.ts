/**
 * The threshold core shared by BLS signatures and IBE decryption: party i publishes
 * x_i·H for a public G2 point H; anyone verifies it against X_i = x_i·G1 and combines
 * t+1 of them into x·H. Spec: docs/bls.md §1–3 (docs/ibe.md §2–4 reuse it).
 */
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { InvalidArgumentError } from '../../errors.js'
import { BlsG2, type G1Point, type G2Point } from '../group.js'
import type { KeyShare, PublicKeySet } from '../key-share.js'
import { secureRng, type Rng } from '../random.js'
import { invertPublic } from '../inverse.js'
import { integerLagrangeAtZero, lagrangeCoefficients, type ParticipantId } from '../shares.js'
import { NotEnoughSharesError } from './errors.js'
import { mulG2Secret } from './g2-mul.js'
import { isValidG2, markCheckedG2, msmG1, msmG2, pairingCheck } from './points.js'

/** x_i·H from participant `id`. Public once computed. */
export interface G2Partial {
  readonly id: ParticipantId
  readonly point: G2Point
}

export interface CombineOptions {
  /** Randomness for the batch-verification coefficients (docs/bls.md §3.2). */
  readonly rng?: Rng
  /** combineAndDecrypt: verify every share before opening (no optimistic first try, docs/ibe.md §4.0). */
  readonly verifyFirst?: boolean
}

/** Bits of each batch-verification coefficient ρ_i: a bad share slips through with probability 2^-128. */
const BATCH_COEFFICIENT_BYTES = 16

export function assertBlsKeySet (publicKeySet: PublicKeySet<G1Point>, field = 'publicKeySet'): void {
  if (publicKeySet?.group?.name !== 'bls12-381-g1') throw new InvalidArgumentError(field, 'not a BLS12-381 G1 key set')
}

/** Integer Lagrange numerators up to this size make small multiples cheap (measured: 4 shares, 40 → ~8 ms). */
const SMALL_COEFFICIENT_BITS = 64

/**
 * Σ λ_i·P_i at 0 over the partials' ids (public points), as `scale`·`sum`. Spec 3.5.
 * With λ_i = c_i / L (small integers, integerLagrangeAtZero), sum = Σ c_i·P_i and
 * scale = L⁻¹: small multiples instead of a full-size scalar per point (the Lagrange
 * coefficients mod r are full size even for ids 1…4). A caller that pairs the result
 * can move `scale` to the cheaper G1 side: e(U, scale·sum) = e(scale·U, sum).
 * Falls back to a plain MSM (scale 1) when the integers are not small.
 */
export function interpolateG2Scaled (partials: readonly G2Partial[]): { sum: G2Point, scale: bigint } {
  const ids = partials.map((p) => p.id)
  const { numerators, denominator } = integerLagrangeAtZero(ids)
  const small = numerators.every((c) => (c < 0n ? -c : c).toString(2).length <= SMALL_COEFFICIENT_BITS)
  if (!small || denominator % BlsG2.order === 0n) {
    const lambdas = lagrangeCoefficients(BlsG2, ids, 0n)
    return { sum: msmG2(partials.map((p) => p.point), ids.map((id) => lambdas.get(id)!)), scale: 1n }
  }
  let sum = BlsG2.ZERO
  partials.forEach((p, i) => {
    const c = numerators[i]
    if (c === 0n) return
    const term = p.point.multiplyUnsafe(c < 0n ? -c : c)
    sum = c < 0n ? sum.subtract(term) : sum.add(term)
  })
  return { sum, scale: invertPublic(denominator % BlsG2.order, BlsG2.order) }
}

/** Σ λ_i·P_i at 0 over the partials' ids (public points). */
export function interpolateG2AtZero (partials: readonly G2Partial[]): G2Point {
  const { sum, scale } = interpolateG2Scaled(partials)
  return scale === 1n || sum.equals(BlsG2.ZERO) ? sum : sum.multiplyUnsafe(scale)
}

/** Spec 1.2: x_i·H, a fixed sequence of point operations (x_i is secret); H must be a subgroup point (docs/bls.md §1.4). */
export function evaluatePartial (keyShare: KeyShare<G1Point>, h: G2Point): G2Partial {
  assertBlsKeySet(keyShare.publicKeySet, 'keyShare.publicKeySet')
  if (!isValidG2(h)) throw new InvalidArgumentError('h', 'not a valid G2 subgroup point')
  return { id: keyShare.id, point: markCheckedG2(mulG2Secret(h, keyShare.secretShare)) }
}

/** Spec 2.1–2.2: one share against its verification share X_i. */
export function verifyPartial (publicKeySet: PublicKeySet<G1Point>, h: G2Point, partial: G2Partial): boolean {
  assertBlsKeySet(publicKeySet)
  const x = publicKeySet.verificationShares.get(partial.id)
  if (x === undefined || !isValidG2(partial.point)) return false
  return pairingCheck(x, h, partial.point)
}

/**
 * Spec 3.1: drop shares that cannot be right before spending pairings on them.
 * Returns the candidates (one per id, sorted by id) and the culprits found so far.
 */
function sanitise (publicKeySet: PublicKeySet<G1Point>, partials: readonly G2Partial[], checkSubgroup = true): { candidates: G2Partial[], culprits: Set<ParticipantId> } {
  const culprits = new Set<ParticipantId>()
  const byId = new Map<ParticipantId, G2Partial>()
  for (const p of partials) {
    const id = p?.id
    if (!publicKeySet.verificationShares.has(id)) {
      // Not a participant: the id itself may be garbage; only name plausible ids.
      if (Number.isSafeInteger(id) && id > 0) culprits.add(id)
      continue
    }
    const sound = checkSubgroup ? isValidG2(p.point) : p.point instanceof BlsG2.Point && !p.point.equals(BlsG2.ZERO)
    if (!sound) { culprits.add(id); continue }
    const seen = byId.get(id)
    if (seen === undefined) byId.set(id, p)
    else if (!seen.point.equals(p.point)) culprits.add(id)
  }
  for (const id of culprits) byId.delete(id)
  const candidates = [...byId.values()].sort((a, b) => a.id - b.id)
  return { candidates, culprits }
}

/**
 * Spec 3.2–3.3: the ids of invalid shares among `partials` (all already sanitised).
 * One randomised batch check in the common case; per-share checks only when it fails.
 */
function findInvalid (publicKeySet: PublicKeySet<G1Point>, h: G2Point, partials: readonly G2Partial[], rng: Rng): ParticipantId[] {
  if (partials.length === 0) return []
  const xs = partials.map((p) => publicKeySet.verificationShares.get(p.id)!)
  if (partials.length === 1) return pairingCheck(xs[0], h, partials[0].point) ? [] : [partials[0].id]
  // ρ_1 = 1 saves two scalar multiplications without weakening the test.
  const rho = partials.map((_, i) => i === 0 ? 1n : 1n + bytesToNumberBE(rng(BATCH_COEFFICIENT_BYTES)))
  const a = msmG1(xs, rho)
  const b = msmG2(partials.map((p) => p.point), rho)
  if (pairingCheck(a, h, b)) return []
  return partials.filter((p, i) => !pairingCheck(xs[i], h, p.point)).map((p) => p.id)
}

/** Ids of the invalid shares in `partials` (docs/bls.md §3.1–3.3), sorted. */
export function findInvalidPartials (publicKeySet: PublicKeySet<G1Point>, h: G2Point, partials: readonly G2Partial[], opts: CombineOptions = {}): ParticipantId[] {
  assertBlsKeySet(publicKeySet)
  const { candidates, culprits } = sanitise(publicKeySet, partials)
  for (const id of findInvalid(publicKeySet, h, candidates, opts.rng ?? secureRng)) culprits.add(id)
  return [...culprits].sort((a, b) => a - b)
}

/**
 * Spec 3.7: interpolate from the t+1 structurally sound shares with the smallest ids
 * WITHOUT the pairing checks, and without the subgroup check (a G2 point object, not the
 * identity, is enough) — only for callers that authenticate the result another way (IBE
 * decryption: the AEAD tag and the FO check fail for a wrong key) and then check in full.
 * The result is scale·sum (interpolateG2Scaled), left unmultiplied for a caller that pairs
 * it. Undefined with fewer than t+1 such shares; `culprits` are the shares refused.
 */
export function interpolatePartialsUnchecked (publicKeySet: PublicKeySet<G1Point>, partials: readonly G2Partial[]): { sum: G2Point, scale: bigint, culprits: ParticipantId[] } | undefined {
  assertBlsKeySet(publicKeySet)
  if (!Array.isArray(partials)) throw new InvalidArgumentError('shares', 'not an array')
  const { candidates, culprits } = sanitise(publicKeySet, partials, false)
  const needed = publicKeySet.degree + 1
  if (candidates.length < needed) return undefined
  const { sum, scale } = interpolateG2Scaled(candidates.slice(0, needed))
  return { sum, scale, culprits: [...culprits].sort((a, b) => a - b) }
}

/**
 * Spec 3.1–3.6: verify every given share, name the bad ones, and interpolate x·H from the
 * t+1 valid shares with the smallest ids. Throws NotEnoughSharesError below t+1.
 */
export function combinePartials (publicKeySet: PublicKeySet<G1Point>, h: G2Point, partials: readonly G2Partial[], opts: CombineOptions = {}): { point: G2Point, culprits: ParticipantId[] } {
  assertBlsKeySet(publicKeySet)
  if (!Array.isArray(partials)) throw new InvalidArgumentError('shares', 'not an array')
  const { candidates, culprits } = sanitise(publicKeySet, partials)
  const bad = new Set(findInvalid(publicKeySet, h, candidates, opts.rng ?? secureRng))
  for (const id of bad) culprits.add(id)
  const valid = candidates.filter((p) => !bad.has(p.id))
  const needed = publicKeySet.degree + 1
  const sortedCulprits = [...culprits].sort((a, b) => a - b)
  // Spec 3.4
  if (valid.length < needed) throw new NotEnoughSharesError(needed, valid.length, sortedCulprits)
  // Spec 3.5: candidates are sorted by id, so this is the t+1 smallest ids.
  const used = valid.slice(0, needed)
  const point = interpolateG2AtZero(used)
  // x·H is the identity only if x = 0 (never for a DKG key); do not vouch for it then.
  return { point: point.equals(BlsG2.ZERO) ? point : markCheckedG2(point), culprits: sortedCulprits }
}
