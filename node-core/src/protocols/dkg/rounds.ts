/**
 * The DKG as pure round functions (docs/dkg.md; shape after ZF frost-core's
 * `keys::dkg` and noble's `DKG.round1/2/3`): no I/O, randomness only from the
 * injected rng. Each round consumes the previous round's secret package (a
 * consumed package is refused, as is a package of the wrong step) and returns
 * the next one plus the public package to send.
 *
 * Secret packages never leave the party, print as "[DKG round-N secret]" and
 * drop their secrets once used. JS bigints are immutable, so "wiping" means
 * overwriting our references with 0n and clearing maps: best effort, as in
 * every JS implementation.
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { InvalidArgumentError } from '../../errors.js'
import type { KeyShare, PublicKeySet } from '../../crypto/key-share.js'
import { secureRng, type Rng } from '../../crypto/random.js'
import {
  type ParticipantId, addCommitments, assertParticipantIds, commitPolynomial, mulBaseSecretIn,
  evaluateCommitment, evaluatePolynomial, randomPolynomial, verifyShare
} from '../../crypto/shares.js'
import { GROUP_CODES, encodeDkgAnswer, encodeDkgComplaint, encodeDkgRound1 } from './codec.js'
import { SESSION_ID_MAX_BYTES, SESSION_ID_MIN_BYTES } from './constants.js'
import { NO_DIGEST, equalBytes, isNoDigest, lengthPrefixed, messageDigest } from './digest.js'
import { DkgStateError, dkgAbort } from './errors.js'
import { provePok, verifyPok } from './pok.js'
import type {
  DisqualificationReason, DkgAnswerPackage, DkgComplaintPackage, DkgContext, DkgOutcome,
  DkgResultPackage, DkgRound1Package, DkgSharePackage
} from './types.js'

// ---------------------------------------------------------------- set-up checks

/** Set-up checks (Spec 0): refuse parameters that can never work, naming the field. */
export function assertDkgContext<P extends CurvePoint<any, P>> (ctx: DkgContext<P>): void {
  if (ctx.group === undefined || !(ctx.group.name in GROUP_CODES)) throw new InvalidArgumentError('group', 'unknown group')
  if (!(ctx.sessionId instanceof Uint8Array) || ctx.sessionId.length < SESSION_ID_MIN_BYTES || ctx.sessionId.length > SESSION_ID_MAX_BYTES) {
    throw new InvalidArgumentError('sessionId', `must be ${SESSION_ID_MIN_BYTES}..${SESSION_ID_MAX_BYTES} bytes`)
  }
  assertParticipantIds(ctx.participants)
  for (let i = 0; i < ctx.participants.length; i++) {
    if (ctx.participants[i] > 0xffff) throw new InvalidArgumentError('participants', `id ${ctx.participants[i]} does not fit in u16`)
    if (i > 0 && ctx.participants[i] <= ctx.participants[i - 1]) throw new InvalidArgumentError('participants', 'must be sorted ascending')
  }
  const n = ctx.participants.length
  if (n < 2) throw new InvalidArgumentError('participants', 'a DKG needs at least 2 parties')
  if (!Number.isSafeInteger(ctx.degree) || ctx.degree < 1 || ctx.degree > n - 1) {
    throw new InvalidArgumentError('degree', `must be an integer in 1..${n - 1} for ${n} parties`)
  }
}

function assertMember<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, me: ParticipantId): void {
  if (!ctx.participants.includes(me)) throw new InvalidArgumentError('me', `${me} is not among the participants`)
}

// ---------------------------------------------------------------- secret packages

const inspect = Symbol.for('nodejs.util.inspect.custom')

/** Base of the per-round secret state: one-time use, redacted when printed. */
abstract class DkgSecret<P extends CurvePoint<any, P>> {
  abstract readonly step: 1 | 2 | 3 | 4
  private used = false

  constructor (readonly ctx: DkgContext<P>, readonly me: ParticipantId) {}

  /** Mark as consumed by the round that expects `step`; refuse reuse and out-of-order use. */
  consume (step: 1 | 2 | 3 | 4): void {
    if (this.step !== step) throw new DkgStateError(`expected the round-${step} secret package, got round-${this.step}`)
    if (this.used) throw new DkgStateError(`the round-${step} secret package was already used`)
    this.used = true
  }

  get consumed (): boolean { return this.used }

  toString (): string { return `[DKG round-${this.step} secret]` }
  toJSON (): string { return this.toString() }
  [inspect] (): string { return this.toString() }
}

/** After round 1: the evaluations f_me(j) still owed to complainers. */
export class DkgRound1Secret<P extends CurvePoint<any, P>> extends DkgSecret<P> {
  readonly step = 1 as const
  constructor (ctx: DkgContext<P>, me: ParticipantId,
    /** f_me(j) for every participant j (including me). Secret. */
    readonly sharesOut: Map<ParticipantId, bigint>,
    readonly round1: DkgRound1Package<P>) { super(ctx, me) }
}

/** After round 2: accepted broadcasts, verified shares, own complaint. */
export class DkgRound2Secret<P extends CurvePoint<any, P>> extends DkgSecret<P> {
  readonly step = 2 as const
  constructor (ctx: DkgContext<P>, me: ParticipantId,
    readonly sharesOut: Map<ParticipantId, bigint>,
    /** Round-1 broadcasts this party accepted (PoK valid), its own included. */
    readonly round1: ReadonlyMap<ParticipantId, DkgRound1Package<P>>,
    /** Shares f_i(me) that passed the Feldman check, its own included. Secret. */
    readonly sharesIn: Map<ParticipantId, bigint>,
    readonly complaint: DkgComplaintPackage) { super(ctx, me) }
}

/** After round 3: everything needed to decide QUAL. */
export class DkgRound3Secret<P extends CurvePoint<any, P>> extends DkgSecret<P> {
  readonly step = 3 as const
  constructor (ctx: DkgContext<P>, me: ParticipantId,
    readonly round1: ReadonlyMap<ParticipantId, DkgRound1Package<P>>,
    readonly sharesIn: Map<ParticipantId, bigint>,
    /** Complaints received, its own included. */
    readonly complaints: ReadonlyMap<ParticipantId, DkgComplaintPackage>,
    readonly answer: DkgAnswerPackage) { super(ctx, me) }
}

/** After round 4: the computed key share, waiting for everyone's confirmation. */
export class DkgRound4Secret<P extends CurvePoint<any, P>> extends DkgSecret<P> {
  readonly step = 4 as const
  constructor (ctx: DkgContext<P>, me: ParticipantId,
    readonly outcome: DkgOutcome<P>,
    public secretShare: bigint,
    readonly result: DkgResultPackage<P>) { super(ctx, me) }

  /** Parties whose round-4 confirmation must arrive: everyone qualified except me. */
  get confirmersRequired (): ParticipantId[] {
    return this.ctx.participants.filter((k) => k !== this.me && !this.outcome.disqualified.has(k))
  }
}

function wipe (m: Map<ParticipantId, bigint>): void {
  for (const k of m.keys()) m.set(k, 0n)
  m.clear()
}

// ---------------------------------------------------------------- round 1

export interface DkgRound1Output<P extends CurvePoint<any, P>> {
  secret: DkgRound1Secret<P>
  /** Broadcast to everyone. */
  broadcast: DkgRound1Package<P>
  /** Send each one privately to its receiver (the entry for `me` stays here). */
  shares: Map<ParticipantId, DkgSharePackage>
}

/** Spec 1: sample f_me, commit, prove knowledge of f_me(0), evaluate for everyone. */
export function dkgRound1<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, me: ParticipantId, rng: Rng = secureRng): DkgRound1Output<P> {
  assertDkgContext(ctx)
  assertMember(ctx, me)
  const { group, degree } = ctx
  // Spec 1.1: f_me of degree t with uniformly random non-zero coefficients.
  const poly = randomPolynomial(group, degree, undefined, rng)
  // Spec 1.2: Feldman commitment C = [a_0·G, …, a_t·G].
  const commitment = commitPolynomial(group, poly)
  // Spec 1.3: PoK of a_0 bound to (version, group, sessionId, me).
  const proof = provePok(ctx, me, poly[0], commitment[0], rng)
  // Spec 1.4: f_me(j) for every j, ourselves included.
  const sharesOut = new Map<ParticipantId, bigint>()
  for (const j of ctx.participants) sharesOut.set(j, evaluatePolynomial(group, poly, j))
  poly.fill(0n) // the coefficients are no longer needed: only evaluations are ever revealed
  const broadcast: DkgRound1Package<P> = { commitment, proof }
  const shares = new Map<ParticipantId, DkgSharePackage>()
  for (const [j, s] of sharesOut) if (j !== me) shares.set(j, { share: s })
  return { secret: new DkgRound1Secret(ctx, me, sharesOut, broadcast), broadcast, shares }
}

// ---------------------------------------------------------------- round 2

export interface DkgRound2Output<P extends CurvePoint<any, P>> {
  secret: DkgRound2Secret<P>
  /** Broadcast to everyone. */
  complaint: DkgComplaintPackage
}

/**
 * Spec 2: verify every dealer's proof and share; accuse dealers whose share is
 * missing or wrong; report a digest of every round-1 broadcast accepted.
 * `round1` and `shares` hold what arrived from the others (missing entries are
 * fine: they count as not received).
 */
export function dkgRound2<P extends CurvePoint<any, P>> (
  secret: DkgRound1Secret<P>,
  round1: ReadonlyMap<ParticipantId, DkgRound1Package<P>>,
  shares: ReadonlyMap<ParticipantId, DkgSharePackage>
): DkgRound2Output<P> {
  secret.consume(1)
  const { ctx, me } = secret
  const { group, degree } = ctx
  const accepted = new Map<ParticipantId, DkgRound1Package<P>>([[me, secret.round1]])
  const sharesIn = new Map<ParticipantId, bigint>([[me, secret.sharesOut.get(me)!]])
  const accused: ParticipantId[] = []
  for (const i of ctx.participants) {
    if (i === me) continue
    const pkg = round1.get(i)
    // Spec 2.1: a broadcast counts only with the right length and a valid proof.
    if (pkg === undefined || pkg.commitment.length !== degree + 1 || !verifyPok(ctx, i, pkg.commitment[0], pkg.proof)) continue
    accepted.set(i, pkg)
    // Spec 2.2: Feldman check of f_i(me) against C_i; accuse when missing or wrong.
    const s = shares.get(i)?.share
    if (s !== undefined && verifyShare(group, pkg.commitment, me, s)) sharesIn.set(i, s)
    else accused.push(i)
  }
  // Spec 2.3: echo what we accepted, so equivocation shows up in round 3.
  const round1Digests = ctx.participants.map((i) => {
    const pkg = accepted.get(i)
    return pkg === undefined ? NO_DIGEST : messageDigest(encodeDkgRound1(ctx, pkg))
  })
  const complaint: DkgComplaintPackage = { accused, round1Digests }
  return { secret: new DkgRound2Secret(ctx, me, secret.sharesOut, accepted, sharesIn, complaint), complaint }
}

// ---------------------------------------------------------------- round 3

export interface DkgRound3Output<P extends CurvePoint<any, P>> {
  secret: DkgRound3Secret<P>
  /** Broadcast to everyone (also when no one complained: it carries the round-2 echo). */
  answer: DkgAnswerPackage
}

/** Spec 3: publish f_me(k) for every complainer k; echo a digest of every complaint received. */
export function dkgRound3<P extends CurvePoint<any, P>> (
  secret: DkgRound2Secret<P>,
  complaints: ReadonlyMap<ParticipantId, DkgComplaintPackage>
): DkgRound3Output<P> {
  secret.consume(2)
  const { ctx, me } = secret
  const all = new Map<ParticipantId, DkgComplaintPackage>()
  for (const [k, c] of complaints) if (k !== me && ctx.participants.includes(k)) all.set(k, c)
  all.set(me, secret.complaint)
  // Spec 3.1: answer every complaint against us with the share itself.
  const revealed = new Map<ParticipantId, bigint>()
  for (const [k, c] of all) {
    if (k !== me && c.accused.includes(me)) revealed.set(k, secret.sharesOut.get(k)!)
  }
  // Spec 3.2: echo of round 2.
  const round2Digests = ctx.participants.map((k) => {
    const c = all.get(k)
    return c === undefined ? NO_DIGEST : messageDigest(encodeDkgComplaint(ctx, c))
  })
  wipe(secret.sharesOut) // nothing more is owed to anyone
  const answer: DkgAnswerPackage = { revealed, round2Digests }
  return { secret: new DkgRound3Secret(ctx, me, secret.round1, secret.sharesIn, all, answer), answer }
}

// ---------------------------------------------------------------- round 4

export interface DkgRound4Output<P extends CurvePoint<any, P>> {
  secret: DkgRound4Secret<P>
  /** Broadcast to everyone: the result, to be confirmed. */
  result: DkgResultPackage<P>
}

const REASON_RANK: Readonly<Record<DisqualificationReason, number>> = {
  'round1-missing': 0,
  'round1-equivocated': 1,
  'complaint-missing': 2,
  'complaint-equivocated': 3,
  'answer-missing': 4,
  'complaint-unanswered': 5,
  'answer-invalid': 6
}

/** Digests reported about `target` by `reporters`; 'unequal' when they disagree. */
function agreedDigest (reports: Iterable<Uint8Array>): Uint8Array | 'unequal' | undefined {
  let first: Uint8Array | undefined
  for (const d of reports) {
    if (first === undefined) first = d
    else if (!equalBytes(first, d)) return 'unequal'
  }
  return first
}

/**
 * Spec 4: decide QUAL from the echoes, complaints and answers, then add up the
 * qualified dealers' shares and commitments. Every input of the decision is
 * covered by the digests that round 5 compares, so parties that confirm each
 * other computed the same QUAL. Throws ProtocolAbortError when fewer than t+1
 * dealers qualify.
 */
export function dkgRound4<P extends CurvePoint<any, P>> (
  secret: DkgRound3Secret<P>,
  answers: ReadonlyMap<ParticipantId, DkgAnswerPackage>
): DkgRound4Output<P> {
  secret.consume(3)
  const { ctx, me } = secret
  const { group, degree, participants } = ctx
  const index = new Map(participants.map((id, i) => [id, i] as const))
  const all = new Map<ParticipantId, DkgAnswerPackage>()
  for (const [k, a] of answers) if (k !== me && index.has(k)) all.set(k, a)
  all.set(me, secret.answer)
  const disqualified = new Map<ParticipantId, DisqualificationReason>()
  // A dealer can fail several checks; report the earliest round it failed in.
  const disqualify = (id: ParticipantId, why: DisqualificationReason): void => {
    const prev = disqualified.get(id)
    if (prev === undefined || REASON_RANK[why] < REASON_RANK[prev]) disqualified.set(id, why)
  }

  // Spec 4.1: silent in round 3.
  for (const k of participants) if (!all.has(k)) disqualify(k, 'answer-missing')
  const answered = participants.filter((k) => all.has(k))

  // Spec 4.2: round-2 echo. A complaint counts only when every answerer saw the same one.
  const complainers: ParticipantId[] = []
  for (const k of participants) {
    const d = agreedDigest(answered.map((r) => all.get(r)!.round2Digests[index.get(k)!]))
    if (d === 'unequal') disqualify(k, 'complaint-equivocated')
    else if (d === undefined || isNoDigest(d)) disqualify(k, 'complaint-missing')
    else complainers.push(k)
  }

  // Spec 4.3: round-1 echo, over the complaints that count; a dealer's word about itself does not count.
  for (const i of participants) {
    const d = agreedDigest(complainers.filter((k) => k !== i).map((k) => secret.complaints.get(k)!.round1Digests[index.get(i)!]))
    if (d === 'unequal') { disqualify(i, 'round1-equivocated'); continue }
    if (d === undefined || isNoDigest(d)) { disqualify(i, 'round1-missing'); continue }
    if (disqualified.has(i) || i === me) continue
    const mine = secret.round1.get(i)
    if (mine === undefined || !equalBytes(messageDigest(encodeDkgRound1(ctx, mine)), d)) {
      // Everyone whose complaint counts agrees, and we do not: our own view is off.
      throw dkgAbort(`this party did not accept the round-1 broadcast of ${i} that the others agree on`, [])
    }
  }

  // Spec 4.4: every complaint that counts must be answered with a share matching C_i,
  // and every share a dealer reveals must match C_i.
  for (const k of complainers) {
    for (const i of secret.complaints.get(k)!.accused) {
      if (i === k || disqualified.has(i)) continue
      const s = all.get(i)!.revealed.get(k)
      if (s === undefined) disqualify(i, 'complaint-unanswered')
    }
  }
  for (const i of participants) {
    if (disqualified.has(i)) continue
    const C = secret.round1.get(i)!.commitment
    for (const [k, s] of all.get(i)!.revealed) {
      if (!verifyShare(group, C, k, s)) { disqualify(i, 'answer-invalid'); break }
    }
  }

  // Spec 4.5: QUAL needs t+1 dealers so that at least one honest dealer contributes.
  const qual = participants.filter((i) => !disqualified.has(i))
  if (qual.length < degree + 1) {
    throw dkgAbort(`only ${qual.length} dealers qualified, ${degree + 1} needed`, disqualified.keys())
  }

  // Spec 4.6: x_me = Σ_{i∈QUAL} f_i(me), using the revealed share where we complained.
  let secretShare = 0n
  for (const i of qual) {
    let s = secret.sharesIn.get(i)
    if (s === undefined) {
      const r = all.get(i)!.revealed.get(me)
      if (r !== undefined && verifyShare(group, secret.round1.get(i)!.commitment, me, r)) s = r
    }
    if (s === undefined) throw dkgAbort(`no valid share from qualified dealer ${i} (this party's complaint did not count)`, [])
    secretShare = (secretShare + s) % group.order
  }
  wipe(secret.sharesIn)

  // Spec 4.7: the joint commitment, public key and verification shares.
  let commitment: P[] = [...secret.round1.get(qual[0])!.commitment]
  for (const i of qual.slice(1)) commitment = addCommitments(group, commitment, secret.round1.get(i)!.commitment)
  const publicKey = commitment[0]
  if (publicKey.equals(group.ZERO)) throw dkgAbort('the joint public key is the identity', [])
  const verificationShares = new Map(participants.map((k) => [k, evaluateCommitment(group, commitment, k)] as const))
  const [myImage] = mulBaseSecretIn(group, [secretShare])
  if (!myImage.equals(verificationShares.get(me)!)) throw dkgAbort('own share does not match the joint commitment', [])

  const publicKeySet: PublicKeySet<P> = { group, degree, participants: [...participants], publicKey, verificationShares, epoch: 0 }
  // Spec 4.8: the result to confirm, with the round-3 echo.
  const round3Digests = participants.map((k) => {
    const a = all.get(k)
    return a === undefined ? NO_DIGEST : messageDigest(encodeDkgAnswer(ctx, a))
  })
  const result: DkgResultPackage<P> = { qual, publicKey, commitmentDigest: commitmentDigest(ctx, commitment), round3Digests }
  const sortedDisqualified = new Map([...disqualified].sort((a, b) => a[0] - b[0]))
  const outcome: DkgOutcome<P> = { qual, disqualified: sortedDisqualified, commitment, publicKeySet }
  return { secret: new DkgRound4Secret(ctx, me, outcome, secretShare, result), result }
}

// ---------------------------------------------------------------- round 5 (finish)

/**
 * Spec 5: every qualified party must have confirmed the same transcript and
 * result; then the key share is ours. Missing confirmations abort (naming the
 * silent parties): a key is only used when all qualified parties hold it.
 */
export function dkgFinish<P extends CurvePoint<any, P>> (
  secret: DkgRound4Secret<P>,
  results: ReadonlyMap<ParticipantId, DkgResultPackage<P>>
): KeyShare<P> {
  secret.consume(4)
  const { ctx, me, result: mine } = secret
  const required = secret.confirmersRequired
  const missing = required.filter((k) => !results.has(k))
  if (missing.length > 0) { secret.secretShare = 0n; throw dkgAbort('result confirmation missing', missing) }
  // Spec 5.1: a round-3 answer seen differently by two parties names its sender.
  const culprits = new Set<ParticipantId>()
  for (const k of required) {
    const theirs = results.get(k)!
    ctx.participants.forEach((x, i) => { if (!equalBytes(theirs.round3Digests[i], mine.round3Digests[i])) culprits.add(x) })
  }
  // Spec 5.2: same transcript but a different result: the reporter miscomputed or lies.
  if (culprits.size === 0) {
    for (const k of required) if (!sameResult(results.get(k)!, mine)) culprits.add(k)
  }
  if (culprits.size > 0) { secret.secretShare = 0n; throw dkgAbort('parties disagree on the transcript or the result', culprits) }
  const share: KeyShare<P> = { id: me, secretShare: secret.secretShare, publicKeySet: secret.outcome.publicKeySet }
  secret.secretShare = 0n
  return share
}

function sameResult<P extends CurvePoint<any, P>> (a: DkgResultPackage<P>, b: DkgResultPackage<P>): boolean {
  return a.qual.length === b.qual.length && a.qual.every((id, i) => id === b.qual[i]) &&
    a.publicKey.equals(b.publicKey) && equalBytes(a.commitmentDigest, b.commitmentDigest)
}

/** Digest of a joint commitment: the points' encodings under the session's digest label. */
export function commitmentDigest<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, commitment: readonly P[]): Uint8Array {
  return messageDigest(lengthPrefixed([ctx.sessionId, ...commitment.map((p) => p.toBytes())]))
}
