import { describe, it, expect } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { Secp256k1, mod } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { WireKind } from '../../src/crypto/wire.js'
import { ProtocolAbortError, MalformedMessageError } from '../../src/errors.js'
import {
  EcdsaAbortCode, signShare, combineSignatureShares, decodeRound1Share, encodeRound1Share, decodeRound2, encodeRound2, decodeRound1, encodeRound1
} from '../../src/crypto/ecdsa/index.js'
import { PresignSession, runPresignInMemory } from '../../src/protocols/presign/index.js'
import { runInMemory, type Envelope } from '../../src/protocols/run-in-memory.js'
import { keyFor, ids, caught, requestFor } from './helpers.js'

const n = 5; const t = 1
const keys = keyFor(n, t)
const order = Secp256k1.order

function runWith (intercept: (env: Envelope) => Envelope | null, seed = 'faults', participants = ids(n)): unknown {
  return caught(() => runPresignInMemory(keys.filter((k) => participants.includes(k.id)), participants, seededRng(seed), { intercept }))
}

// |P| = 2t+1: no redundancy, so every proof is checked (docs/ecdsa.md §4.2).
const tight = [1, 2, 4]

function kindOf (env: Envelope): number { return env.data[2] }

describe('presign names cheaters', () => {
  it('a dealer sending one wrong private share is named (BadShare)', () => {
    const err = runWith((env) => {
      if (env.from === 2 && env.to === 4 && kindOf(env) === WireKind.PresignRound1Share) {
        const m = decodeRound1Share(env.data)
        return { ...env, data: encodeRound1Share({ ...m, a: mod(m.a + 1n, order) }) }
      }
      return env
    }) as ProtocolAbortError
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.code).toBe(EcdsaAbortCode.BadShare)
    expect(err.culprits).toEqual([2])
  })

  for (const field of ['k', 'b', 'e'] as const) {
    it(`a wrong ${field} share is named too`, () => {
      const err = runWith((env) => {
        if (env.from === 5 && env.to === 1 && kindOf(env) === WireKind.PresignRound1Share) {
          const m = decodeRound1Share(env.data)
          return { ...env, data: encodeRound1Share({ ...m, [field]: mod(m[field] + 7n, order) }) }
        }
        return env
      }) as ProtocolAbortError
      expect(err.culprits).toEqual([5])
    })
  }

  it('a party opening a wrong w_j is named (BadProof)', () => {
    const err = runWith((env) => {
      if (env.from === 3 && kindOf(env) === WireKind.PresignRound2) {
        const m = decodeRound2(env.data)
        return { ...env, data: encodeRound2({ ...m, w: mod(m.w + 1n, order) }) }
      }
      return env
    }) as ProtocolAbortError
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.code).toBe(EcdsaAbortCode.BadProof)
    expect(err.culprits).toEqual([3])
  })

  it('a party publishing a wrong Y_j is named', () => {
    const err = runWith((env) => {
      if (env.from === 1 && kindOf(env) === WireKind.PresignRound2) {
        const m = decodeRound2(env.data)
        return { ...env, data: encodeRound2({ ...m, Y: m.Y.add(Secp256k1.BASE) }) }
      }
      return env
    }) as ProtocolAbortError
    expect(err.culprits).toEqual([1])
  })

  const badProof = (from: number) => (env: Envelope): Envelope => {
    if (env.from !== from || kindOf(env) !== WireKind.PresignRound2) return env
    const m = decodeRound2(env.data)
    return { ...env, data: encodeRound2({ ...m, proof: { T: m.proof.T, z: mod(m.proof.z + 1n, order) } }) }
  }

  it('a bad proof is named when |P| = 2t+1 (proofs always checked)', () => {
    const err = runWith(badProof(4), 'faults', tight) as ProtocolAbortError
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.code).toBe(EcdsaAbortCode.BadProof)
    expect(err.culprits).toEqual([4])
  })

  it('with |P| ≥ 3t+1 a bad proof over right values changes nothing: the presignature is made and signs', () => {
    const honest = runPresignInMemory(keys, ids(n), seededRng('proof-only'))
    const withBad = runPresignInMemory(keys, ids(n), seededRng('proof-only'), { intercept: badProof(4) })
    // The id binds the values, not the proofs, so every party (the prover too) agrees on it.
    const idsOf = (m: typeof honest): string[] => [...m.values()].map((p) => bytesToHex(p.public.id))
    expect(idsOf(withBad)).toEqual(idsOf(honest))
    expect(new Set(idsOf(withBad)).size).toBe(1)
    const req = requestFor('proof-only', [1, 2, 4])
    const pub = withBad.get(1)!.public
    const { signature, culprits } = combineSignatureShares(pub, req, req.signers.map((id) => signShare(withBad.get(id)!, req)))
    expect(culprits).toEqual([])
    expect(secp256k1.verify(hexToBytes(signature.signature.slice(2, 130)), req.messageHash, signature.publicKey, { prehash: false })).toBe(true)
  })

  it('a bad proof is named alongside a wrong w_j once the codeword check fails', () => {
    const err = runWith((env) => {
      env = badProof(4)(env)
      if (env.from !== 3 || kindOf(env) !== WireKind.PresignRound2) return env
      const m = decodeRound2(env.data)
      return { ...env, data: encodeRound2({ ...m, w: mod(m.w + 1n, order) }) }
    }) as ProtocolAbortError
    expect(err.code).toBe(EcdsaAbortCode.BadProof)
    expect(err.culprits).toEqual([3, 4])
  })

  it('a dealer equivocating on its round-1 broadcast makes the echo check fail', () => {
    const err = runWith((env) => {
      if (env.from === 2 && env.to === 5 && kindOf(env) === WireKind.PresignRound1) {
        // re-send a different (but well-formed) commitment to party 5 only
        const m = decodeRound1(env.data, t)
        return { ...env, data: encodeRound1({ ...m, k: [m.k[0].add(Secp256k1.BASE), m.k[1]] }) }
      }
      return env
    }) as ProtocolAbortError
    expect(err).toBeInstanceOf(ProtocolAbortError)
    // party 5 checks its shares against a commitment that does not match them → names dealer 2
    expect(err.culprits).toContain(2)
  })

  it("a party replaying another party's round-2 proof is named (|P| = 2t+1)", () => {
    // A first, honest run records party 1's proof (message order is not fixed within a round).
    let proofOf1: ReturnType<typeof decodeRound2>['proof'] | undefined
    runPresignInMemory(keys.filter((k) => tight.includes(k.id)), tight, seededRng('replay'), {
      intercept: (env) => { if (env.from === 1 && kindOf(env) === WireKind.PresignRound2) proofOf1 = decodeRound2(env.data).proof; return env }
    })
    const err = runWith((env) => {
      if (env.from !== 2 || kindOf(env) !== WireKind.PresignRound2) return env
      return { ...env, data: encodeRound2({ ...decodeRound2(env.data), proof: proofOf1! }) }
    }, 'replay', tight) as ProtocolAbortError
    expect(err.code).toBe(EcdsaAbortCode.BadProof)
    expect(err.culprits).toEqual([2])
  })

  it('a proof with a swapped commitment point is named (|P| = 2t+1)', () => {
    const err = runWith((env) => {
      if (env.from === 2 && kindOf(env) === WireKind.PresignRound2) {
        const m = decodeRound2(env.data)
        return { ...env, data: encodeRound2({ ...m, proof: { T: [m.proof.T[1], m.proof.T[0]], z: m.proof.z } }) }
      }
      return env
    }, 'faults', tight) as ProtocolAbortError
    expect(err.culprits).toEqual([2])
  })

  it('a silent party is named when the round deadline passes', () => {
    const err = runWith((env) => (env.from === 3 && kindOf(env) === WireKind.PresignRound2 ? null : env)) as ProtocolAbortError
    expect(err.code).toBe(EcdsaAbortCode.Timeout)
    expect(err.culprits).toEqual([3])
  })
})

describe('presign refuses bad messages without changing state', () => {
  function sessions (sessionId = new Uint8Array([1, 2, 3])): PresignSession[] {
    return ids(n).map((id) => new PresignSession({ keyShare: keys[id - 1], participants: ids(n), sessionId, rng: seededRng(`s${id}`) }))
  }
  function firstMessages (s: PresignSession): Array<{ kind: string, to?: number, data: Uint8Array }> {
    return s.poke().map((a) => (a.kind === 'return' ? { kind: a.kind, data: new Uint8Array() } : a))
  }

  it('isEarly: a round-2 message is early while the session waits on round 1, and not after', () => {
    const all = sessions(new Uint8Array([9]))
    const first = all.map(firstMessages)
    const bcast1 = first[0].find((a) => a.kind === 'send-all')!.data
    expect(all[1].isEarly(bcast1)).toBe(false)
    // Deliver every round-1 message; each session then sends its round 2.
    for (const [i, out] of first.entries()) {
      for (const a of out) {
        for (const [j, s] of all.entries()) {
          if (j !== i && (a.kind === 'send-all' || (a.kind === 'send-private' && a.to === j + 1))) s.message(i + 1, a.data)
        }
      }
    }
    const round2 = all[0].poke().find((a) => a.kind === 'send-all')!.data
    expect(round2[2]).toBe(WireKind.PresignRound2)
    expect(all[1].isEarly(round2)).toBe(true)
    all[1].poke()
    expect(all[1].isEarly(round2)).toBe(false)
  })

  it('truncated, extended and header-flipped messages are MalformedMessageError', () => {
    const [s1, s2] = sessions()
    const out = firstMessages(s1)
    s2.poke()
    const bcast = out.find((a) => a.kind === 'send-all')!.data
    const share = out.find((a) => a.kind === 'send-private' && a.to === 2)!.data
    for (const data of [bcast, share]) {
      expect(caught(() => s2.message(1, data.subarray(0, data.length - 1)))).toBeInstanceOf(MalformedMessageError)
      expect(caught(() => s2.message(1, Uint8Array.from([...data, 0])))).toBeInstanceOf(MalformedMessageError)
      for (const pos of [0, 1, 2]) {
        const f = data.slice(); f[pos] ^= 0x01
        expect(caught(() => s2.message(1, f))).toBeInstanceOf(MalformedMessageError)
      }
      expect(caught(() => s2.message(1, new Uint8Array(2)))).toBeInstanceOf(MalformedMessageError)
    }
    // refused messages changed nothing: the genuine ones are still accepted once, and only once
    s2.message(1, bcast)
    s2.message(1, share)
    expect(caught(() => s2.message(1, bcast))).toBeInstanceOf(MalformedMessageError)
    expect(caught(() => s2.message(1, share))).toBeInstanceOf(MalformedMessageError)
  })

  it('every single-byte flip is refused at decode or makes the recipient name the sender', () => {
    // Flip a byte at random offsets of party 1's round-1 broadcast or share to party 2 only.
    // Party 2 must name 1 (refused at decode → 1 is silent towards 2; accepted → bad share);
    // the others may name 2, whose view now differs (a point-to-point dispute: docs/ecdsa.md §4.1).
    const rng = seededRng('flips')
    for (let trial = 0; trial < 12; trial++) {
      const target = trial % 2 === 0 ? WireKind.PresignRound1 : WireKind.PresignRound1Share
      const aborts = new Map<number, ProtocolAbortError>()
      const all = ids(n).map((id) => new PresignSession({ keyShare: keys[id - 1], participants: ids(n), sessionId: new Uint8Array([trial + 1]), rng: seededRng(`flip-${trial}-${id}`) }))
      const wrapped = all.map((s) => ({
        participants: s.participants,
        me: s.me,
        poke: () => { try { return s.poke() } catch (e) { aborts.set(s.me, e as ProtocolAbortError); return [] } },
        message: (from: number, data: Uint8Array) => s.message(from, data),
        expire: () => s.expire()
      }))
      runInMemory(wrapped, {
        intercept: (env) => {
          if (env.from === 1 && env.to === 2 && kindOf(env) === target) {
            const data = env.data.slice()
            const pos = 3 + (rng(1)[0] * 256 + rng(1)[0]) % (data.length - 3)
            data[pos] ^= 1 << (rng(1)[0] % 8)
            return { ...env, data }
          }
          return env
        },
        onRefused: (_env, e) => { expect(e).toBeInstanceOf(MalformedMessageError) }
      })
      expect(aborts.get(2)).toBeInstanceOf(ProtocolAbortError)
      expect(aborts.get(2)!.culprits).toEqual([1])
      for (const e of aborts.values()) expect(e).toBeInstanceOf(ProtocolAbortError)
    }
  })

  it('points must be canonical uncompressed SEC1 on the curve', () => {
    const [s1, s2] = sessions()
    const out = firstMessages(s1)
    s2.poke()
    const bcast = out.find((a) => a.kind === 'send-all')!.data
    // layout: header (3) · sessionId (u32 length + 3 bytes) · k: u16 count, then 65-byte points
    const first = 3 + 4 + 3 + 2
    expect(bcast[first]).toBe(0x04)
    const compressedPrefix = bcast.slice(); compressedPrefix[first] = 0x02
    const offCurve = bcast.slice(); offCurve[first + 64] ^= 0x01 // y's last bit
    const bigX = bcast.slice(); bigX.fill(0xff, first + 1, first + 33) // x ≥ p
    const identityK = bcast.slice(); identityK.fill(0, first, first + 65) // only zero sharings may start with the identity
    for (const bad of [compressedPrefix, offCurve, bigX, identityK]) {
      expect(caught(() => s2.message(1, bad))).toBeInstanceOf(MalformedMessageError)
    }
    s2.message(1, bcast)
  })

  it('messages from unknown senders, from oneself, or of other sessions are refused', () => {
    const [s1] = sessions(new Uint8Array([9]))
    const [, s2] = sessions()
    s1.poke()
    const out = firstMessages(s2)
    const bcast = out.find((a) => a.kind === 'send-all')!.data
    const share = out.find((a) => a.kind === 'send-private' && a.to === 1)!.data
    expect(caught(() => s1.message(2, bcast))).toBeInstanceOf(MalformedMessageError) // other session
    expect(caught(() => s1.message(2, share))).toBeInstanceOf(MalformedMessageError)
    expect(caught(() => s1.message(9, bcast))).toBeInstanceOf(MalformedMessageError) // unknown sender
    expect(caught(() => s1.message(1, bcast))).toBeInstanceOf(MalformedMessageError) // from myself
  })

  it('set-up errors: too few participants, unsorted, not a key holder', () => {
    const k = keyFor(7, 2)
    expect(caught(() => new PresignSession({ keyShare: k[0], participants: [1, 2, 3, 4], sessionId: new Uint8Array([1]) })).name).toBe('InvalidArgumentError')
    expect(caught(() => new PresignSession({ keyShare: k[0], participants: [2, 1, 3, 4, 5], sessionId: new Uint8Array([1]) })).name).toBe('InvalidArgumentError')
    expect(caught(() => new PresignSession({ keyShare: k[0], participants: [1, 2, 3, 4, 8], sessionId: new Uint8Array([1]) })).name).toBe('InvalidArgumentError')
    expect(caught(() => new PresignSession({ keyShare: k[0], participants: [2, 3, 4, 5, 6], sessionId: new Uint8Array([1]) })).name).toBe('InvalidArgumentError')
    expect(caught(() => new PresignSession({ keyShare: k[0], participants: [1, 2, 3, 4, 5], sessionId: new Uint8Array(0) })).name).toBe('MalformedMessageError')
  })
})

describe('DLEQ proofs', () => {
  it('batch verification accepts valid proofs and refuses one bad proof among many', async () => {
    const { proveDleq, verifyDleq, batchVerifyDleq } = await import('../../src/crypto/ecdsa/index.js')
    const rng = seededRng('dleq')
    const G = Secp256k1.BASE
    const xs = [1, 2, 3, 4].map((prover) => {
      const a = BigInt(prover) * 987654321n
      const bases = [G, G.multiply(11n * BigInt(prover)), G.multiply(13n)]
      const images = bases.map((b) => b.multiply(a))
      const ctx = { sessionId: new Uint8Array([7]), prover, statement: 'test' }
      return { ctx, bases, images, proof: proveDleq(ctx, bases, images, a, rng) }
    })
    expect(xs.every(verifyDleq)).toBe(true)
    expect(batchVerifyDleq(xs)).toBe(true)
    const bad = xs.map((x, i) => (i === 2 ? { ...x, images: [x.images[0], x.images[1].add(G), x.images[2]] } : x))
    expect(batchVerifyDleq(bad)).toBe(false)
    expect(bad.map(verifyDleq)).toEqual([true, true, false, true])
    // a proof bound to another prover or session does not verify
    expect(verifyDleq({ ...xs[0], ctx: { ...xs[0].ctx, prover: 9 } })).toBe(false)
    expect(verifyDleq({ ...xs[0], ctx: { ...xs[0].ctx, sessionId: new Uint8Array([8]) } })).toBe(false)
  })
})
