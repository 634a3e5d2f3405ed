/**
 * Strict encoding of every DKG package, of KeyShare and of PublicKeySet
 * (docs/dkg.md, "Wire format"; field rules in docs/wire.md).
 *
 * Protocol messages decode only in the context of one run: the protocol id,
 * group and sessionId must match, lists have the lengths the run implies and
 * every participant id must belong to the run. Anything else is refused with
 * MalformedMessageError naming the field; decoding never changes state.
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { MalformedMessageError } from '../../errors.js'
import { type Group, type GroupName, BlsG1, BlsG2, Secp256k1 } from '../../crypto/group.js'
import type { KeyShare, PublicKeySet } from '../../crypto/key-share.js'
import { type ParticipantId, interpolatePoint, mulBaseSecretIn } from '../../crypto/shares.js'
import { Reader, Writer, WireKind } from '../../crypto/wire.js'
import { DIGEST_BYTES, DKG_PROTOCOL, SESSION_ID_MAX_BYTES } from './constants.js'
import { equalBytes } from './digest.js'
import type { DkgAnswerPackage, DkgComplaintPackage, DkgContext, DkgResultPackage, DkgRound1Package, DkgSharePackage } from './types.js'

/** One byte per group on the wire. Append only. */
export const GROUP_CODES: Readonly<Record<GroupName, number>> = {
  secp256k1: 1,
  'bls12-381-g1': 2,
  'bls12-381-g2': 3
}

/** Groups a DKG or a stored key can be over, by code. */
export const GROUPS_BY_CODE: ReadonlyMap<number, Group<any>> = new Map<number, Group<any>>([
  [1, Secp256k1],
  [2, BlsG1],
  [3, BlsG2]
])

// ---------------------------------------------------------------- helpers

function writeMessageHeader<P extends CurvePoint<any, P>> (w: Writer, kind: number, ctx: DkgContext<P>): Writer {
  return w.header(kind).string(DKG_PROTOCOL).u8(GROUP_CODES[ctx.group.name]).bytes(ctx.sessionId)
}

function readMessageHeader<P extends CurvePoint<any, P>> (r: Reader, kind: number, what: string, ctx: DkgContext<P>): void {
  r.header(kind)
  const protocol = r.string('protocol', 64)
  if (protocol !== DKG_PROTOCOL) throw new MalformedMessageError(`${what}.protocol`, `expected ${DKG_PROTOCOL}, got ${JSON.stringify(protocol)}`)
  readGroupCode(r, what, ctx.group)
  const sessionId = r.bytes('sessionId', SESSION_ID_MAX_BYTES)
  if (!equalBytes(sessionId, ctx.sessionId)) throw new MalformedMessageError(`${what}.sessionId`, 'belongs to another session')
}

function readGroupCode<P extends CurvePoint<any, P>> (r: Reader, what: string, group: Group<P>): void {
  const code = r.u8('group')
  if (code !== GROUP_CODES[group.name]) throw new MalformedMessageError(`${what}.group`, `expected ${group.name} (code ${GROUP_CODES[group.name]}), got code ${code}`)
}

/** Strictly ascending ids, each a member of `allowed` (when given). */
function readIdList (r: Reader, what: string, field: string, allowed: readonly ParticipantId[] | undefined, opts: { min?: number, max?: number } = {}): ParticipantId[] {
  const ids = r.list(field, (rr) => rr.participant(field), opts)
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && ids[i] <= ids[i - 1]) throw new MalformedMessageError(`${what}.${field}`, 'ids must be strictly ascending')
    if (allowed !== undefined && !allowed.includes(ids[i])) throw new MalformedMessageError(`${what}.${field}`, `id ${ids[i]} is not a participant`)
  }
  return ids
}

function writeDigests (w: Writer, digests: readonly Uint8Array[]): void {
  w.list(digests, (ww, d) => {
    if (d.length !== DIGEST_BYTES) throw new RangeError(`digest must be ${DIGEST_BYTES} bytes`)
    ww.raw(d)
  })
}

function readDigests<P extends CurvePoint<any, P>> (r: Reader, field: string, ctx: DkgContext<P>): Uint8Array[] {
  const n = ctx.participants.length
  return r.list(field, (rr) => rr.raw(DIGEST_BYTES, field), { min: n, max: n })
}

function finish<T> (r: Reader, value: T): T {
  r.end()
  return value
}

/** Kind byte of an encoded object (after magic and version), or undefined when too short. */
export function peekKind (data: Uint8Array): number | undefined {
  return data instanceof Uint8Array && data.length >= 3 ? data[2] : undefined
}

// ---------------------------------------------------------------- round 1 (broadcast)

export function encodeDkgRound1<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, pkg: DkgRound1Package<P>): Uint8Array {
  const w = writeMessageHeader(new Writer(), WireKind.DkgRound1, ctx)
  w.list(pkg.commitment, (ww, p) => ww.point(ctx.group, p))
  return w.point(ctx.group, pkg.proof.R).scalar(ctx.group, pkg.proof.z).finish()
}

export function decodeDkgRound1<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, data: Uint8Array): DkgRound1Package<P> {
  const what = 'DkgRound1'
  const r = new Reader(data, what)
  readMessageHeader(r, WireKind.DkgRound1, what, ctx)
  const len = ctx.degree + 1
  // An honest dealer's coefficients are non-zero, so no commitment point is the identity.
  const commitment = r.list('commitment', (rr) => rr.point(ctx.group, 'commitment'), { min: len, max: len })
  const R = r.point(ctx.group, 'proof.R')
  const z = r.scalar(ctx.group, 'proof.z', { allowZero: true })
  return finish(r, { commitment, proof: { R, z } })
}

// ---------------------------------------------------------------- round 1 (private share)

export function encodeDkgShare<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, pkg: DkgSharePackage): Uint8Array {
  return writeMessageHeader(new Writer(), WireKind.DkgRound2Share, ctx).scalar(ctx.group, pkg.share).finish()
}

export function decodeDkgShare<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, data: Uint8Array): DkgSharePackage {
  const what = 'DkgShare'
  const r = new Reader(data, what)
  readMessageHeader(r, WireKind.DkgRound2Share, what, ctx)
  // f_i(j) = 0 is possible (probability 1/q) and harmless: the Feldman check decides.
  return finish(r, { share: r.scalar(ctx.group, 'share', { allowZero: true }) })
}

// ---------------------------------------------------------------- round 2 (complaints)

export function encodeDkgComplaint<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, pkg: DkgComplaintPackage): Uint8Array {
  const w = writeMessageHeader(new Writer(), WireKind.DkgComplaint, ctx)
  w.list(pkg.accused, (ww, id) => ww.u16(id))
  writeDigests(w, pkg.round1Digests)
  return w.finish()
}

export function decodeDkgComplaint<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, data: Uint8Array): DkgComplaintPackage {
  const what = 'DkgComplaint'
  const r = new Reader(data, what)
  readMessageHeader(r, WireKind.DkgComplaint, what, ctx)
  const accused = readIdList(r, what, 'accused', ctx.participants, { max: ctx.participants.length })
  const round1Digests = readDigests(r, 'round1Digests', ctx)
  return finish(r, { accused, round1Digests })
}

// ---------------------------------------------------------------- round 3 (answers)

export function encodeDkgAnswer<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, pkg: DkgAnswerPackage): Uint8Array {
  const w = writeMessageHeader(new Writer(), WireKind.DkgComplaintAnswer, ctx)
  const ids = [...pkg.revealed.keys()].sort((a, b) => a - b)
  w.list(ids, (ww, id) => ww.u16(id).scalar(ctx.group, pkg.revealed.get(id)!))
  writeDigests(w, pkg.round2Digests)
  return w.finish()
}

export function decodeDkgAnswer<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, data: Uint8Array): DkgAnswerPackage {
  const what = 'DkgComplaintAnswer'
  const r = new Reader(data, what)
  readMessageHeader(r, WireKind.DkgComplaintAnswer, what, ctx)
  const entries = r.list('revealed', (rr) => [rr.participant('revealed.id'), rr.scalar(ctx.group, 'revealed.share', { allowZero: true })] as const, { max: ctx.participants.length })
  const revealed = new Map<ParticipantId, bigint>()
  let last = 0
  for (const [id, share] of entries) {
    if (id <= last) throw new MalformedMessageError(`${what}.revealed`, 'ids must be strictly ascending')
    if (!ctx.participants.includes(id)) throw new MalformedMessageError(`${what}.revealed`, `id ${id} is not a participant`)
    revealed.set(id, share)
    last = id
  }
  const round2Digests = readDigests(r, 'round2Digests', ctx)
  return finish(r, { revealed, round2Digests })
}

// ---------------------------------------------------------------- round 4 (result confirmation)

export function encodeDkgResult<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, pkg: DkgResultPackage<P>): Uint8Array {
  const w = writeMessageHeader(new Writer(), WireKind.DkgResult, ctx)
  w.list(pkg.qual, (ww, id) => ww.u16(id))
  w.point(ctx.group, pkg.publicKey).raw(pkg.commitmentDigest)
  writeDigests(w, pkg.round3Digests)
  return w.finish()
}

export function decodeDkgResult<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, data: Uint8Array): DkgResultPackage<P> {
  const what = 'DkgResult'
  const r = new Reader(data, what)
  readMessageHeader(r, WireKind.DkgResult, what, ctx)
  const qual = readIdList(r, what, 'qual', ctx.participants, { min: ctx.degree + 1, max: ctx.participants.length })
  const publicKey = r.point(ctx.group, 'publicKey')
  const commitmentDigest = r.raw(DIGEST_BYTES, 'commitmentDigest')
  const round3Digests = readDigests(r, 'round3Digests', ctx)
  return finish(r, { qual, publicKey, commitmentDigest, round3Digests })
}

// ---------------------------------------------------------------- PublicKeySet and KeyShare (storage)

function writePublicKeySetBody<P extends CurvePoint<any, P>> (w: Writer, pks: PublicKeySet<P>): void {
  w.u16(pks.degree)
  w.list(pks.participants, (ww, id) => ww.u16(id))
  w.point(pks.group, pks.publicKey)
  w.list(pks.participants, (ww, id) => {
    const v = pks.verificationShares.get(id)
    if (v === undefined) throw new RangeError(`no verification share for participant ${id}`)
    ww.point(pks.group, v)
  })
  w.u32(pks.epoch)
}

function readPublicKeySetBody<P extends CurvePoint<any, P>> (r: Reader, what: string, group: Group<P>): PublicKeySet<P> {
  const degree = r.u16('degree')
  const participants = readIdList(r, what, 'participants', undefined, { min: degree + 1 })
  const publicKey = r.point(group, 'publicKey')
  const shares = r.list('verificationShares', (rr) => rr.point(group, 'verificationShares'), { min: participants.length, max: participants.length })
  const epoch = r.u32('epoch')
  const pks: PublicKeySet<P> = {
    group,
    degree,
    participants,
    publicKey,
    verificationShares: new Map(participants.map((id, i) => [id, shares[i]] as const)),
    epoch
  }
  if (!isConsistentPublicKeySet(pks)) throw new MalformedMessageError(`${what}.verificationShares`, 'do not lie on one degree-t polynomial through the public key')
  return pks
}

/**
 * The verification shares and the public key are evaluations of one
 * polynomial of the stated degree: interpolate from the first t+1 shares and
 * check the public key and every other share.
 */
export function isConsistentPublicKeySet<P extends CurvePoint<any, P>> (pks: PublicKeySet<P>): boolean {
  const base = new Map(pks.participants.slice(0, pks.degree + 1).map((id) => [id, pks.verificationShares.get(id)!] as const))
  if (!interpolatePoint(pks.group, base, 0n).equals(pks.publicKey)) return false
  for (const id of pks.participants.slice(pks.degree + 1)) {
    if (!interpolatePoint(pks.group, base, id).equals(pks.verificationShares.get(id)!)) return false
  }
  return true
}

export function encodePublicKeySet<P extends CurvePoint<any, P>> (pks: PublicKeySet<P>): Uint8Array {
  const w = new Writer().header(WireKind.PublicKeySet).u8(GROUP_CODES[pks.group.name])
  writePublicKeySetBody(w, pks)
  return w.finish()
}

/** Decode a stored public key set of `group`; refuses inconsistent shares. */
export function decodePublicKeySet<P extends CurvePoint<any, P>> (group: Group<P>, data: Uint8Array): PublicKeySet<P> {
  const what = 'PublicKeySet'
  const r = new Reader(data, what).header(WireKind.PublicKeySet)
  readGroupCode(r, what, group)
  return finish(r, readPublicKeySetBody(r, what, group))
}

/** Encodes the SECRET share: store it only encrypted, never send it. */
export function encodeKeyShare<P extends CurvePoint<any, P>> (share: KeyShare<P>): Uint8Array {
  const group = share.publicKeySet.group
  const w = new Writer().header(WireKind.KeyShare).u8(GROUP_CODES[group.name]).u16(share.id).scalar(group, share.secretShare)
  writePublicKeySetBody(w, share.publicKeySet)
  return w.finish()
}

/** Decode a stored key share of `group`; refuses a share that does not match its verification share. */
export function decodeKeyShare<P extends CurvePoint<any, P>> (group: Group<P>, data: Uint8Array): KeyShare<P> {
  const what = 'KeyShare'
  const r = new Reader(data, what).header(WireKind.KeyShare)
  readGroupCode(r, what, group)
  const id = r.participant('id')
  const secretShare = r.scalar(group, 'secretShare', { allowZero: true })
  const publicKeySet = readPublicKeySetBody(r, what, group)
  r.end()
  const mine = publicKeySet.verificationShares.get(id)
  if (mine === undefined) throw new MalformedMessageError(`${what}.id`, `${id} is not among the participants`)
  const [image] = mulBaseSecretIn(group, [secretShare])
  if (!image.equals(mine)) throw new MalformedMessageError(`${what}.secretShare`, 'does not match the verification share')
  return { id, secretShare, publicKeySet }
}
