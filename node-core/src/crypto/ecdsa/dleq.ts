/**
 * Chaum–Pedersen proof of equal discrete logarithms over several bases:
 * knowledge of a with P_i = a·G_i for every i (spec: docs/ecdsa.md §4).
 * Non-interactive by Fiat–Shamir; the challenge hashes a caller-supplied
 * context (session id, prover id, statement name) with every base and image,
 * so a proof cannot be replayed into another session, party or statement.
 *
 * The proof carries the commitments T_i (not the challenge) so that many
 * proofs can be checked at once with one multi-scalar multiplication
 * (`batchVerifyDleq`); a failed batch falls back to one-by-one checks.
 */
import { Secp256k1, mod, randomScalar, type SecpPoint } from '../group.js'
import { secureRng, type Rng } from '../random.js'
import { msmPublicStraus } from './msm.js'
import { Transcript } from './transcript.js'

/** T_i = r·G_i for each base, and z = r + c·a. */
export interface DleqProof {
  readonly T: readonly SecpPoint[]
  readonly z: bigint
}

/** What the proof binds to besides the statement itself. */
export interface DleqContext {
  readonly sessionId: Uint8Array
  readonly prover: number
  readonly statement: string
}

/** A statement with its proof, for (batch) verification. */
export interface DleqInstance {
  readonly ctx: DleqContext
  readonly bases: readonly SecpPoint[]
  readonly images: readonly SecpPoint[]
  readonly proof: DleqProof
}

export function dleqChallenge (ctx: DleqContext, bases: readonly SecpPoint[], images: readonly SecpPoint[], T: readonly SecpPoint[]): bigint {
  const t = new Transcript('dleq').bytes('statement', new TextEncoder().encode(ctx.statement))
    .bytes('session', ctx.sessionId).u32('prover', ctx.prover).u32('arity', bases.length)
  for (let i = 0; i < bases.length; i++) t.point('base', bases[i]).point('image', images[i]).point('commitment', T[i])
  return t.challenge()
}

/** Prove a = log_{G_i}(P_i) for all i. `witness` is secret: constant-time multiplies only. */
export function proveDleq (ctx: DleqContext, bases: readonly SecpPoint[], images: readonly SecpPoint[], witness: bigint, rng: Rng = secureRng): DleqProof {
  const r = randomScalar(Secp256k1, rng)
  const T = bases.map((g) => g.multiply(r))
  const c = dleqChallenge(ctx, bases, images, T)
  return { T, z: mod(r + c * witness, Secp256k1.order) }
}

function wellFormed (x: DleqInstance): boolean {
  const k = x.bases.length
  return k > 0 && x.images.length === k && x.proof.T.length === k && x.proof.z >= 0n && x.proof.z < Secp256k1.order
}

/** One proof: z·G_i == T_i + c·P_i for every i. Public data only. */
export function verifyDleq (x: DleqInstance): boolean {
  if (!wellFormed(x)) return false
  const c = dleqChallenge(x.ctx, x.bases, x.images, x.proof.T)
  const negC = mod(-c, Secp256k1.order)
  return x.bases.every((g, i) => msmPublicStraus([g, x.images[i]], [x.proof.z, negC]).equals(x.proof.T[i]))
}

/**
 * Many proofs at once: sum over proofs j and bases i of
 * ρ_ji·(z_j·G_ji − c_j·P_ji − T_ji) must be the identity, with 128-bit weights ρ
 * derived from a hash of every challenge (so fixed only after all proofs are).
 * True implies every proof is valid except with probability about 2^-128.
 * The base point G's terms are merged into one.
 */
export function batchVerifyDleq (xs: readonly DleqInstance[]): boolean {
  if (xs.length === 0) return true
  if (!xs.every(wellFormed)) return false
  const ord = Secp256k1.order
  const challenges = xs.map((x) => dleqChallenge(x.ctx, x.bases, x.images, x.proof.T))
  const seed = new Transcript('dleq/batch')
  challenges.forEach((c) => seed.scalar('c', c))
  const seedBytes = seed.digest()
  const points: SecpPoint[] = []
  const scalars: bigint[] = []
  let baseScalar = 0n
  xs.forEach((x, j) => {
    x.bases.forEach((g, i) => {
      const rho = new Transcript('dleq/batch/weight').bytes('seed', seedBytes).u32('proof', j).u32('base', i).challenge() >> 128n
      const zr = mod(rho * x.proof.z, ord)
      if (g.equals(Secp256k1.BASE)) baseScalar = mod(baseScalar + zr, ord)
      else { points.push(g); scalars.push(zr) }
      points.push(x.images[i], x.proof.T[i])
      scalars.push(mod(-rho * challenges[j], ord), mod(-rho, ord))
    })
  })
  return msmPublicStraus(points, scalars, baseScalar).equals(Secp256k1.ZERO)
}
