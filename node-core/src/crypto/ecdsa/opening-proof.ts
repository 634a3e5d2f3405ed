/**
 * The round-2 opening proof of presign (spec: docs/ecdsa.md §3.6, §4.2): that
 * one a_j satisfies
 *   A_j = a_j·G,   W_j := w_j·G − B_j = a_j·K_j,   Y_j = a_j·X_j
 * where K_j, A_j, B_j are the summed round-1 commitments C_k, C_a, C_b
 * evaluated at j, and X_j is j's verification share of the key.
 *
 * The last two relations are checked as one: with γ hashed from the statement,
 * V = W_j + γ·Y_j = a_j·(K_j + γ·X_j) = a_j·U. If either relation is false
 * (a_j fixed by A_j), V − a_j·U is a non-zero linear function of γ and vanishes
 * for one γ only, which the prover would have to hit with a hash output. So the
 * proof is a Chaum–Pedersen proof for two bases, G and U: T = (r·G, r·U),
 * z = r + c·a_j, one commitment point fewer than a proof per base.
 *
 * Also cheaper than the generic proof in dleq.ts:
 * - γ and the challenge hash what DETERMINES the statement instead of its
 *   points: digest₁ (which fixes every commitment, hence K_j, A_j, B_j), j, X_j,
 *   w_j and Y_j. Nobody has to compute K_j, B_j or w_j·G to hash them.
 * - Verification of all provers is one multi-scalar multiplication in which
 *   the terms in K_j, A_j, B_j are folded into the commitment coefficients
 *   (K_j = Σ_i C_k[i]·j^i), so they cost t+1 or 2t points in all instead of
 *   one point per prover. The weights ρ are 128-bit and hashed from every
 *   challenge, fixed only after all proofs are.
 * The prover knows log_G of its bases (U = (k_j + γ·x_j)·G), so it commits with
 * base-point multiplications only.
 */
import { Secp256k1, mod, randomScalar, type SecpPoint } from '../group.js'
import { secureRng, type Rng } from '../random.js'
import type { ParticipantId } from '../shares.js'
import { msmPublicStraus } from './msm.js'
import { mulBaseSecretMany } from '../secp256k1/base-mul.js'
import { Transcript } from './transcript.js'

const n = Secp256k1.order

/** T = (r·G, r·U) with U = K_j + γ·X_j, and z = r + c·a_j. */
export interface OpeningProof {
  readonly T: readonly [SecpPoint, SecpPoint]
  readonly z: bigint
}

/** The public statement of party j's round-2 message, as everyone (and j) sees it. */
export interface OpeningStatement {
  readonly sessionId: Uint8Array
  /** Hash of every round-1 broadcast (checked equal at every party before proofs are verified). */
  readonly round1Digest: Uint8Array
  readonly prover: ParticipantId
  /** j's verification share x_j·G. */
  readonly X: SecpPoint
  readonly w: bigint
  readonly Y: SecpPoint
}

/** The summed round-1 commitments, from which K_j, A_j, B_j are evaluated. */
export interface SummedCommitments {
  readonly k: readonly SecpPoint[]
  readonly a: readonly SecpPoint[]
  /** b's constant term is the identity (a zero sharing). */
  readonly b: readonly SecpPoint[]
}

/**
 * H(session, digest₁, j, X_j, w_j, Y_j): the statement's determinants, hashed once per
 * statement object (γ and the challenge both start from it; encoding X_j and Y_j costs
 * an affine conversion each).
 */
const statementDigests = new WeakMap<OpeningStatement, Uint8Array>()
function statementDigest (s: OpeningStatement): Uint8Array {
  let d = statementDigests.get(s)
  if (d === undefined) {
    d = new Transcript('presign/round2/opening-proof/statement').bytes('session', s.sessionId).bytes('round1', s.round1Digest)
      .u32('prover', s.prover).point('X', s.X).scalar('w', s.w).point('Y', s.Y).digest()
    statementDigests.set(s, d)
  }
  return d
}

/** γ: fixed by the statement alone, before the prover commits (never 0, so Y_j is always bound). */
export function openingGamma (s: OpeningStatement): bigint {
  return new Transcript('presign/round2/opening-proof/gamma').bytes('statement', statementDigest(s)).challenge() || 1n
}

export function openingChallenge (s: OpeningStatement, T: readonly SecpPoint[]): bigint {
  return new Transcript('presign/round2/opening-proof').bytes('statement', statementDigest(s))
    .point('T1', T[0]).point('T2', T[1]).challenge()
}

/** Spec 3.6. `a`, `k`, `x` are the prover's secret shares a_j, k_j, x_j. */
export function proveOpening (s: OpeningStatement, secrets: { a: bigint, k: bigint, x: bigint }, rng: Rng = secureRng): OpeningProof {
  const r = randomScalar(Secp256k1, rng)
  const gamma = openingGamma(s)
  // r·U = r·(k_j + γ·x_j)·G: this party knows U's logarithm.
  const [T1, T2] = mulBaseSecretMany([r, mod(r * mod(secrets.k + gamma * secrets.x, n), n)])
  const T = [T1, T2] as const
  const c = openingChallenge(s, T)
  return { T, z: mod(r + c * secrets.a, n) }
}

/**
 * Spec 4.2: true iff every proof verifies (all at once; false positives have
 * probability about 2^-128). To find culprits, call it with one proof at a time.
 */
export function verifyOpenings (
  commitments: SummedCommitments,
  items: ReadonlyArray<{ statement: OpeningStatement, proof: OpeningProof }>
): boolean {
  if (items.length === 0) return true
  for (const { proof } of items) if (proof.T.length !== 2 || proof.z < 0n || proof.z >= n) return false
  const challenges = items.map(({ statement, proof }) => openingChallenge(statement, proof.T))
  const seed = new Transcript('presign/round2/opening-proof/batch')
  challenges.forEach((c) => seed.scalar('c', c))
  const seedBytes = seed.digest()
  const weight = (j: number, eq: number): bigint =>
    new Transcript('presign/round2/opening-proof/weight').bytes('seed', seedBytes).u32('proof', j).u32('equation', eq).challenge() >> 128n

  // Σ_j ρ1(z·G − c·A_j − T1) + ρ2(z·K_j + zγ·X_j − c·w_j·G + c·B_j − cγ·Y_j − T2) = 0
  let g = 0n
  const ck = commitments.k.map(() => 0n)
  const ca = commitments.a.map(() => 0n)
  const cb = commitments.b.map(() => 0n)
  const points: SecpPoint[] = []
  const scalars: bigint[] = []
  items.forEach(({ statement: s, proof }, idx) => {
    const c = challenges[idx]
    const gamma = openingGamma(s)
    const [r1, r2] = [weight(idx, 1), weight(idx, 2)]
    g += r1 * proof.z - r2 * c * s.w
    const j = BigInt(s.prover)
    let jPow = 1n // j^i mod n
    for (let i = 0; i < Math.max(ck.length, cb.length); i++) {
      if (i < ca.length) ca[i] -= r1 * c * jPow
      if (i < ck.length) ck[i] += r2 * proof.z * jPow
      if (i < cb.length) cb[i] += r2 * c * jPow
      jPow = jPow * j % n
    }
    points.push(s.X, s.Y, proof.T[0], proof.T[1])
    scalars.push(r2 * proof.z % n * gamma, -r2 * c % n * gamma, -r1, -r2)
  })
  const fold = (cs: readonly SecpPoint[], ks: bigint[]): void => { cs.forEach((p, i) => { points.push(p); scalars.push(ks[i]) }) }
  fold(commitments.k, ck)
  fold(commitments.a, ca)
  fold(commitments.b, cb)
  return msmPublicStraus(points, scalars.map((x) => mod(x, n)), mod(g, n)).equals(Secp256k1.ZERO)
}
