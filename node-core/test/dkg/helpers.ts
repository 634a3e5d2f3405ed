/** Shared test scaffolding for the DKG tests: sessions, a malicious-party wrapper, message capture. */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import type { Group } from '../../src/crypto/group.js'
import type { KeyShare } from '../../src/crypto/key-share.js'
import { seededRng, type Rng } from '../../src/crypto/random.js'
import { type ParticipantId, interpolateScalar } from '../../src/crypto/shares.js'
import { type Envelope, type RunOptions, runInMemory } from '../../src/protocols/run-in-memory.js'
import type { ProtocolSession, RunResult } from '../../src/protocols/types.js'
import { DkgSession, type DkgContext } from '../../src/protocols/dkg/index.js'
import { expect } from 'vitest'

export interface Setup<P extends CurvePoint<any, P>> {
  ctx: DkgContext<P>
  sessions: Array<DkgSession<P>>
  byId: Map<ParticipantId, DkgSession<P>>
  rng: Rng
}

export function ids (n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1)
}

export function setup<P extends CurvePoint<any, P>> (group: Group<P>, degree: number, n: number, seed: string): Setup<P> {
  const rng = seededRng(seed)
  const ctx: DkgContext<P> = { group, degree, participants: ids(n), sessionId: rng(32) }
  const sessions = ctx.participants.map((me) => new DkgSession({ ...ctx, me, rng: seededRng(`${seed}/party-${me}`) }))
  return { ctx, sessions, byId: new Map(sessions.map((s) => [s.me, s] as const)), rng }
}

/** A party whose own session may abort (it cheated, so its view differs): swallow its errors. */
export function tolerant<O> (s: ProtocolSession<O>): ProtocolSession<O> {
  return {
    participants: s.participants,
    me: s.me,
    poke: () => { try { return s.poke() } catch { return [] } },
    message: (from, data) => s.message(from, data),
    expire: () => s.expire?.()
  }
}

/** Run with the listed parties made tolerant and (optionally) left out entirely. */
export function run<P extends CurvePoint<any, P>> (
  st: Setup<P>,
  opts: RunOptions & { cheaters?: ParticipantId[], absent?: ParticipantId[] } = {}
): RunResult<KeyShare<P>> {
  const sessions = st.sessions
    .filter((s) => !(opts.absent ?? []).includes(s.me))
    .map((s) => ((opts.cheaters ?? []).includes(s.me) ? tolerant(s) : s))
  return runInMemory(sessions, opts)
}

export function kindOf (env: Envelope): number { return env.data[2] }

/** Every party in `honest` returned the same public key set; returns it. */
export function expectAgreement<P extends CurvePoint<any, P>> (res: RunResult<KeyShare<P>>, honest: readonly ParticipantId[]): KeyShare<P>['publicKeySet'] {
  const first = res.get(honest[0])
  expect(first, `party ${honest[0]} returned`).toBeDefined()
  const pks = first!.publicKeySet
  for (const id of honest) {
    const s = res.get(id)
    expect(s, `party ${id} returned`).toBeDefined()
    expect(s!.id).toBe(id)
    expect(s!.publicKeySet.publicKey.equals(pks.publicKey)).toBe(true)
    expect(s!.publicKeySet.participants).toEqual(pks.participants)
    for (const k of pks.participants) expect(s!.publicKeySet.verificationShares.get(k)!.equals(pks.verificationShares.get(k)!)).toBe(true)
    // each share matches its public verification share
    expect(pks.group.BASE.multiply(s!.secretShare).equals(pks.verificationShares.get(id)!)).toBe(true)
  }
  return pks
}

/** Secret reconstructed from the given parties' shares. */
export function reconstruct<P extends CurvePoint<any, P>> (res: RunResult<KeyShare<P>>, from: readonly ParticipantId[]): bigint {
  const group = res.get(from[0])!.publicKeySet.group
  return interpolateScalar(group, new Map(from.map((id) => [id, res.get(id)!.secretShare] as const)))
}
