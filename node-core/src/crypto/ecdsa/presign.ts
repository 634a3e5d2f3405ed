/**
 * Presign rounds of honest-majority threshold ECDSA (DJNPØ20 family), as pure
 * functions with an injected rng. Spec: docs/ecdsa.md §3 (numbers below refer to it).
 *
 * Among participants P (|P| ≥ 2t+1, t the key degree) the rounds produce, without
 * opening k or k⁻¹: R = k·G, a public w = a·k, and at each j a degree-t share
 * α_j of k⁻¹ and a degree-2t share β_j of x·k⁻¹.
 */
import type { KeyShare } from '../key-share.js'
import { InvalidArgumentError, ProtocolAbortError } from '../../errors.js'
import { Secp256k1, mod, type SecpPoint } from '../group.js'
import { secureRng, type Rng } from '../random.js'
import {
  type ParticipantId, assertParticipantIds,
  evaluatePolynomial, randomPolynomial, verifyShare
} from '../shares.js'
import { EcdsaAbortCode } from './errors.js'
import {
  assertSessionId, encodeRound1,
  type PresignRound1Message, type PresignRound1Share, type PresignRound2Message
} from './messages.js'
import { type OpeningStatement, type SummedCommitments, proveOpening, verifyOpenings } from './opening-proof.js'
import { Presignature, type PresignPartyPublic, type PresignaturePublic } from './presignature.js'
import { interpolateAt, invertPublic } from './scalar.js'
import { sumColumnsPublic } from './msm.js'
import { pointsOnPolynomial } from './dual-code.js'
import { mulBaseSecretMany } from '../secp256k1/base-mul.js'
import { type Jacobian, INFINITY, jAddAffine, jDouble, toAffineBatch } from '../secp256k1/jacobian.js'
import { Transcript } from './transcript.js'

const n = Secp256k1.order

/** Who runs a presign, on which key. Identical at every participant except `me` and `keyShare`. */
export interface PresignContext {
  /** Unique per run (1..64 bytes); bound into every message and proof. */
  readonly sessionId: Uint8Array
  readonly keyShare: KeyShare<SecpPoint>
  /** Sorted presign participants; ⊆ the key's participants; |P| ≥ 2t+1; includes me. */
  readonly participants: readonly ParticipantId[]
}

/** Set-up checks (InvalidArgumentError): these can never work, whatever the others do. */
export function validatePresignContext (ctx: PresignContext): void {
  assertSessionId(ctx.sessionId)
  const P = ctx.participants
  assertParticipantIds(P)
  for (let i = 1; i < P.length; i++) if (P[i] <= P[i - 1]) throw new InvalidArgumentError('participants', 'must be sorted ascending')
  const pks = ctx.keyShare.publicKeySet
  if (pks.group.name !== 'secp256k1') throw new InvalidArgumentError('keyShare', 'threshold ECDSA needs a secp256k1 key')
  const t = pks.degree
  if (t < 1) throw new InvalidArgumentError('keyShare', 'key degree must be at least 1')
  if (P.length < 2 * t + 1) throw new InvalidArgumentError('participants', `${P.length} participants cannot presign for degree ${t}: need 2t+1 = ${2 * t + 1}`)
  if (P.some((id) => id > 0xffff)) throw new InvalidArgumentError('participants', 'ids must fit in u16')
  if (!P.includes(ctx.keyShare.id)) throw new InvalidArgumentError('participants', `must include this party (${ctx.keyShare.id})`)
  for (const id of P) {
    if (!pks.verificationShares.has(id)) throw new InvalidArgumentError('participants', `${id} holds no share of this key`)
  }
}

type Poly = 'k' | 'a' | 'b' | 'e'
const POLYS: readonly Poly[] = ['k', 'a', 'b', 'e']

/** The inverse of POLYS.flatMap over the four polynomials' lists: k, a have t+1 entries; b, e have 2t+1. */
function splitPolys<T> (flat: readonly T[], t: number): Record<Poly, T[]> {
  return { k: flat.slice(0, t + 1), a: flat.slice(t + 1, 2 * t + 2), b: flat.slice(2 * t + 2, 4 * t + 3), e: flat.slice(4 * t + 3) }
}

/** A dealer's four secret polynomials (never sent). */
export interface PresignRound1Secret {
  readonly k: readonly bigint[]
  readonly a: readonly bigint[]
  readonly b: readonly bigint[]
  readonly e: readonly bigint[]
}

/** Spec 3.1: deal random k_i, a_i (degree t) and zero sharings b_i, e_i (degree 2t). */
export function presignRound1 (ctx: PresignContext, rng: Rng = secureRng): {
  secret: PresignRound1Secret
  broadcast: PresignRound1Message
  /** One share per participant, including this party's own. */
  shares: Map<ParticipantId, PresignRound1Share>
} {
  validatePresignContext(ctx)
  const t = ctx.keyShare.publicKeySet.degree
  const secret: PresignRound1Secret = {
    k: randomPolynomial(Secp256k1, t, undefined, rng),
    a: randomPolynomial(Secp256k1, t, undefined, rng),
    b: randomPolynomial(Secp256k1, 2 * t, 0n, rng),
    e: randomPolynomial(Secp256k1, 2 * t, 0n, rng)
  }
  // All 6t+4 commitment points in one call: one (secret) inversion makes them affine for encoding.
  const broadcast: PresignRound1Message = {
    sessionId: ctx.sessionId,
    ...splitPolys(mulBaseSecretMany(POLYS.flatMap((p) => secret[p])), t)
  }
  const shares = new Map<ParticipantId, PresignRound1Share>()
  for (const j of ctx.participants) {
    shares.set(j, {
      sessionId: ctx.sessionId,
      k: evaluatePolynomial(Secp256k1, secret.k, j),
      a: evaluatePolynomial(Secp256k1, secret.a, j),
      b: evaluatePolynomial(Secp256k1, secret.b, j),
      e: evaluatePolynomial(Secp256k1, secret.e, j)
    })
  }
  return { secret, broadcast, shares }
}

/**
 * Public points of participant j after round 1 (computable by everyone) that
 * the presignature keeps. K_j and B_j are never needed as points: the opening
 * proofs fold them into the summed commitments (opening-proof.ts).
 */
export interface PresignPartyPoints {
  readonly A: SecpPoint
  readonly E: SecpPoint
}

/** What a party keeps between round 2 and the end. `k,a,b,e` are secret. */
export interface PresignRound2Secret {
  readonly k: bigint
  readonly a: bigint
  readonly b: bigint
  readonly e: bigint
  readonly points: ReadonlyMap<ParticipantId, PresignPartyPoints>
  /** Summed commitments C_k, C_a, C_b (public): the bases of everyone's opening proof. */
  readonly commitments: SummedCommitments
  readonly R: SecpPoint
  readonly round1Digest: Uint8Array
  readonly w: bigint
  readonly Y: SecpPoint
}

/** Spec 3.2: the digest every party echoes in round 2, over all round-1 broadcasts in id order. */
export function round1Digest (ctx: PresignContext, broadcasts: ReadonlyMap<ParticipantId, PresignRound1Message>): Uint8Array {
  const t = new Transcript('presign/round1').bytes('session', ctx.sessionId).ids('participants', ctx.participants)
  for (const id of ctx.participants) t.u32('dealer', id).bytes('round1', encodeRound1(broadcasts.get(id)!))
  return t.digest()
}

function openingStatement (ctx: PresignContext, round1Digest: Uint8Array, prover: ParticipantId, w: bigint, Y: SecpPoint): OpeningStatement {
  return { sessionId: ctx.sessionId, round1Digest, prover, X: ctx.keyShare.publicKeySet.verificationShares.get(prover)!, w, Y }
}

/**
 * Spec 3.2–3.6: check the received shares, derive everyone's public points,
 * open w_j = a_j·k_j + b_j and publish Y_j = a_j·X_j with one proof that the
 * same a_j is behind A_j, w_j·G − B_j (base K_j) and Y_j (base X_j).
 * Throws ProtocolAbortError naming dealers whose shares are wrong.
 */
export function presignRound2 (
  ctx: PresignContext,
  broadcasts: ReadonlyMap<ParticipantId, PresignRound1Message>,
  shares: ReadonlyMap<ParticipantId, PresignRound1Share>,
  rng: Rng = secureRng
): { secret: PresignRound2Secret, broadcast: PresignRound2Message } {
  const me = ctx.keyShare.id
  const P = ctx.participants
  for (const id of P) {
    if (!broadcasts.has(id) || !shares.has(id)) throw new InvalidArgumentError('round1', `missing the message of ${id}`)
  }
  const digest = round1Digest(ctx, broadcasts)

  // Spec 3.3: sum the shares and the commitments of all dealers (the commitments in one
  // call, column by column, so one inversion makes all 6t+4 sums affine).
  const sum = { k: 0n, a: 0n, b: 0n, e: 0n }
  for (const i of P) {
    const s = shares.get(i)!
    for (const p of POLYS) sum[p] = mod(sum[p] + s[p], n)
  }
  const t = ctx.keyShare.publicKeySet.degree
  const summed = splitPolys(sumColumnsPublic(P.map((i) => { const c = broadcasts.get(i)!; return POLYS.flatMap((p) => c[p]) })), t)

  // Spec 3.4: my summed shares must match the summed commitments at my id: p_me·G = C_p(me)
  // for p = k, a, b, e. Both sides are public points (everyone can evaluate C_p(me)), so the
  // four base multiplications go through the comb, batched with Y_j = a_j·x_j·G (3.6), and
  // the comparison is of affine points; four comb multiplications cost less than one
  // multi-scalar check with random weights. Only when it fails, check dealer by dealer to
  // name who sent a bad share. The evaluations of 3.5 (everyone's A_j, E_j) share the batch.
  const others = P.filter((j) => j !== me)
  const evaluated = evaluateAtSmall([
    ...POLYS.map((p) => ({ commitment: summed[p], at: me })),
    ...others.flatMap((j) => [{ commitment: summed.a, at: j }, { commitment: summed.e, at: j }])
  ])
  const mine = Object.fromEntries(POLYS.map((p, i) => [p, evaluated[i]])) as Record<Poly, SecpPoint>
  const xj = ctx.keyShare.secretShare
  const fromShares = mulBaseSecretMany([...POLYS.map((p) => sum[p]), mod(sum.a * xj, n)])
  const Y = fromShares[POLYS.length]
  const sumsOk = POLYS.every((p, i) => fromShares[i].equals(mine[p]))
  if (!sumsOk) {
    const culprits = P.filter((i) => POLYS.some((p) => !verifyShare(Secp256k1, broadcasts.get(i)![p], me, shares.get(i)![p])))
    throw new ProtocolAbortError('presign: a dealer sent a share that does not match its commitment', culprits, EcdsaAbortCode.BadShare)
  }

  // Spec 3.5: everyone's public points A_j, E_j, from the summed commitments alone.
  const points = new Map<ParticipantId, PresignPartyPoints>([[me, { A: mine.a, E: mine.e }]])
  others.forEach((j, idx) => points.set(j, { A: evaluated[POLYS.length + 2 * idx], E: evaluated[POLYS.length + 2 * idx + 1] }))
  const R = summed.k[0]
  if (R.equals(Secp256k1.ZERO)) throw new ProtocolAbortError('presign: R = k·G is the identity', [], EcdsaAbortCode.Degenerate)

  // Spec 3.6: open w_j; publish Y_j = a_j·X_j; prove one a_j behind A_j, w_j·G − B_j
  // (base K_j) and Y_j (base X_j). This party knows its bases' logs (K_j = k_j·G was
  // checked in 3.4, X_j = x_j·G by the key share), so it only multiplies G.
  const w = mod(sum.a * sum.k + sum.b, n)
  const proof = proveOpening(openingStatement(ctx, digest, me, w, Y), { a: sum.a, k: sum.k, x: xj }, rng)
  const commitments: SummedCommitments = { k: summed.k, a: summed.a, b: summed.b }
  const secret: PresignRound2Secret = { ...sum, points, commitments, R, round1Digest: digest, w, Y }
  return { secret, broadcast: { sessionId: ctx.sessionId, round1Digest: digest, w, Y, proof } }
}

/**
 * Spec 4.1–4.6: check every round-2 message, open w = a·k, and make the
 * presignature. Throws ProtocolAbortError naming parties whose echo is wrong, or
 * whose round-2 values break their codeword and whose proofs fail (§4.2).
 */
export function presignFinish (
  ctx: PresignContext,
  secret: PresignRound2Secret,
  round2: ReadonlyMap<ParticipantId, PresignRound2Message>,
  rng: Rng = secureRng
): Presignature {
  const me = ctx.keyShare.id
  const P = ctx.participants
  const pks = ctx.keyShare.publicKeySet
  const t = pks.degree
  for (const id of P) if (!round2.has(id)) throw new InvalidArgumentError('round2', `missing the message of ${id}`)

  // Spec 4.1: everyone must have seen the same round-1 broadcasts.
  const disagree = P.filter((j) => !equalBytes(round2.get(j)!.round1Digest, secret.round1Digest))
  if (disagree.length > 0) {
    throw new ProtocolAbortError('presign: parties saw different round-1 broadcasts', disagree, EcdsaAbortCode.InconsistentBroadcast)
  }

  // Spec 4.2–4.3. With at least 2t+1 honest parties among P (|P| ≥ 3t+1), the honest
  // w_j and Y_j fix their degree-2t polynomials, so values that lie on one polynomial
  // are the right ones and the proofs are not needed: they are checked only to name
  // whoever broke the codeword. With less redundancy the proofs are always checked.
  const ws = new Map(P.map((j) => [j, round2.get(j)!.w] as const))
  const base = new Map(P.slice(0, 2 * t + 1).map((j) => [j, ws.get(j)!] as const))
  const wsOff = P.slice(2 * t + 1).filter((j) => interpolateAt(base, j) !== ws.get(j))
  const codeDecides = P.length >= 3 * t + 1
  const onCode = codeDecides && wsOff.length === 0 &&
    pointsOnPolynomial(new Map(P.map((j) => [j, round2.get(j)!.Y] as const)), 2 * t, rng)
  if (!onCode) {
    const proofs = P.filter((j) => j !== me).map((j) => {
      const m = round2.get(j)!
      return { j, statement: openingStatement(ctx, secret.round1Digest, j, m.w, m.Y), proof: m.proof }
    })
    const bad = verifyOpenings(secret.commitments, proofs) ? [] : proofs.filter((x) => !verifyOpenings(secret.commitments, [x])).map((x) => x.j)
    if (bad.length > 0) throw new ProtocolAbortError('presign: a round-2 proof does not verify', bad, EcdsaAbortCode.BadProof)
    // Every proof holds, so every w_j and Y_j is right and on its polynomial: reaching
    // this needs a forged proof (or |P| < 3t+1, where wsOff is only a cheap recheck).
    if (wsOff.length > 0 || codeDecides) throw new ProtocolAbortError('presign: round-2 values off their polynomial, yet every proof verifies', wsOff, EcdsaAbortCode.BadProof)
  }
  const w = interpolateAt(base)
  if (w === 0n) throw new ProtocolAbortError('presign: w = a·k is zero', [], EcdsaAbortCode.Degenerate)

  // Spec 4.4: α_j = a_j / w (share of k⁻¹), β_j = (x_j·a_j + e_j) / w (share of x·k⁻¹,
  // masked by the zero sharing e/w), so that w·β_j·G = Y_j + E_j: a point addition.
  const wInv = invertPublic(w) // w is public (opened in 3.6)
  const alpha = mod(secret.a * wInv, n)
  const beta = mod((ctx.keyShare.secretShare * secret.a + secret.e) % n * wInv, n)

  // Spec 4.5: the id binds every value the presignature is made of, but not the proofs:
  // a prover who sends different (valid or ignored) proofs to different parties cannot
  // split the honest parties' ids.
  const idT = new Transcript('presign/id').bytes('session', ctx.sessionId).u32('degree', t)
    .ids('participants', P).point('publicKey', pks.publicKey).bytes('round1', secret.round1Digest)
  for (const j of P) { const m = round2.get(j)!; idT.u32('party', j).scalar('w', m.w).point('Y', m.Y) }
  const parties = new Map<ParticipantId, PresignPartyPublic>()
  for (const j of P) {
    const pts = secret.points.get(j)!
    parties.set(j, { A: pts.A, Y: round2.get(j)!.Y, E: pts.E })
  }
  const pub: PresignaturePublic = { id: idT.digest(), degree: t, participants: [...P], publicKey: pks.publicKey, R: secret.R, w, parties }
  return new Presignature(pub, me, alpha, beta)
}

/**
 * C(j) = Σ_i (j^i mod n)·C_i for public commitments and small public ids j, as affine
 * points (the identity where the sum is): per request one chain of doublings over the
 * bits of the powers of j with a mixed addition of C_i wherever j^i has a 1 (fewer
 * operations than Horner with its full additions for the ids of a committee), and one
 * batched inversion for all results.
 */
function evaluateAtSmall (requests: ReadonlyArray<{ commitment: readonly SecpPoint[], at: ParticipantId }>): SecpPoint[] {
  const sums = requests.map(({ commitment, at }) => {
    const terms: Array<{ k: bigint, x: bigint, y: bigint }> = []
    let power = 1n
    for (const C of commitment) {
      if (C.Z !== 0n) { const a = C.Z === 1n ? { x: C.X, y: C.Y } : C.toAffine(); terms.push({ k: power, ...a }) }
      power = power * BigInt(at) % n
    }
    let top = 0
    for (const { k } of terms) top = Math.max(top, k.toString(2).length)
    let acc: Jacobian = INFINITY
    for (let bit = top - 1; bit >= 0; bit--) {
      acc = jDouble(acc)
      for (const { k, x, y } of terms) if ((k >> BigInt(bit)) & 1n) acc = jAddAffine(acc, x, y)
    }
    return acc
  })
  const finite = sums.filter((J) => J.Z !== 0n)
  const affine = toAffineBatch(finite, invertPublic)
  let next = 0
  return sums.map((J) => (J.Z === 0n ? Secp256k1.ZERO : Secp256k1.Point.fromAffine(affine[next++])))
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}
