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
  // When each session last moved (sent or returned): a round deadline runs from there.
  const lastProgress = new Map<ParticipantId, number>(sessions.map((s) => [s.me, 0]))
  let tick = 0
  const collect = (s: ProtocolSession<Output>): void => {
    if (results.has(s.me)) return
    const actions = s.poke()
    if (actions.length > 0) lastProgress.set(s.me, ++tick)
    for (const action of actions) {
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
    // Quiet network but unfinished sessions: a round deadline passes. Real
    // deadlines run from when each party entered its round, so the session
    // that has waited longest expires first, and what that produces is
    // delivered before anyone else's deadline: a party that is ahead must not
    // time out stragglers whose messages are late only because they waited too.
    if (queue.length === 0) {
      const waiting = sessions.filter((s) => !results.has(s.me) && s.expire !== undefined)
        .sort((a, b) => lastProgress.get(a.me)! - lastProgress.get(b.me)!)
      for (const s of waiting) {
        s.expire!()
        collect(s)
        if (queue.length > 0 || results.has(s.me)) break
      }
    }
  }
  return results
}
