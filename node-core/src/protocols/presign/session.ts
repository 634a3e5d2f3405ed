/**
 * The presign protocol as a state machine (poke/message), over the pure rounds
 * in crypto/ecdsa/presign.ts. Spec: docs/ecdsa.md §3–4.
 *
 * States: round1 (collect every dealer's broadcast and private share)
 *      → round2 (collect every party's w_j, Y_j, proof) → done | aborted.
 * Messages for a later round may arrive early and are kept; nothing is
 * accepted twice, from outside P, or for another session.
 */
import { MalformedMessageError, ProtocolAbortError } from '../../errors.js'
import type { SecpPoint } from '../../crypto/group.js'
import type { KeyShare } from '../../crypto/key-share.js'
import { secureRng, type Rng } from '../../crypto/random.js'
import type { ParticipantId } from '../../crypto/shares.js'
import { WireKind } from '../../crypto/wire.js'
import {
  EcdsaAbortCode, type Presignature, type PresignContext, type PresignRound1Message, type PresignRound1Share,
  type PresignRound2Message, type PresignRound2Secret,
  decodeRound1, decodeRound1Share, decodeRound2, encodeRound1, encodeRound1Share, encodeRound2,
  presignFinish, presignRound1, presignRound2, validatePresignContext
} from '../../crypto/ecdsa/index.js'
import type { Action, ProtocolSession } from '../types.js'

export interface PresignSessionOptions {
  readonly keyShare: KeyShare<SecpPoint>
  /** Sorted presign participants (default in callers: the whole committee). */
  readonly participants: readonly ParticipantId[]
  /** Unique per run, agreed by all participants beforehand (1..64 bytes). */
  readonly sessionId: Uint8Array
  readonly rng?: Rng
}

type State = 'start' | 'round1' | 'round2' | 'done' | 'aborted'

export class PresignSession implements ProtocolSession<Presignature> {
  readonly participants: readonly ParticipantId[]
  readonly me: ParticipantId
  private readonly ctx: PresignContext
  private readonly rng: Rng
  private state: State = 'start'
  private readonly r1 = new Map<ParticipantId, PresignRound1Message>()
  private readonly r1Shares = new Map<ParticipantId, PresignRound1Share>()
  private readonly r2 = new Map<ParticipantId, PresignRound2Message>()
  private r2Secret: PresignRound2Secret | undefined
  private failure: ProtocolAbortError | undefined
  private silent: ParticipantId[] | undefined

  constructor (opts: PresignSessionOptions) {
    this.ctx = { keyShare: opts.keyShare, participants: [...opts.participants], sessionId: opts.sessionId.slice() }
    validatePresignContext(this.ctx)
    this.participants = this.ctx.participants
    this.me = opts.keyShare.id
    this.rng = opts.rng ?? secureRng
  }

  get sessionId (): Uint8Array { return this.ctx.sessionId.slice() }

  poke (): Array<Action<Presignature>> {
    if (this.failure !== undefined) throw this.failure
    try {
      return this.advance()
    } catch (err) {
      if (err instanceof ProtocolAbortError) { this.state = 'aborted'; this.failure = err; this.r2Secret = undefined }
      throw err
    }
  }

  private advance (): Array<Action<Presignature>> {
    const out: Array<Action<Presignature>> = []
    if (this.state === 'start') {
      // Spec 3.1: deal.
      const { broadcast, shares } = presignRound1(this.ctx, this.rng)
      this.r1.set(this.me, broadcast)
      this.r1Shares.set(this.me, shares.get(this.me)!)
      out.push({ kind: 'send-all', data: encodeRound1(broadcast) })
      for (const [to, share] of shares) if (to !== this.me) out.push({ kind: 'send-private', to, data: encodeRound1Share(share) })
      this.state = 'round1'
    }
    if (this.state === 'round1') {
      const missing = this.participants.filter((j) => !this.r1.has(j) || !this.r1Shares.has(j))
      if (missing.length > 0) { this.checkSilent(missing); return out }
      const { secret, broadcast } = presignRound2(this.ctx, this.r1, this.r1Shares, this.rng)
      this.r1Shares.clear() // secret shares are summed into r2Secret now
      this.r2Secret = secret
      this.r2.set(this.me, broadcast)
      out.push({ kind: 'send-all', data: encodeRound2(broadcast) })
      this.state = 'round2'
    }
    if (this.state === 'round2') {
      const missing = this.participants.filter((j) => !this.r2.has(j))
      if (missing.length > 0) { this.checkSilent(missing); return out }
      const presignature = presignFinish(this.ctx, this.r2Secret!, this.r2, this.rng)
      this.r2Secret = undefined
      this.state = 'done'
      out.push({ kind: 'return', output: presignature })
    }
    return out
  }

  message (from: ParticipantId, data: Uint8Array): void {
    if (!this.participants.includes(from) || from === this.me) throw new MalformedMessageError('from', `${from} is not another participant of this session`)
    if (this.state === 'done' || this.state === 'aborted') throw new MalformedMessageError('message', `session is ${this.state}`)
    if (!(data instanceof Uint8Array) || data.length < 3) throw new MalformedMessageError('message', 'too short for a header')
    // Decode fully (strict) before touching any state.
    const t = this.ctx.keyShare.publicKeySet.degree
    switch (data[2]) {
      case WireKind.PresignRound1: {
        const m = decodeRound1(data, t)
        this.checkSession(m.sessionId)
        if (this.r1.has(from)) throw new MalformedMessageError('PresignRound1', `second round-1 broadcast from ${from}`)
        this.r1.set(from, m)
        return
      }
      case WireKind.PresignRound1Share: {
        const m = decodeRound1Share(data)
        this.checkSession(m.sessionId)
        if (this.r1Shares.has(from) || (this.state !== 'round1' && this.state !== 'start')) throw new MalformedMessageError('PresignRound1Share', `second share from ${from}`)
        this.r1Shares.set(from, m)
        return
      }
      case WireKind.PresignRound2: {
        const m = decodeRound2(data)
        this.checkSession(m.sessionId)
        if (this.r2.has(from)) throw new MalformedMessageError('PresignRound2', `second round-2 message from ${from}`)
        this.r2.set(from, m)
        return
      }
      default:
        throw new MalformedMessageError('message', `kind ${data[2]} is not a presign message`)
    }
  }

  /** For the transport's deadline: a round-2 message while this party still waits on round 1. */
  isEarly (data: Uint8Array): boolean {
    return data instanceof Uint8Array && data.length >= 3 && data[2] === WireKind.PresignRound2 && (this.state === 'start' || this.state === 'round1')
  }

  /** The round deadline passed: whoever is still missing is named on the next poke. */
  expire (): void {
    if (this.state === 'round1') this.silent = this.participants.filter((j) => !this.r1.has(j) || !this.r1Shares.has(j))
    else if (this.state === 'round2') this.silent = this.participants.filter((j) => !this.r2.has(j))
  }

  private checkSilent (missing: ParticipantId[]): void {
    if (this.silent === undefined) return
    const culprits = missing.filter((j) => this.silent!.includes(j))
    if (culprits.length > 0) throw new ProtocolAbortError('presign: parties stayed silent past the deadline', culprits, EcdsaAbortCode.Timeout)
  }

  private checkSession (sessionId: Uint8Array): void {
    const mine = this.ctx.sessionId
    if (sessionId.length !== mine.length || sessionId.some((b, i) => b !== mine[i])) throw new MalformedMessageError('sessionId', 'message belongs to another session')
  }
}
