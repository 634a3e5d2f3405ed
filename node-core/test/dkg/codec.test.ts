/**
 * Strict codecs and message refusal: every package round-trips; every
 * truncation, trailing byte and damaged field is refused with
 * MalformedMessageError; the session refuses strangers, duplicates, late and
 * foreign messages without changing state.
 */
import { describe, it, expect } from 'vitest'
import { BlsG1, Secp256k1, mod } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { WireKind } from '../../src/crypto/wire.js'
import { MalformedMessageError } from '../../src/errors.js'
import type { Envelope } from '../../src/protocols/run-in-memory.js'
import {
  DKG_PROTOCOL, DkgSession, DuplicateMessageError, UnexpectedMessageError, UnknownSenderError,
  decodeDkgAnswer, decodeDkgComplaint, decodeDkgResult, decodeDkgRound1, decodeDkgShare, decodeKeyShare, decodePublicKeySet,
  encodeDkgAnswer, encodeDkgComplaint, encodeDkgResult, encodeDkgRound1, encodeDkgShare, encodeKeyShare, encodePublicKeySet,
  type DkgContext
} from '../../src/protocols/dkg/index.js'
import { kindOf, run, setup } from './helpers.js'

type P = typeof Secp256k1.BASE
const N = 4
const T = 1

/** One message of each kind from a run where party 1 complains about dealer 2 (so lists are non-empty). */
function transcript (): { ctx: DkgContext<P>, first: Map<number, Envelope> } {
  const st = setup(Secp256k1, T, N, 'codec')
  const first = new Map<number, Envelope>()
  run(st, {
    intercept: (env) => {
      let out = env
      if (env.from === 2 && env.to === 1 && kindOf(env) === WireKind.DkgRound2Share) {
        const { share } = decodeDkgShare(st.ctx, env.data)
        out = { ...env, data: encodeDkgShare(st.ctx, { share: mod(share + 1n, Secp256k1.order) }) }
      }
      const k = kindOf(out)
      const interesting = (k !== WireKind.DkgComplaint || out.from === 1) && (k !== WireKind.DkgComplaintAnswer || out.from === 2)
      if (interesting && !first.has(k)) first.set(k, out)
      return out
    }
  })
  return { ctx: st.ctx, first }
}

const { ctx, first } = transcript()
const decoders: Record<number, (data: Uint8Array) => unknown> = {
  [WireKind.DkgRound1]: (d) => decodeDkgRound1(ctx, d),
  [WireKind.DkgRound2Share]: (d) => decodeDkgShare(ctx, d),
  [WireKind.DkgComplaint]: (d) => decodeDkgComplaint(ctx, d),
  [WireKind.DkgComplaintAnswer]: (d) => decodeDkgAnswer(ctx, d),
  [WireKind.DkgResult]: (d) => decodeDkgResult(ctx, d)
}
const reencode: Record<number, (v: any) => Uint8Array> = {
  [WireKind.DkgRound1]: (v) => encodeDkgRound1(ctx, v),
  [WireKind.DkgRound2Share]: (v) => encodeDkgShare(ctx, v),
  [WireKind.DkgComplaint]: (v) => encodeDkgComplaint(ctx, v),
  [WireKind.DkgComplaintAnswer]: (v) => encodeDkgAnswer(ctx, v),
  [WireKind.DkgResult]: (v) => encodeDkgResult(ctx, v)
}

/** Byte offsets of the fields of each message, for one-field corruption. */
const PREFIX = 3 + 4 + DKG_PROTOCOL.length + 1 + 4 + 32 // header, protocol, group, sessionId
// value: set the byte(s) (default: flip all bits); length: how many bytes from offset (scalars: all 32 → non-canonical)
type Mutation = [field: string, offset: number, value?: number, length?: number]
const S = 33 // secp256k1 point
const mutations: Record<number, Mutation[]> = {
  [WireKind.DkgRound1]: [
    ['commitment count', PREFIX + 1], ['commitment[0] prefix', PREFIX + 2], ['commitment[1] prefix', PREFIX + 2 + S],
    ['proof.R prefix', PREFIX + 2 + 2 * S], ['proof.z → ≥ order', PREFIX + 2 + 3 * S, 0xff, 32]
  ],
  [WireKind.DkgRound2Share]: [['share → ≥ order', PREFIX, 0xff, 32]],
  // accused = [2]: count, id; then digests
  [WireKind.DkgComplaint]: [
    ['accused count', PREFIX + 1], ['accused id → 0', PREFIX + 3, 0], ['accused id → stranger', PREFIX + 3, 99], ['digest count', PREFIX + 5]
  ],
  // revealed = {1: share}: count, id, share; then digests
  [WireKind.DkgComplaintAnswer]: [
    ['revealed count', PREFIX + 1], ['revealed id → 0', PREFIX + 3, 0], ['revealed id → stranger', PREFIX + 3, 99],
    ['revealed share → ≥ order', PREFIX + 4, 0xff, 32], ['digest count', PREFIX + 4 + 32 + 1]
  ],
  // qual = [1..4]: count, 4 ids; publicKey; commitment digest; digests
  [WireKind.DkgResult]: [
    ['qual count', PREFIX + 1], ['qual id → 0', PREFIX + 3, 0], ['qual order', PREFIX + 5, 9], ['publicKey prefix', PREFIX + 2 + 2 * N], ['digest count', PREFIX + 2 + 2 * N + S + 32 + 1]
  ]
}

describe('DKG packages: codecs', () => {
  it('a transcript has one message of every kind', () => {
    expect([...first.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5])
    expect((decodeDkgComplaint(ctx, first.get(WireKind.DkgComplaint)!.data)).accused).toEqual([2])
    expect([...decodeDkgAnswer(ctx, first.get(WireKind.DkgComplaintAnswer)!.data).revealed.keys()]).toEqual([1])
  })

  for (const kind of [1, 2, 3, 4, 5]) {
    const name = Object.entries(WireKind).find(([, v]) => v === kind)![0]
    it(`${name}: round-trips byte for byte; every truncation, a trailing byte and each damaged field are refused`, () => {
      const data = first.get(kind)!.data
      const decode = decoders[kind]
      expect(reencode[kind](decode(data))).toEqual(data)
      for (let len = 0; len < data.length; len++) expect(() => decode(data.subarray(0, len)), `length ${len}`).toThrow(MalformedMessageError)
      expect(() => decode(Uint8Array.from([...data, 0]))).toThrow(/trailing/)
      for (let i = 0; i < PREFIX; i++) {
        const bad = data.slice()
        bad[i] ^= 0xff
        expect(() => decode(bad), `header/protocol/group/session byte ${i}`).toThrow(MalformedMessageError)
      }
      for (const [field, offset, value, length] of mutations[kind]) {
        const bad = data.slice()
        for (let i = offset; i < offset + (length ?? 1); i++) bad[i] = value ?? bad[i] ^ 0xff
        expect(() => decode(bad), field).toThrow(MalformedMessageError)
      }
    })
  }

  it('another session id or another group is refused by name', () => {
    const data = first.get(WireKind.DkgRound1)!.data
    expect(() => decodeDkgRound1({ ...ctx, sessionId: new Uint8Array(32) }, data)).toThrow(/another session/)
    expect(() => decodeDkgRound1({ ...ctx, group: BlsG1 } as any, data)).toThrow(/group/)
    expect(() => decodeDkgRound1({ ...ctx, degree: 2 }, data)).toThrow(/commitment/)
  })
})

describe('stored KeyShare and PublicKeySet', () => {
  const st = setup(BlsG1, 2, 4, 'store')
  const share = run(st).get(3)!
  const G = BlsG1

  it('round-trip', () => {
    const back = decodeKeyShare(G, encodeKeyShare(share))
    expect(back.id).toBe(3)
    expect(back.secretShare).toBe(share.secretShare)
    expect(back.publicKeySet.publicKey.equals(share.publicKeySet.publicKey)).toBe(true)
    expect(back.publicKeySet.degree).toBe(2)
    expect(back.publicKeySet.epoch).toBe(0)
    const pks = decodePublicKeySet(G, encodePublicKeySet(share.publicKeySet))
    expect(pks.participants).toEqual([1, 2, 3, 4])
    for (const id of pks.participants) expect(pks.verificationShares.get(id)!.equals(share.publicKeySet.verificationShares.get(id)!)).toBe(true)
  })

  it('truncation, trailing bytes, another group, a wrong secret and inconsistent verification shares are refused', () => {
    const bytes = encodeKeyShare(share)
    for (let len = 0; len < bytes.length; len += 7) expect(() => decodeKeyShare(G, bytes.subarray(0, len))).toThrow(MalformedMessageError)
    expect(() => decodeKeyShare(G, Uint8Array.from([...bytes, 0]))).toThrow(MalformedMessageError)
    expect(() => decodeKeyShare(Secp256k1 as any, bytes)).toThrow(/group/)
    expect(() => decodeKeyShare(G, encodeKeyShare({ ...share, secretShare: share.secretShare + 1n }))).toThrow(/verification share/)
    const vs = new Map(share.publicKeySet.verificationShares)
    vs.set(4, vs.get(4)!.double())
    expect(() => decodePublicKeySet(G, encodePublicKeySet({ ...share.publicKeySet, verificationShares: vs }))).toThrow(/polynomial/)
    expect(() => decodePublicKeySet(G, encodePublicKeySet({ ...share.publicKeySet, publicKey: share.publicKeySet.publicKey.double() }))).toThrow(/polynomial/)
    expect(() => decodePublicKeySet(G, bytes)).toThrow(/kind/)
  })
})

describe('DkgSession refuses messages without changing state', () => {
  const r1 = first.get(WireKind.DkgRound1)! // from 1 (to 2)
  const fresh = (me: number, c: DkgContext<P> = ctx): DkgSession<P> => {
    const s = new DkgSession({ ...c, me, rng: seededRng(`fresh-${me}`) })
    s.poke()
    return s
  }

  it('unknown sender, self, another session, unknown kind', () => {
    const s = fresh(2)
    expect(() => s.message(9, r1.data)).toThrow(UnknownSenderError)
    expect(() => s.message(2, r1.data)).toThrow(UnknownSenderError)
    expect(() => fresh(2, { ...ctx, sessionId: new Uint8Array(32).fill(7) }).message(r1.from, r1.data)).toThrow(MalformedMessageError)
    const odd = r1.data.slice()
    odd[2] = 99
    expect(() => s.message(r1.from, odd)).toThrow(MalformedMessageError)
    expect(() => s.message(r1.from, new Uint8Array(2))).toThrow(MalformedMessageError)
    // none of that was stored: the genuine message is accepted once, a repeat is a duplicate
    s.message(r1.from, r1.data)
    expect(() => s.message(r1.from, r1.data)).toThrow(DuplicateMessageError)
  })

  it('a late message after the round expired, and anything after the end, are refused', () => {
    const s = fresh(2)
    s.expire()
    s.poke() // round 1 closes without 1's broadcast
    expect(s.state).toBe('round2')
    expect(() => s.message(r1.from, r1.data)).toThrow(UnexpectedMessageError)
  })

  it('a complaint accusing its own sender and an answer revealing a share to its sender are refused', () => {
    const s = fresh(3)
    const c = decodeDkgComplaint(ctx, first.get(WireKind.DkgComplaint)!.data) // from 1
    expect(() => s.message(1, encodeDkgComplaint(ctx, { ...c, accused: [1] }))).toThrow(UnexpectedMessageError)
    const a = decodeDkgAnswer(ctx, first.get(WireKind.DkgComplaintAnswer)!.data) // from 2
    expect(() => s.message(2, encodeDkgAnswer(ctx, { ...a, revealed: new Map([[2, 5n]]) }))).toThrow(UnexpectedMessageError)
    s.message(1, first.get(WireKind.DkgComplaint)!.data) // the genuine one is still accepted
  })

  it('after returning, the session accepts nothing', () => {
    const st = setup(Secp256k1, 1, 3, 'after-end')
    run(st)
    expect(st.sessions[0].state).toBe('done')
    expect(st.sessions[0].poke()).toEqual([])
    const st2 = setup(Secp256k1, 1, 3, 'after-end-2')
    const msgs: Envelope[] = []
    run(st2, { onSend: (e) => msgs.push(e) })
    const m = msgs.find((e) => e.to === 1)!
    expect(() => st.sessions[0].message(m.from, m.data)).toThrow(UnexpectedMessageError)
  })
})
