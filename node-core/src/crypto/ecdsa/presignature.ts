/**
 * Presignatures: what one party keeps after a presign run (spec: docs/ecdsa.md §5).
 *
 * Public part (identical at every participant, safe to hand to clients):
 *   R = k·G, w = a·k, and for every participant j: A_j = a_j·G, Y_j = x_j·a_j·G,
 *   E_j = e_j·G. These give the spec's A'_j = w⁻¹·A_j (= α_j·G) and
 *   Bt_j = w⁻¹·(Y_j + E_j) (= β_j·G) without storing them (§4.4, §5.5).
 * Secret part: α_j = a_j/w (degree-t share of k⁻¹) and β_j = (x_j·a_j + e_j)/w
 * (degree-2t share of x·k⁻¹). Single use: `take()` hands them out once and wipes them.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { InvalidArgumentError, MalformedMessageError } from '../../errors.js'
import { Secp256k1, type SecpPoint } from '../group.js'
import type { ParticipantId } from '../shares.js'
import { Reader, WireKind, Writer } from '../wire.js'
import { DegeneratePresignatureError, PresignatureReusedError } from './errors.js'

/** Per-participant public points of a presignature. */
export interface PresignPartyPublic {
  /** a_j·G */
  readonly A: SecpPoint
  /** x_j·a_j·G (x_j the key share) */
  readonly Y: SecpPoint
  /** e_j·G (share of the zero sharing masking β); may be the identity */
  readonly E: SecpPoint
}

/** The public part of a presignature: identical at every participant. */
export interface PresignaturePublic {
  /** 32-byte hash of the presign transcript; unique per run. */
  readonly id: Uint8Array
  /** Degree t of the key sharing; 2t+1 signers are needed. */
  readonly degree: number
  /** Sorted ids of the presign participants (any 2t+1 of them can sign). */
  readonly participants: readonly ParticipantId[]
  /** The key's public key x·G. */
  readonly publicKey: SecpPoint
  /** The nonce point k·G before re-randomisation. */
  readonly R: SecpPoint
  /** w = a·k, opened in presign round 2. Non-zero. */
  readonly w: bigint
  readonly parties: ReadonlyMap<ParticipantId, PresignPartyPublic>
}

export function presignatureIdHex (pub: Pick<PresignaturePublic, 'id'>): string {
  return bytesToHex(pub.id)
}

/**
 * One party's presignature. The secret shares are held in private fields,
 * never serialised except by `toBytes()` for encrypted storage, and redacted
 * when printed.
 */
export class Presignature {
  readonly public: PresignaturePublic
  readonly me: ParticipantId
  #alpha: bigint
  #beta: bigint
  #consumed: boolean

  constructor (pub: PresignaturePublic, me: ParticipantId, alpha: bigint, beta: bigint, consumed = false) {
    if (!pub.participants.includes(me)) throw new InvalidArgumentError('me', `${me} is not a participant of the presignature`)
    if (!consumed && alpha === 0n) throw new DegeneratePresignatureError('α share is zero')
    this.public = pub
    this.me = me
    this.#alpha = consumed ? 0n : alpha
    this.#beta = consumed ? 0n : beta
    this.#consumed = consumed
  }

  get id (): string { return presignatureIdHex(this.public) }

  /** True once the shares were handed out for signing. A consumed presignature never signs again. */
  get consumed (): boolean { return this.#consumed }

  /**
   * Hand out (α_j, β_j) exactly once and wipe them. Throws PresignatureReusedError
   * on a second call. Only the signer (sign.ts) should call this.
   */
  take (): { alpha: bigint, beta: bigint } {
    if (this.#consumed) throw new PresignatureReusedError(this.id)
    const out = { alpha: this.#alpha, beta: this.#beta }
    this.#consumed = true
    this.#alpha = 0n
    this.#beta = 0n
    return out
  }

  /** Strict binary form for (encrypted) storage: WireKind.Presignature. */
  toBytes (): Uint8Array {
    const w = new Writer().header(WireKind.Presignature)
    writePublic(w, this.public)
    return w.u16(this.me).u8(this.#consumed ? 1 : 0)
      .scalar(Secp256k1, this.#alpha).scalar(Secp256k1, this.#beta).finish()
  }

  /** `lazyParties`: see ReadPublicOptions (for a party's own sealed presignatures only). */
  static fromBytes (bytes: Uint8Array, opts: ReadPublicOptions = {}): Presignature {
    const r = new Reader(bytes, 'Presignature').header(WireKind.Presignature)
    const pub = readPublic(r, opts)
    const me = r.participant('me')
    if (!pub.participants.includes(me)) throw new MalformedMessageError('Presignature.me', `${me} is not a participant`)
    const flag = r.u8('consumed')
    if (flag > 1) throw new MalformedMessageError('Presignature.consumed', 'must be 0 or 1')
    const consumed = flag === 1
    const alpha = r.scalar(Secp256k1, 'alpha', { allowZero: consumed })
    const beta = r.scalar(Secp256k1, 'beta', { allowZero: true })
    r.end()
    if (consumed && (alpha !== 0n || beta !== 0n)) throw new MalformedMessageError('Presignature', 'a consumed presignature must hold no secrets')
    return new Presignature(pub, me, alpha, beta, consumed)
  }

  toJSON (): object { return { id: this.id, me: this.me, consumed: this.#consumed, secret: '[redacted]' } }
  toString (): string { return `Presignature(${this.id}, me=${this.me}, consumed=${String(this.#consumed)})` }
  [Symbol.for('nodejs.util.inspect.custom')] (): string { return this.toString() }
}

export function encodePresignaturePublic (pub: PresignaturePublic): Uint8Array {
  const w = new Writer().header(WireKind.PresignPublic)
  writePublic(w, pub)
  return w.finish()
}

export function decodePresignaturePublic (bytes: Uint8Array): PresignaturePublic {
  const r = new Reader(bytes, 'PresignPublic').header(WireKind.PresignPublic)
  const pub = readPublic(r)
  r.end()
  return pub
}

/** The fields of an encoded PresignaturePublic that need no point decoding (a store lists many; decompressing every point per request cost seconds). */
export interface PresignatureHeader { id: Uint8Array, degree: number, participants: ParticipantId[] }

/** Reads only id, degree and participants of an encodePresignaturePublic output; the points are checked when the whole is decoded. */
export function readPresignatureHeader (bytes: Uint8Array): PresignatureHeader {
  const r = new Reader(bytes, 'PresignPublic').header(WireKind.PresignPublic)
  return readHeaderFields(r)
}

function readHeaderFields (r: Reader): PresignatureHeader {
  const id = r.raw(32, 'id')
  const degree = r.u16('degree')
  if (degree < 1) throw new MalformedMessageError('PresignPublic.degree', 'must be at least 1')
  const participants = r.list('participants', (r) => r.participant('participant'), { min: 2 * degree + 1, max: 1024 })
  for (let i = 1; i < participants.length; i++) {
    if (participants[i] <= participants[i - 1]) throw new MalformedMessageError('PresignPublic.participants', 'not strictly increasing')
  }
  return { id, degree, participants }
}

function writePublic (w: Writer, pub: PresignaturePublic): void {
  w.raw(pub.id).u16(pub.degree).list(pub.participants, (w, id) => w.u16(id))
    .point(Secp256k1, pub.publicKey).point(Secp256k1, pub.R).scalar(Secp256k1, pub.w)
  for (const id of pub.participants) {
    const p = pub.parties.get(id)!
    w.point(Secp256k1, p.A).point(Secp256k1, p.Y)
    // E_j may be the identity (e_j = 0): encode it as 33 zero bytes.
    if (p.E.equals(Secp256k1.ZERO)) w.raw(new Uint8Array(Secp256k1.pointBytes))
    else w.point(Secp256k1, p.E)
  }
}

/** How to read a PresignaturePublic: `lazyParties` defers the per-party points until first use. */
interface ReadPublicOptions {
  /**
   * Only for bytes this party sealed itself (authenticated at rest): signing needs
   * R but not the 3·|P| party points, whose decompression was most of the cost
   * of loading a presignature. They are decoded, and checked, on first access.
   */
  lazyParties?: boolean
}

function readPublic (r: Reader, opts: ReadPublicOptions = {}): PresignaturePublic {
  const { id, degree, participants } = readHeaderFields(r)
  const publicKey = r.point(Secp256k1, 'publicKey')
  const R = r.point(Secp256k1, 'R')
  const w = r.scalar(Secp256k1, 'w')
  if (opts.lazyParties === true) {
    const raw = r.raw(participants.length * 3 * Secp256k1.pointBytes, 'parties')
    let parties: Map<ParticipantId, PresignPartyPublic> | undefined
    return {
      id,
      degree,
      participants,
      publicKey,
      R,
      w,
      get parties () { return (parties ??= readParties(new Reader(raw, 'PresignPublic'), participants)) }
    }
  }
  return { id, degree, participants, publicKey, R, w, parties: readParties(r, participants) }
}

function readParties (r: Reader, participants: readonly ParticipantId[]): Map<ParticipantId, PresignPartyPublic> {
  const parties = new Map<ParticipantId, PresignPartyPublic>()
  for (const pid of participants) {
    const A = r.point(Secp256k1, `A[${pid}]`)
    const Y = r.point(Secp256k1, `Y[${pid}]`)
    const eBytes = r.raw(Secp256k1.pointBytes, `E[${pid}]`)
    const E = eBytes.every((b) => b === 0) ? Secp256k1.ZERO : new Reader(eBytes, 'PresignPublic').point(Secp256k1, `E[${pid}]`)
    parties.set(pid, { A, Y, E })
  }
  return parties
}
