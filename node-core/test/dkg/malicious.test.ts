/**
 * One cheating party at a time, played through the runner's intercept hook;
 * each test asserts who is disqualified (and why) and that the honest parties
 * still agree on a working key — or that the run aborts naming the culprits.
 */
import { describe, it, expect } from 'vitest'
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { BlsG1, Secp256k1, mod } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { WireKind } from '../../src/crypto/wire.js'
import { ProtocolAbortError } from '../../src/errors.js'
import type { Envelope } from '../../src/protocols/run-in-memory.js'
import {
  DKG_ABORT, decodeDkgAnswer, decodeDkgComplaint, decodeDkgResult, decodeDkgRound1, decodeDkgShare,
  dkgRound1, encodeDkgAnswer, encodeDkgComplaint, encodeDkgResult, encodeDkgRound1, encodeDkgShare, type DkgContext
} from '../../src/protocols/dkg/index.js'
import { expectAgreement, ids, kindOf, reconstruct, run, setup, type Setup } from './helpers.js'

function honestOf (n: number, bad: number[]): number[] {
  return ids(n).filter((id) => !bad.includes(id))
}

/** Every honest party names exactly `expected` as disqualified (id → reason). */
function expectDisqualified<P extends CurvePoint<any, P>> (st: Setup<P>, honest: number[], expected: Record<number, string>): void {
  for (const id of honest) {
    const o = st.byId.get(id)!.outcome
    expect(o, `party ${id} finished`).toBeDefined()
    expect(Object.fromEntries(o!.disqualified)).toEqual(expected)
    expect(o!.qual).toEqual(ids(st.ctx.participants.length).filter((k) => !(k in expected)))
  }
}

/** The key works: t+1 honest shares reconstruct it, and it is the sum of the qualified dealers' C_0. */
function expectWorkingKey<P extends CurvePoint<any, P>> (st: Setup<P>, res: ReturnType<typeof run<P>>, honest: number[]): void {
  const pks = expectAgreement(res, honest)
  const t = st.ctx.degree
  expect(st.ctx.group.BASE.multiply(reconstruct(res, honest.slice(0, t + 1))).equals(pks.publicKey)).toBe(true)
  expect(st.ctx.group.BASE.multiply(reconstruct(res, honest.slice(-(t + 1)))).equals(pks.publicKey)).toBe(true)
}

function tamperShare<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, env: Envelope, delta = 1n): Envelope {
  const { share } = decodeDkgShare(ctx, env.data)
  return { ...env, data: encodeDkgShare(ctx, { share: mod(share + delta, ctx.group.order) }) }
}

describe('DKG with a cheating dealer', () => {
  it('bad share, honest answer: the complaint is resolved and the dealer stays (GJKR)', () => {
    const st = setup(Secp256k1, 1, 5, 'mal/resolved')
    const res = run(st, {
      intercept: (env) => (env.from === 2 && env.to === 1 && kindOf(env) === WireKind.DkgRound2Share ? tamperShare(st.ctx, env) : env)
    })
    expectDisqualified(st, ids(5), {})
    expectWorkingKey(st, res, ids(5)) // party 1 took the revealed share instead of the bad one
  })

  for (const group of [Secp256k1, BlsG1] as const) {
    it(`${group.name}: a dealer that sends an inconsistent share and repeats it in its answer is disqualified`, () => {
      const st = setup(group as typeof Secp256k1, 1, 4, `mal/answer-invalid/${group.name}`)
      const res = run(st, {
        cheaters: [2],
        intercept: (env) => {
          if (env.from !== 2) return env
          if (env.to === 1 && kindOf(env) === WireKind.DkgRound2Share) return tamperShare(st.ctx, env)
          if (kindOf(env) === WireKind.DkgComplaintAnswer) {
            const a = decodeDkgAnswer(st.ctx, env.data)
            const revealed = new Map(a.revealed)
            revealed.set(1, mod(a.revealed.get(1)! + 1n, group.order))
            return { ...env, data: encodeDkgAnswer(st.ctx, { ...a, revealed }) }
          }
          return env
        }
      })
      const honest = honestOf(4, [2])
      expectDisqualified(st, honest, { 2: 'answer-invalid' })
      expectWorkingKey(st, res, honest)
    })
  }

  it('a dealer that leaves a complaint unanswered is disqualified', () => {
    const st = setup(Secp256k1, 1, 5, 'mal/unanswered')
    const res = run(st, {
      cheaters: [3],
      intercept: (env) => {
        if (env.from !== 3) return env
        if (env.to === 4 && kindOf(env) === WireKind.DkgRound2Share) return null // share withheld
        if (kindOf(env) === WireKind.DkgComplaintAnswer) {
          const a = decodeDkgAnswer(st.ctx, env.data)
          return { ...env, data: encodeDkgAnswer(st.ctx, { ...a, revealed: new Map() }) }
        }
        return env
      }
    })
    const honest = honestOf(5, [3])
    expectDisqualified(st, honest, { 3: 'complaint-unanswered' })
    expectWorkingKey(st, res, honest)
  })

  it('a silent dealer is disqualified once the rounds expire', () => {
    const st = setup(Secp256k1, 2, 7, 'mal/silent')
    const res = run(st, { absent: [6] })
    const honest = honestOf(7, [6])
    expectDisqualified(st, honest, { 6: 'round1-missing' })
    expectWorkingKey(st, res, honest)
    // the silent party still has a verification share: it can later be given its share
    expect(res.get(1)!.publicKeySet.verificationShares.has(6)).toBe(true)
  })

  it('a dealer that goes silent after round 1 is disqualified', () => {
    const st = setup(Secp256k1, 1, 4, 'mal/silent-late')
    const res = run(st, {
      cheaters: [4],
      intercept: (env) => (env.from === 4 && kindOf(env) === WireKind.DkgComplaintAnswer ? null : env)
    })
    const honest = honestOf(4, [4])
    expectDisqualified(st, honest, { 4: 'answer-missing' })
    expectWorkingKey(st, res, honest)
  })

  it('an invalid proof of knowledge disqualifies the dealer', () => {
    const st = setup(BlsG1, 2, 5, 'mal/pok')
    const res = run(st, {
      cheaters: [4],
      intercept: (env) => {
        if (env.from !== 4 || kindOf(env) !== WireKind.DkgRound1) return env
        const r1 = decodeDkgRound1(st.ctx, env.data)
        return { ...env, data: encodeDkgRound1(st.ctx, { ...r1, proof: { ...r1.proof, z: mod(r1.proof.z + 1n, BlsG1.order) } }) }
      }
    })
    const honest = honestOf(5, [4])
    expectDisqualified(st, honest, { 4: 'round1-missing' })
    expectWorkingKey(st, res, honest)
  })

  it('a proof of knowledge copied from another dealer (rogue key) is refused', () => {
    // Dealer 5 replays dealer 1's commitment and proof as its own: the proof is bound to dealer 1.
    const st = setup(Secp256k1, 1, 5, 'mal/rogue')
    let copied: Uint8Array | undefined
    const res = run(st, {
      cheaters: [5],
      intercept: (env) => {
        if (kindOf(env) !== WireKind.DkgRound1) return env
        if (env.from === 1 && env.to === 2) copied = env.data
        if (env.from === 5) return { ...env, data: copied! }
        return env
      }
    })
    const honest = honestOf(5, [5])
    expectDisqualified(st, honest, { 5: 'round1-missing' })
    expectWorkingKey(st, res, honest)
  })

  it('equivocation: a dealer sending a different round-1 broadcast to one party is detected', () => {
    const st = setup(Secp256k1, 1, 5, 'mal/equivocate')
    const other = dkgRound1(st.ctx, 3, seededRng('the other polynomial'))
    const res = run(st, {
      cheaters: [3],
      intercept: (env) => {
        if (env.from !== 3 || env.to !== 1) return env
        if (kindOf(env) === WireKind.DkgRound1) return { ...env, data: encodeDkgRound1(st.ctx, other.broadcast) }
        if (kindOf(env) === WireKind.DkgRound2Share) return { ...env, data: encodeDkgShare(st.ctx, other.shares.get(1)!) }
        return env
      }
    })
    const honest = honestOf(5, [3])
    expectDisqualified(st, honest, { 3: 'round1-equivocated' })
    expectWorkingKey(st, res, honest)
  })

  it('equivocation in round 2: a complaint shown to one party only is detected and ignored', () => {
    const st = setup(Secp256k1, 1, 5, 'mal/complaint-equivocation')
    const res = run(st, {
      cheaters: [2],
      intercept: (env) => {
        if (env.from !== 2 || env.to !== 1 || kindOf(env) !== WireKind.DkgComplaint) return env
        const c = decodeDkgComplaint(st.ctx, env.data)
        return { ...env, data: encodeDkgComplaint(st.ctx, { ...c, accused: [5] }) }
      }
    })
    const honest = honestOf(5, [2])
    expectDisqualified(st, honest, { 2: 'complaint-equivocated' }) // dealer 5 is not framed
    expectWorkingKey(st, res, honest)
  })
})

describe('DKG with damaged broadcasts', () => {
  // Any single flipped bit in the proof/commitment area: refused by the codec or the PoK, or caught by the
  // Feldman check — in every case dealer 4 is out and the others agree; never a silent wrong key.
  for (const offset of [40, 60, 90]) {
    it(`bit flipped ${offset} bytes from the end of a round-1 broadcast`, () => {
      const st = setup(Secp256k1, 1, 4, `damaged/${offset}`)
      const res = run(st, {
        cheaters: [4],
        intercept: (env) => {
          if (env.from !== 4 || kindOf(env) !== WireKind.DkgRound1) return env
          const bad = env.data.slice()
          bad[bad.length - offset] ^= 0x10
          return { ...env, data: bad }
        }
      })
      const honest = honestOf(4, [4])
      for (const id of honest) expect(st.byId.get(id)!.outcome!.qual).toEqual(honest)
      expectWorkingKey(st, res, honest)
    })
  }
})

describe('DKG aborts', () => {
  it('too many bad dealers: ProtocolAbortError naming them', () => {
    const st = setup(Secp256k1, 2, 5, 'abort/qual')
    const bad = [1, 3, 4]
    let err: unknown
    try {
      run(st, {
        cheaters: bad,
        intercept: (env) => {
          if (!bad.includes(env.from) || kindOf(env) !== WireKind.DkgRound1) return env
          const r1 = decodeDkgRound1(st.ctx, env.data)
          return { ...env, data: encodeDkgRound1(st.ctx, { ...r1, proof: { ...r1.proof, z: mod(r1.proof.z + 1n, Secp256k1.order) } }) }
        }
      })
    } catch (e) { err = e }
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect((err as ProtocolAbortError).code).toBe(DKG_ABORT)
    expect((err as ProtocolAbortError).culprits).toEqual(bad)
    // the session stays aborted
    expect(st.byId.get(2)!.state === 'aborted' || st.byId.get(5)!.state === 'aborted').toBe(true)
  })

  it('a tampered result confirmation aborts, naming its sender', () => {
    const st = setup(Secp256k1, 1, 4, 'abort/result')
    let err: unknown
    try {
      run(st, {
        intercept: (env) => {
          if (env.from !== 2 || env.to !== 1 || kindOf(env) !== WireKind.DkgResult) return env
          const r = decodeDkgResult(st.ctx, env.data)
          return { ...env, data: encodeDkgResult(st.ctx, { ...r, publicKey: r.publicKey.double() }) }
        }
      })
    } catch (e) { err = e }
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect((err as ProtocolAbortError).culprits).toEqual([2])
  })

  it('a missing result confirmation aborts after expiry, naming the silent party', () => {
    const st = setup(Secp256k1, 1, 4, 'abort/confirm')
    let err: unknown
    try {
      run(st, { cheaters: [3], intercept: (env) => (env.from === 3 && kindOf(env) === WireKind.DkgResult ? null : env) })
    } catch (e) { err = e }
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect((err as ProtocolAbortError).culprits).toEqual([3])
  })
})
