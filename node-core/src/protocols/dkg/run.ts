/**
 * All parties of one DKG in this process: for other protocols' tests and for
 * benchmarks. Production runs go through the node's transport instead.
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import type { Group } from '../../crypto/group.js'
import type { KeyShare } from '../../crypto/key-share.js'
import { secureRng, type Rng } from '../../crypto/random.js'
import type { ParticipantId } from '../../crypto/shares.js'
import { type RunOptions, runInMemory } from '../run-in-memory.js'
import type { RunResult } from '../types.js'
import { DkgSession } from './session.js'

/**
 * Run a DKG among `participants` (sorted here) with a fresh random session id;
 * returns each party's KeyShare. `rng` feeds every party (default secureRng).
 */
export function runDkgInMemory<P extends CurvePoint<any, P>> (
  group: Group<P>,
  degree: number,
  participants: readonly ParticipantId[],
  rng: Rng = secureRng,
  opts: RunOptions = {}
): RunResult<KeyShare<P>> {
  const ids = [...participants].sort((a, b) => a - b)
  const sessionId = rng(32)
  const sessions = ids.map((me) => new DkgSession({ sessionId, group, degree, participants: ids, me, rng }))
  return runInMemory(sessions, opts)
}
