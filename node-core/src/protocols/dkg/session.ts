/**
 * DkgSession: the DKG rounds (rounds.ts) behind the ProtocolSession interface
 * (protocols/types.ts). Spec: docs/dkg.md, "Session".
 *
 * The session buffers messages that arrive early, refuses messages that are
 * malformed, from strangers, duplicated or late (a refused message changes
 * nothing), and advances a round when every expected message is in or when
 * the transport calls expire(). Allowed transitions (one per round):
 *   start → round1 → round2 → round3 → round4 → done, and any round → aborted.
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { InvalidArgumentError, MalformedMessageError, ProtocolAbortError } from '../../errors.js'
import type { KeyShare } from '../../crypto/key-share.js'
import { secureRng, type Rng } from '../../crypto/random.js'
import type { ParticipantId } from '../../crypto/shares.js'
import { WireKind } from '../../crypto/wire.js'
import type { Action, ProtocolSession } from '../types.js'
import {
  decodeDkgAnswer, decodeDkgComplaint, decodeDkgResult, decodeDkgRound1, decodeDkgShare,
  encodeDkgAnswer, encodeDkgComplaint, encodeDkgResult, encodeDkgRound1, encodeDkgShare, peekKind
} from './codec.js'
import { DuplicateMessageError, UnexpectedMessageError, UnknownSenderError } from './errors.js'
import {
  type DkgRound1Secret, type DkgRound2Secret, type DkgRound3Secret, type DkgRound4Secret,
  assertDkgContext, dkgFinish, dkgRound1, dkgRound2, dkgRound3, dkgRound4
} from './rounds.js'
import type {
  DkgAnswerPackage, DkgComplaintPackage, DkgContext, DkgOutcome, DkgParams,
  DkgResultPackage, DkgRound1Package, DkgSharePackage
} from './types.js'

export type DkgPhase = 'start' | 'round1' | 'round2' | 'round3' | 'round4' | 'done' | 'aborted'

/** The one allowed successor of each phase (besides 'aborted'). */
export const DKG_TRANSITIONS: Readonly<Record<DkgPhase, DkgPhase | undefined>> = {
  start: 'round1',
  round1: 'round2',
  round2: 'round3',
  round3: 'round4',
  round4: 'done',
  done: undefined,
  aborted: undefined
}

const ORDER: Readonly<Record<DkgPhase, number>> = { start: 0, round1: 1, round2: 2, round3: 3, round4: 4, done: 5, aborted: 5 }

/** Which wire kind belongs to which round, and the last phase that still accepts it. */
const ACCEPTED_UNTIL: Readonly<Record<number, DkgPhase>> = {
  [WireKind.DkgRound1]: 'round1',
  [WireKind.DkgRound2Share]: 'round1',
  [WireKind.DkgComplaint]: 'round2',
  [WireKind.DkgComplaintAnswer]: 'round3',
  [WireKind.DkgResult]: 'round4'
}

export class DkgSession<P extends CurvePoint<any, P>> implements ProtocolSession<KeyShare<P>> {
  readonly participants: readonly ParticipantId[]
  readonly me: ParticipantId
  private readonly ctx: DkgContext<P>
  private readonly rng: Rng
  private phase: DkgPhase = 'start'
  private expiredPhase: DkgPhase | undefined
  private abortError: ProtocolAbortError | undefined
  private outcomeValue: DkgOutcome<P> | undefined
  private readonly inbox = {
    round1: new Map<ParticipantId, DkgRound1Package<P>>(),
    shares: new Map<ParticipantId, DkgSharePackage>(),
    complaints: new Map<ParticipantId, DkgComplaintPackage>(),
    answers: new Map<ParticipantId, DkgAnswerPackage>(),
    results: new Map<ParticipantId, DkgResultPackage<P>>()
  }

  private secret1: DkgRound1Secret<P> | undefined
  private secret2: DkgRound2Secret<P> | undefined
  private secret3: DkgRound3Secret<P> | undefined
  private secret4: DkgRound4Secret<P> | undefined

  constructor (params: DkgParams<P>) {
    const ctx: DkgContext<P> = {
      group: params.group,
      sessionId: params.sessionId instanceof Uint8Array ? params.sessionId.slice() : params.sessionId,
      degree: params.degree,
      participants: [...params.participants]
    }
    assertDkgContext(ctx)
    if (!ctx.participants.includes(params.me)) throw new InvalidArgumentError('me', `${params.me} is not among the participants`)
    this.ctx = ctx
    this.participants = ctx.participants
    this.me = params.me
    this.rng = params.rng ?? secureRng
  }

  /** Where the session is (for status displays and tests). */
  get state (): DkgPhase { return this.phase }

  /** QUAL, who was disqualified and why, and the joint commitment; set once the run returned. */
  get outcome (): DkgOutcome<P> | undefined { return this.outcomeValue }

  message (from: ParticipantId, data: Uint8Array): void {
    if (from === this.me || !this.participants.includes(from)) throw new UnknownSenderError(from)
    if (this.phase === 'done' || this.phase === 'aborted') throw new UnexpectedMessageError(from, 'the session has ended')
    const kind = peekKind(data)
    const until = kind === undefined ? undefined : ACCEPTED_UNTIL[kind]
    if (kind === undefined || until === undefined) throw new MalformedMessageError('DkgMessage', `unknown kind ${String(kind)}`)
    if (ORDER[this.phase] > ORDER[until]) throw new UnexpectedMessageError(from, `late message of kind ${kind}: its round has closed`)
    const { ctx, inbox } = this
    switch (kind) {
      case WireKind.DkgRound1:
        store(inbox.round1, from, decodeDkgRound1(ctx, data), 'round-1 broadcast')
        break
      case WireKind.DkgRound2Share:
        store(inbox.shares, from, decodeDkgShare(ctx, data), 'share')
        break
      case WireKind.DkgComplaint: {
        const c = decodeDkgComplaint(ctx, data)
        if (c.accused.includes(from)) throw new UnexpectedMessageError(from, 'a complaint cannot accuse its own sender')
        store(inbox.complaints, from, c, 'complaint')
        break
      }
      case WireKind.DkgComplaintAnswer: {
        const a = decodeDkgAnswer(ctx, data)
        if (a.revealed.has(from)) throw new UnexpectedMessageError(from, 'an answer cannot reveal a share for its own sender')
        store(inbox.answers, from, a, 'answer')
        break
      }
      case WireKind.DkgResult:
        store(inbox.results, from, decodeDkgResult(ctx, data), 'result')
        break
    }
  }

  /** For the transport's deadline: a message the current phase does not wait for yet. */
  isEarly (data: Uint8Array): boolean {
    const kind = peekKind(data)
    const until = kind === undefined ? undefined : ACCEPTED_UNTIL[kind]
    return until !== undefined && ORDER[until] > ORDER[this.phase]
  }

  /** The current round's deadline passed: missing messages of this round will never come. */
  expire (): void {
    if (ORDER[this.phase] >= 1 && ORDER[this.phase] <= 4) this.expiredPhase = this.phase
  }

  poke (): Array<Action<KeyShare<P>>> {
    if (this.abortError !== undefined) throw this.abortError
    try {
      return this.advance()
    } catch (err) {
      if (err instanceof ProtocolAbortError) {
        this.abortError = err
        this.phase = 'aborted'
      }
      throw err
    }
  }

  private advance (): Array<Action<KeyShare<P>>> {
    const actions: Array<Action<KeyShare<P>>> = []
    const { ctx, inbox } = this
    for (;;) {
      switch (this.phase) {
        case 'start': {
          // Spec 1
          const out = dkgRound1(ctx, this.me, this.rng)
          this.secret1 = out.secret
          actions.push({ kind: 'send-all', data: encodeDkgRound1(ctx, out.broadcast) })
          for (const [to, pkg] of out.shares) actions.push({ kind: 'send-private', to, data: encodeDkgShare(ctx, pkg) })
          this.enter('round1')
          break
        }
        case 'round1': {
          if (!this.roundDone((k) => inbox.round1.has(k) && inbox.shares.has(k))) return actions
          // Spec 2
          const out = dkgRound2(this.secret1!, inbox.round1, inbox.shares)
          this.secret1 = undefined
          inbox.shares.clear()
          this.secret2 = out.secret
          actions.push({ kind: 'send-all', data: encodeDkgComplaint(ctx, out.complaint) })
          this.enter('round2')
          break
        }
        case 'round2': {
          if (!this.roundDone((k) => inbox.complaints.has(k))) return actions
          // Spec 3
          const out = dkgRound3(this.secret2!, inbox.complaints)
          this.secret2 = undefined
          this.secret3 = out.secret
          actions.push({ kind: 'send-all', data: encodeDkgAnswer(ctx, out.answer) })
          this.enter('round3')
          break
        }
        case 'round3': {
          if (!this.roundDone((k) => inbox.answers.has(k))) return actions
          // Spec 4
          const out = dkgRound4(this.secret3!, inbox.answers)
          this.secret3 = undefined
          this.secret4 = out.secret
          actions.push({ kind: 'send-all', data: encodeDkgResult(ctx, out.result) })
          this.enter('round4')
          break
        }
        case 'round4': {
          const secret = this.secret4!
          const required = secret.confirmersRequired
          if (!required.every((k) => inbox.results.has(k)) && this.expiredPhase !== 'round4') return actions
          // Spec 5
          const share = dkgFinish(secret, inbox.results)
          this.outcomeValue = secret.outcome
          this.secret4 = undefined
          this.enter('done')
          actions.push({ kind: 'return', output: share })
          return actions
        }
        default:
          return actions
      }
    }
  }

  /** Round complete: `have(k)` for every other participant, or the round expired. */
  private roundDone (have: (k: ParticipantId) => boolean): boolean {
    return this.expiredPhase === this.phase || this.participants.every((k) => k === this.me || have(k))
  }

  private enter (next: DkgPhase): void {
    if (DKG_TRANSITIONS[this.phase] !== next) throw new Error(`DKG: transition ${this.phase} → ${next} is not allowed`)
    this.phase = next
  }
}

function store<V> (map: Map<ParticipantId, V>, from: ParticipantId, value: V, what: string): void {
  if (map.has(from)) throw new DuplicateMessageError(from, what)
  map.set(from, value)
}
