/**
 * Run a whole presign in one process (tests, benchmarks, demos): every party's
 * session over the in-memory runner. Throws ProtocolAbortError if any party aborts.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import type { SecpPoint } from '../../crypto/group.js'
import type { KeyShare } from '../../crypto/key-share.js'
import { secureRng, type Rng } from '../../crypto/random.js'
import type { ParticipantId } from '../../crypto/shares.js'
import type { Presignature } from '../../crypto/ecdsa/index.js'
import { runInMemory, type RunOptions } from '../run-in-memory.js'
import { PresignSession } from './session.js'

export interface RunPresignOptions extends RunOptions {
  /** Default: 16 random bytes from the rng. */
  sessionId?: Uint8Array
}

/**
 * `keyShares`: the shares of the participants that run (others are ignored).
 * `participants`: default all holders in `keyShares`. Returns each party's presignature.
 */
export function runPresignInMemory (
  keyShares: ReadonlyArray<KeyShare<SecpPoint>>,
  participants?: readonly ParticipantId[],
  rng: Rng = secureRng,
  opts: RunPresignOptions = {}
): Map<ParticipantId, Presignature> {
  const P = [...(participants ?? keyShares.map((s) => s.id))].sort((a, b) => a - b)
  const sessionId = opts.sessionId ?? rng(16)
  const sessions = P.map((id) => {
    const keyShare = keyShares.find((s) => s.id === id)
    if (keyShare === undefined) throw new Error(`no key share for participant ${id}`)
    return new PresignSession({ keyShare, participants: P, sessionId, rng })
  })
  const out = runInMemory(sessions, opts)
  const first = out.get(P[0])
  for (const [id, p] of out) {
    if (first !== undefined && bytesToHex(p.public.id) !== bytesToHex(first.public.id)) throw new Error(`party ${id} ended with a different presignature`)
  }
  return out
}
