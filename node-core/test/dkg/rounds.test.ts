/** The pure round functions: set-up checks, one-time secret packages, redaction, the transition table. */
import { describe, it, expect } from 'vitest'
import { inspect } from 'node:util'
import { Secp256k1 } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { InvalidArgumentError } from '../../src/errors.js'
import {
  DKG_TRANSITIONS, DkgSession, DkgStateError, dkgFinish, dkgRound1, dkgRound2, dkgRound3, dkgRound4,
  verifyPok, type DkgContext
} from '../../src/protocols/dkg/index.js'

type P = typeof Secp256k1.BASE
const rng = seededRng('rounds')
const ctx: DkgContext<P> = { group: Secp256k1, sessionId: rng(32), degree: 1, participants: [1, 2, 3] }

describe('set-up checks name the field', () => {
  const bad: Array<[string, Partial<DkgContext<P>> & { me?: number }]> = [
    ['degree', { degree: 0 }], ['degree', { degree: 3 }], ['degree', { degree: 1.5 }],
    ['sessionId', { sessionId: new Uint8Array(8) }], ['sessionId', { sessionId: new Uint8Array(65) }],
    ['participants', { participants: [1, 3, 2] }], ['participants', { participants: [1, 1, 2] }],
    ['participants', { participants: [0, 1, 2] }], ['participants', { participants: [1, 2, 70000] }],
    ['participants', { participants: [1] }], ['me', { me: 4 }]
  ]
  for (const [field, patch] of bad) {
    it(`${field}: ${JSON.stringify(patch, (_, v) => (v instanceof Uint8Array ? `${v.length} bytes` : v))}`, () => {
      const e = (() => { try { return new DkgSession({ ...ctx, me: 1, ...patch }) } catch (err) { return err } })()
      expect(e).toBeInstanceOf(InvalidArgumentError)
      expect((e as Error).message).toContain(field)
    })
  }
})

describe('round functions', () => {
  function deal (): ReturnType<typeof dkgRound1<P>>[] {
    return ctx.participants.map((me) => dkgRound1(ctx, me, seededRng(`deal-${me}`)))
  }

  it('run all parties through rounds 1–5 by hand; the proofs verify for their dealer only', () => {
    const r1 = deal()
    expect(verifyPok(ctx, 1, r1[0].broadcast.commitment[0], r1[0].broadcast.proof)).toBe(true)
    expect(verifyPok(ctx, 2, r1[0].broadcast.commitment[0], r1[0].broadcast.proof)).toBe(false)
    expect(verifyPok({ ...ctx, sessionId: new Uint8Array(32) }, 1, r1[0].broadcast.commitment[0], r1[0].broadcast.proof)).toBe(false)
    const r2 = r1.map((own, i) => {
      const me = ctx.participants[i]
      const bc = new Map(r1.map((o, j) => [ctx.participants[j], o.broadcast] as const))
      const sh = new Map(r1.filter((_, j) => j !== i).map((o, j2) => [ctx.participants[j2 >= i ? j2 + 1 : j2], o.shares.get(me)!] as const))
      return dkgRound2(own.secret, bc, sh)
    })
    for (const o of r2) expect(o.complaint.accused).toEqual([])
    const complaints = new Map(r2.map((o, i) => [ctx.participants[i], o.complaint] as const))
    const r3 = r2.map((o) => dkgRound3(o.secret, complaints))
    const answers = new Map(r3.map((o, i) => [ctx.participants[i], o.answer] as const))
    const r4 = r3.map((o) => dkgRound4(o.secret, answers))
    const results = new Map(r4.map((o, i) => [ctx.participants[i], o.result] as const))
    const shares = r4.map((o) => dkgFinish(o.secret, results))
    for (const s of shares) expect(s.publicKeySet.publicKey.equals(shares[0].publicKeySet.publicKey)).toBe(true)
  })

  it('secret packages are one-time, refuse the wrong round, and wipe what they no longer need', () => {
    const [a] = deal()
    expect(() => dkgRound3(a.secret as any, new Map())).toThrow(DkgStateError)
    const r2 = dkgRound2(a.secret, new Map(), new Map())
    expect(a.secret.consumed).toBe(true)
    expect(() => dkgRound2(a.secret, new Map(), new Map())).toThrow(DkgStateError)
    expect(() => dkgFinish(r2.secret as any, new Map())).toThrow(DkgStateError)
    dkgRound3(r2.secret, new Map())
    expect(r2.secret.sharesOut.size).toBe(0) // owed shares dropped after answering
  })

  it('secret packages are redacted when printed', () => {
    const [a] = deal()
    for (const text of [String(a.secret), JSON.stringify({ s: a.secret }), inspect(a.secret)]) {
      expect(text).toContain('[DKG round-1 secret]')
      for (const v of a.secret.sharesOut.values()) expect(text).not.toContain(v.toString())
    }
  })
})

describe('session transitions', () => {
  it('one successor per phase, ending in done', () => {
    expect(DKG_TRANSITIONS).toEqual({ start: 'round1', round1: 'round2', round2: 'round3', round3: 'round4', round4: 'done', done: undefined, aborted: undefined })
  })

  it('a session waits in each round until every message is in or the round expires', () => {
    const s = new DkgSession({ ...ctx, me: 1, rng: seededRng('wait') })
    expect(s.state).toBe('start')
    const sent = s.poke()
    expect(sent.map((a) => a.kind)).toEqual(['send-all', 'send-private', 'send-private'])
    expect(s.state).toBe('round1')
    expect(s.poke()).toEqual([]) // nothing received: keep waiting
    s.expire()
    expect(s.poke().map((a) => a.kind)).toEqual(['send-all'])
    expect(s.state).toBe('round2')
  })
})
