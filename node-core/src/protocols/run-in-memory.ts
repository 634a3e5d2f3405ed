/**
 * Runs a set of protocol sessions to completion in one process, delivering
 * every message. For tests and benchmarks; `intercept` lets a test corrupt,
 * drop or replace a message to play a malicious party.
 */
import type { ParticipantId } from '../crypto/shares.js'
import type { ProtocolSession, RunResult } from './types.js'

export interface Envelope {
  from: ParticipantId
  to: ParticipantId
  /** true when the sender broadcast it (send-all). */
  broadcast: boolean
  data: Uint8Array
}

export interface RunOptions {
  /** Return the (possibly altered) envelope to deliver, or null to drop it. */
  intercept?: (env: Envelope) => Envelope | null
  /** Called with each message's byte size, for per-party traffic accounting. */
  onSend?: (env: Envelope) => void
  /** Give up after this many delivery rounds (guards against a stuck protocol). */
  maxRounds?: number
  /** A session refused a message (threw): by default the run goes on, as a node's would. */
  onRefused?: (env: Envelope, err: unknown) => void
}

export function runInMemory<Output> (sessions: ReadonlyArray<ProtocolSession<Output>>, opts: RunOptions = {}): RunResult<Output> {
  const byId = new Map(sessions.map((s) => [s.me, s] as const))
  const results: RunResult<Output> = new Map()
  let queue: Envelope[] = []
  const collect = (s: ProtocolSession<Output>): void => {
    if (results.has(s.me)) return
    for (const action of s.poke()) {
      if (action.kind === 'return') {
        results.set(s.me, action.output)
      } else if (action.kind === 'send-all') {
        for (const to of s.participants) if (to !== s.me) queue.push({ from: s.me, to, broadcast: true, data: action.data })
      } else {
        queue.push({ from: s.me, to: action.to, broadcast: false, data: action.data })
      }
    }
  }
  for (const s of sessions) collect(s)
  const maxRounds = opts.maxRounds ?? 1000
  for (let round = 0; queue.length > 0; round++) {
    if (round >= maxRounds) throw new Error(`protocol did not finish in ${maxRounds} rounds`)
    const batch = queue
    queue = []
    const touched = new Set<ProtocolSession<Output>>()
    for (const original of batch) {
      opts.onSend?.(original)
      const env = opts.intercept === undefined ? original : opts.intercept(original)
      if (env === null) continue
      const target = byId.get(env.to)
      if (target === undefined || results.has(env.to)) continue
      try {
        target.message(env.from, env.data)
      } catch (err) {
        opts.onRefused?.(env, err)
      }
      touched.add(target)
    }
    for (const s of touched) collect(s)
    // Quiet network but unfinished sessions: the round deadline passes for them.
    if (queue.length === 0) {
      for (const s of sessions) {
        if (!results.has(s.me) && s.expire !== undefined) { s.expire(); collect(s) }
      }
    }
  }
  return results
}
