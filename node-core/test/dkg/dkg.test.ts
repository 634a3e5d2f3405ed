import { describe, it, expect } from 'vitest'
import { secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { Secp256k1, BlsG1, type Group } from '../../src/crypto/group.js'
import { seededRng, type Rng } from '../../src/crypto/random.js'
import { interpolateScalar } from '../../src/crypto/shares.js'
import { defaultEcdsaDegree, maxEcdsaDegree, defaultBlsDegree, type KeyShare } from '../../src/crypto/key-share.js'
import { runInMemory, type Envelope } from '../../src/protocols/run-in-memory.js'
import { MalformedMessageError, ProtocolAbortError } from '../../src/errors.js'
import { WireKind } from '../../src/crypto/wire.js'
import {
  DkgSession, decodeDkgShare, encodeDkgShare, decodeDkgRound1, encodeDkgRound1, decodeDkgAnswer, encodeDkgAnswer,
  encodeKeyShare, decodeKeyShare, encodePublicKeySet, decodePublicKeySet, peekKind, dkgRound1,
  UnknownSenderError, DuplicateMessageError, type DkgContext
} from '../../src/protocols/dkg/index.js'

type P = typeof Secp256k1.BASE
const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

/**
 * `malicious` parties run the honest code, but the test rewrites what they send;
 * their own sessions' conclusions are the adversary's business, so their aborts
 * are swallowed (the run goes on, as the network would).
 */
function setup (group: Group<P>, degree: number, n: number, seed: string, malicious: number[] = []): { ctx: DkgContext<P>, sessions: Array<DkgSession<P>>, rng: Rng } {
  const rng = seededRng(seed)
  const ctx: DkgContext<P> = { group, sessionId: rng(32), degree, participants: ids(n) }
  const sessions = ctx.participants.map((me) => {
    const s = new DkgSession({ ...ctx, me, rng })
    if (malicious.includes(me)) {
      const poke = s.poke.bind(s)
      s.poke = () => { try { return poke() } catch { return [] } }
    }
    return s
  })
  return { ctx, sessions, rng }
}

/** Every party that returned agrees, and t+1 (not t) of the shares reconstruct the public key. */
function expectConsistentKey (group: Group<P>, degree: number, shares: Array<KeyShare<P>>): void {
  const pks = shares[0].publicKeySet
  for (const s of shares) {
    expect(s.publicKeySet.publicKey.equals(pks.publicKey)).toBe(true)
    expect(s.publicKeySet.degree).toBe(degree)
    for (const [id, V] of pks.verificationShares) expect(s.publicKeySet.verificationShares.get(id)!.equals(V)).toBe(true)
    expect(group.BASE.multiply(s.secretShare).equals(pks.verificationShares.get(s.id)!)).toBe(true)
  }
  const enough = new Map(shares.slice(0, degree + 1).map((s) => [s.id, s.secretShare] as const))
  expect(group.BASE.multiply(interpolateScalar(group, enough)).equals(pks.publicKey)).toBe(true)
  if (degree > 0) {
    const tooFew = new Map(shares.slice(0, degree).map((s) => [s.id, s.secretShare] as const))
    const guess = interpolateScalar(group, tooFew)
    expect(guess === 0n || !group.BASE.multiply(guess).equals(pks.publicKey)).toBe(true)
  }
}

describe('DKG, honest parties', () => {
  const cases: Array<[Group<P>, number, number]> = []
  for (const n of [3, 4, 5, 7, 10]) {
    cases.push([Secp256k1, n, defaultEcdsaDegree(n)])
    if (maxEcdsaDegree(n) !== defaultEcdsaDegree(n)) cases.push([Secp256k1, n, maxEcdsaDegree(n)])
  }
  for (const n of [3, 5, 7]) cases.push([BlsG1 as unknown as Group<P>, n, defaultBlsDegree(n)])
  for (const [group, n, t] of cases) {
    it(`${group.name}: n=${n}, degree ${t}: everyone agrees and t+1 shares make the key`, () => {
      const { sessions } = setup(group, t, n, `honest-${group.name}-${n}-${t}`)
      const out = runInMemory(sessions)
      expect(out.size).toBe(n)
      expectConsistentKey(group, t, [...out.values()])
      for (const s of sessions) {
        expect(s.state).toBe('done')
        expect(s.outcome!.qual).toEqual(ids(n))
        expect(s.outcome!.disqualified.size).toBe(0)
      }
    })
  }

  it('secp256k1 output is a valid FROST key package for noble (independent check of the sharing)', () => {
    const { sessions } = setup(Secp256k1, 1, 3, 'noble-cross')
    const shares = [...runInMemory(sessions).values()]
    // noble's FROST signs with a Shamir sharing of the same shape: sign with ours and verify with noble.
    const pks = shares[0].publicKeySet
    const F = secp256k1_FROST
    const idOf = (i: number): string => F.Identifier.fromNumber(i)
    const pub = {
      signers: { min: 2, max: 3 },
      commitments: [pks.publicKey.toBytes()],
      verifyingShares: Object.fromEntries(shares.map((s) => [idOf(s.id), pks.verificationShares.get(s.id)!.toBytes()]))
    }
    const secretOf = (s: KeyShare<P>): any => ({ identifier: idOf(s.id), signingShare: Secp256k1.Point.Fn.toBytes(s.secretShare) })
    const signers = shares.slice(0, 2)
    const msg = new TextEncoder().encode('cross-check')
    const nonces = signers.map((s) => F.commit(secretOf(s)))
    const commitmentList = nonces.map((nc) => nc.commitments)
    const sigShares = Object.fromEntries(signers.map((s, i) => [idOf(s.id), F.signShare(secretOf(s), pub as any, nonces[i].nonces, commitmentList, msg)]))
    const sig = F.aggregate(pub as any, commitmentList, msg, sigShares)
    expect(F.verify(sig, msg, pks.publicKey.toBytes())).toBe(true)
  })
})

/** Rewrites messages of `from` (optionally only to `to`) of one wire kind. */
function rewrite (kind: number, from: number, fn: (env: Envelope) => Uint8Array | null, to?: number) {
  return (env: Envelope): Envelope | null => {
    if (env.from !== from || peekKind(env.data) !== kind || (to !== undefined && env.to !== to)) return env
    const data = fn(env)
    return data === null ? null : { ...env, data }
  }
}

function chain (...fs: Array<(env: Envelope) => Envelope | null>) {
  return (env: Envelope): Envelope | null => {
    let cur: Envelope | null = env
    for (const f of fs) { if (cur === null) return null; cur = f(cur) }
    return cur
  }
}

describe('DKG, malicious dealers are disqualified and the key still forms', () => {
  const honestOutputs = (out: Map<number, KeyShare<P>>, bad: number[]): Array<KeyShare<P>> => [...out.values()].filter((s) => !bad.includes(s.id))

  it('a dealer that sends one inconsistent share and then answers the complaint with it', () => {
    const { ctx, sessions } = setup(Secp256k1, 1, 4, 'bad-share', [2])
    const wrong = new Map<number, bigint>()
    const out = runInMemory(sessions, {
      intercept: chain(
        rewrite(WireKind.DkgRound2Share, 2, (env) => {
          const s = (decodeDkgShare(ctx, env.data).share + 1n) % Secp256k1.order
          wrong.set(env.to, s)
          return encodeDkgShare(ctx, { share: s })
        }, 3),
        // The malicious dealer stands by the bad share when it answers.
        rewrite(WireKind.DkgComplaintAnswer, 2, (env) => {
          const a = decodeDkgAnswer(ctx, env.data)
          const revealed = new Map(a.revealed)
          for (const k of revealed.keys()) if (wrong.has(k)) revealed.set(k, wrong.get(k)!)
          return encodeDkgAnswer(ctx, { ...a, revealed })
        })
      )
    })
    for (const s of sessions) {
      if (s.me === 2) continue
      expect(s.outcome!.qual).toEqual([1, 3, 4])
      expect(s.outcome!.disqualified.get(2)).toBe('answer-invalid')
    }
    expectConsistentKey(Secp256k1, 1, honestOutputs(out as Map<number, KeyShare<P>>, [2]))
  })

  it('a complaint answered with the right share keeps the dealer (a share lost in transit is not a crime)', () => {
    const { ctx, sessions } = setup(Secp256k1, 1, 4, 'answered')
    const out = runInMemory(sessions, {
      intercept: rewrite(WireKind.DkgRound2Share, 2, (env) => encodeDkgShare(ctx, { share: (decodeDkgShare(ctx, env.data).share + 5n) % Secp256k1.order }), 3)
    })
    for (const s of sessions) expect(s.outcome!.qual).toEqual([1, 2, 3, 4])
    expectConsistentKey(Secp256k1, 1, [...out.values()])
  })

  it('a dealer that does not answer a complaint', () => {
    const { ctx, sessions } = setup(Secp256k1, 1, 4, 'no-answer', [4])
    const out = runInMemory(sessions, {
      intercept: chain(
        rewrite(WireKind.DkgRound2Share, 4, (env) => encodeDkgShare(ctx, { share: 1n }), 1),
        rewrite(WireKind.DkgComplaintAnswer, 4, () => null)
      )
    })
    for (const s of sessions.filter((s) => s.me !== 4)) {
      expect(s.outcome!.qual).toEqual([1, 2, 3])
      expect(['answer-missing', 'complaint-unanswered']).toContain(s.outcome!.disqualified.get(4))
    }
    expectConsistentKey(Secp256k1, 1, honestOutputs(out, [4]))
  })

  it('a silent dealer is disqualified when the round deadline passes', () => {
    const { sessions } = setup(BlsG1 as unknown as Group<P>, 2, 5, 'silent', [5])
    const out = runInMemory(sessions, { intercept: (env) => (env.from === 5 ? null : env) })
    for (const s of sessions.filter((s) => s.me !== 5)) {
      expect(s.outcome!.qual).toEqual([1, 2, 3, 4])
      // Silent in every round: the first rule that catches it names the reason.
      expect(['round1-missing', 'answer-missing']).toContain(s.outcome!.disqualified.get(5))
    }
    expectConsistentKey(BlsG1 as unknown as Group<P>, 2, honestOutputs(out, [5]))
  })

  it('a dealer whose proof of knowledge does not verify (rogue-key defence)', () => {
    const { ctx, sessions } = setup(Secp256k1, 1, 4, 'bad-pok', [3])
    const out = runInMemory(sessions, {
      intercept: rewrite(WireKind.DkgRound1, 3, (env) => {
        const pkg = decodeDkgRound1(ctx, env.data)
        return encodeDkgRound1(ctx, { ...pkg, proof: { ...pkg.proof, z: (pkg.proof.z + 1n) % Secp256k1.order } })
      })
    })
    for (const s of sessions.filter((s) => s.me !== 3)) {
      expect(s.outcome!.qual).toEqual([1, 2, 4])
      // Its own session vouches for the broadcast nobody else accepted: seen as equivocation.
      expect(['round1-missing', 'round1-equivocated']).toContain(s.outcome!.disqualified.get(3))
    }
    expectConsistentKey(Secp256k1, 1, honestOutputs(out, [3]))
  })

  it('a dealer that equivocates (different round-1 broadcasts to different parties)', () => {
    const { ctx, sessions } = setup(Secp256k1, 1, 4, 'equivocate', [2])
    const other = dkgRound1(ctx, 2, seededRng('the other face'))
    const out = runInMemory(sessions, {
      intercept: chain(
        rewrite(WireKind.DkgRound1, 2, () => encodeDkgRound1(ctx, other.broadcast), 4),
        rewrite(WireKind.DkgRound2Share, 2, () => encodeDkgShare(ctx, other.shares.get(4)!), 4)
      )
    })
    for (const s of sessions.filter((s) => s.me !== 2)) {
      expect(s.outcome!.qual).toEqual([1, 3, 4])
      expect(s.outcome!.disqualified.get(2)).toBe('round1-equivocated')
    }
    expectConsistentKey(Secp256k1, 1, honestOutputs(out, [2]))
  })

  it('too few qualified dealers: the honest parties abort and name the culprits', () => {
    const { sessions } = setup(Secp256k1, 2, 5, 'too-many-bad', [3, 4, 5])
    // Three of five dealers silent: QUAL would be 2 < t+1 = 3.
    let abort: unknown
    try {
      runInMemory(sessions, { intercept: (env) => (env.from >= 3 ? null : env) })
    } catch (err) { abort = err }
    expect(abort).toBeInstanceOf(ProtocolAbortError)
    expect((abort as ProtocolAbortError).culprits).toEqual([3, 4, 5])
  })
})

describe('DKG messages are refused when malformed, foreign or out of place', () => {
  function capture (seed: string): { ctx: DkgContext<P>, msgs: Envelope[] } {
    const { ctx, sessions } = setup(Secp256k1, 1, 3, seed)
    const msgs: Envelope[] = []
    runInMemory(sessions, { onSend: (env) => msgs.push(env) })
    return { ctx, msgs }
  }

  it('every truncation and every trailing byte of every message kind is refused with MalformedMessageError', () => {
    const { ctx, msgs } = capture('codec')
    const kinds = new Set<number>()
    for (const env of msgs) {
      const kind = peekKind(env.data)!
      if (kinds.has(kind)) continue
      kinds.add(kind)
      const fresh = new DkgSession({ ...ctx, me: env.to, rng: seededRng('x') })
      fresh.poke()
      for (let len = 0; len < env.data.length; len += Math.max(1, Math.floor(env.data.length / 40))) {
        expect(() => fresh.message(env.from, env.data.subarray(0, len))).toThrow(MalformedMessageError)
      }
      const longer = new Uint8Array(env.data.length + 1)
      longer.set(env.data)
      expect(() => fresh.message(env.from, longer)).toThrow(MalformedMessageError)
    }
    expect([...kinds].sort()).toEqual([WireKind.DkgRound1, WireKind.DkgRound2Share, WireKind.DkgComplaint, WireKind.DkgComplaintAnswer, WireKind.DkgResult].sort())
  })

  it('a message of another session, or with a flipped header byte, is refused and changes nothing', () => {
    const { ctx, msgs } = capture('foreign')
    const r1 = msgs.find((m) => peekKind(m.data) === WireKind.DkgRound1 && m.to === 1)!
    const other = new DkgSession({ ...ctx, sessionId: new Uint8Array(32).fill(9), me: 1, rng: seededRng('y') })
    other.poke()
    expect(() => other.message(r1.from, r1.data)).toThrow(/another session/)
    const s = new DkgSession({ ...ctx, me: 1, rng: seededRng('z') })
    s.poke()
    for (const i of [0, 1, 2, 3]) {
      const bad = r1.data.slice()
      bad[i] ^= 0x01
      expect(() => s.message(r1.from, bad)).toThrow(MalformedMessageError)
    }
    // Nothing was stored by the refusals: the genuine message is still accepted once, then a duplicate is refused.
    s.message(r1.from, r1.data)
    expect(() => s.message(r1.from, r1.data)).toThrow(DuplicateMessageError)
  })

  it('unknown senders and self-addressed messages are refused', () => {
    const { ctx, msgs } = capture('strangers')
    const r1 = msgs.find((m) => peekKind(m.data) === WireKind.DkgRound1)!
    const s = new DkgSession({ ...ctx, me: 1, rng: seededRng('w') })
    s.poke()
    expect(() => s.message(9, r1.data)).toThrow(UnknownSenderError)
    expect(() => s.message(1, r1.data)).toThrow(UnknownSenderError)
  })

  it('a flipped commitment byte is refused, or makes the sender a culprit — never a silent wrong key', () => {
    const { ctx, sessions } = setup(Secp256k1, 1, 4, 'flip-commitment', [4])
    let flips = 0
    const out = runInMemory(sessions, {
      intercept: rewrite(WireKind.DkgRound1, 4, (env) => {
        const bad = env.data.slice()
        bad[bad.length - 40] ^= 0x10 // inside the proof/commitment area
        flips++
        return bad
      })
    })
    expect(flips).toBe(3)
    expect(out.size).toBeGreaterThanOrEqual(3)
    for (const s of sessions.filter((s) => s.me !== 4)) expect(s.outcome!.qual).not.toContain(4)
    expectConsistentKey(Secp256k1, 1, honestOutputs(out, [4]))
  })
})

describe('stored key shares', () => {
  it('KeyShare and PublicKeySet round-trip through their codecs, and damage is refused', () => {
    const { sessions } = setup(BlsG1 as unknown as Group<P>, 2, 4, 'store')
    const share = runInMemory(sessions).get(2)!
    const bytes = encodeKeyShare(share)
    const back = decodeKeyShare(BlsG1 as unknown as Group<P>, bytes)
    expect(back.id).toBe(2)
    expect(back.secretShare).toBe(share.secretShare)
    expect(back.publicKeySet.publicKey.equals(share.publicKeySet.publicKey)).toBe(true)
    const pksBytes = encodePublicKeySet(share.publicKeySet)
    expect(decodePublicKeySet(BlsG1 as unknown as Group<P>, pksBytes).participants).toEqual([1, 2, 3, 4])
    expect(() => decodeKeyShare(BlsG1 as unknown as Group<P>, bytes.subarray(0, bytes.length - 1))).toThrow(MalformedMessageError)
    expect(() => decodeKeyShare(Secp256k1, bytes)).toThrow(MalformedMessageError)
  })
})

function honestOutputs (out: Map<number, KeyShare<P>>, bad: number[]): Array<KeyShare<P>> {
  return [...out.values()].filter((s) => !bad.includes(s.id))
}
