/**
 * The session hub: one per node, it drives ProtocolSessions (DKG, presign)
 * over `session/message` requests. Spec: docs/node-runtime.md §4.
 *
 * - A session is started with its 32-byte id, the PeerId of every participant
 *   and the state machine; the hub carries out its actions (send-all → one
 *   request per other participant, send-private → one request, return → the
 *   run's output) (Spec 4.1).
 * - Messages for a session not running yet are buffered, bounded and aged out
 *   (Spec 4.2): a faster peer may reach us before the client's request does.
 * - A round deadline calls `expire()` when a session has seen neither progress
 *   nor an accepted message of its current round for `roundTimeoutMs` (Spec 4.3).
 * - A refused message is logged with its sender and dropped; the session goes
 *   on; only `poke()` throwing ends a run, with culprits mapped to PeerIds (4.4).
 * - A session id runs at most once per hub (Spec 4.5).
 *
 * The sender of a message is the authenticated peer of its request, never a
 * field of the message; a peer outside the session is refused (ERR_UNAUTHORIZED).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { InvalidArgumentError, ProtocolAbortError } from '../errors.js'
import type { ParticipantId } from '../crypto/shares.js'
import { BadRequestError, UnauthorizedError, UnavailableError } from '../net/rpc/errors.js'
import type { Action, ProtocolSession } from '../protocols/types.js'
import { systemClock, type Clock } from './clock.js'
import { SessionCancelledError, SessionFailedError, SessionReplayError, SessionTimeoutError } from './errors.js'
import { describeError, nodeLogger, short, silentSink, type LogSink, type NodeLogger } from './log.js'
import { SessionMessage } from './rpc-definitions.js'
import type { NodeHandlerContext, NodeRpc } from './transport.js'

export const DEFAULT_ROUND_TIMEOUT_MS = 15_000

/** Bounds of the early-message buffers (Spec 4.2). */
export interface SessionBufferLimits {
  sessions: number
  messagesPerSession: number
  totalBytes: number
  maxAgeMs: number
}

export const DEFAULT_BUFFER_LIMITS: SessionBufferLimits = {
  sessions: 64,
  messagesPerSession: 64,
  totalBytes: 4 * 1024 * 1024,
  maxAgeMs: 15_000
}

/** Deadlines in a row that brought no progress before a run is given up. */
const MAX_IDLE_DEADLINES = 2

export interface SessionHubInit {
  rpc: NodeRpc
  /** Round deadline (default 5 s). */
  roundTimeoutMs?: number
  bufferLimits?: Partial<SessionBufferLimits>
  clock?: Clock
  log?: LogSink
}

export interface SessionRun<Output> {
  /** 32 bytes, derived from the run's parameters (session-ids.ts). */
  id: Uint8Array
  /** Every participant of `session` (this node included) and its PeerId. */
  peers: ReadonlyMap<ParticipantId, string>
  session: ProtocolSession<Output>
  signal?: AbortSignal
  /** Called after each step that sent something (read the session's state for status displays). */
  onProgress?: () => void
  /** For log lines, e.g. 'mint 1a2b…'. */
  label?: string
}

interface Running {
  readonly idHex: string
  readonly label: string
  readonly session: ProtocolSession<unknown>
  readonly peerOf: ReadonlyMap<ParticipantId, string>
  readonly idOf: ReadonlyMap<string, ParticipantId>
  readonly onProgress?: () => void
  timer?: ReturnType<typeof setTimeout>
  idleDeadlines: number
  finished: boolean
  resolve: (output: unknown) => void
  reject: (err: Error) => void
  detachSignal?: () => void
}

interface Buffered {
  readonly createdAt: number
  readonly messages: Array<{ from: string, data: Uint8Array }>
  bytes: number
}

/** Participant id → PeerId for a committee in participant-id order (id = index + 1), restricted to `ids`. */
export function committeePeers (committee: readonly string[], ids: readonly ParticipantId[] = committee.map((_, i) => i + 1)): Map<ParticipantId, string> {
  const out = new Map<ParticipantId, string>()
  for (const id of ids) {
    const peer = committee[id - 1]
    if (peer === undefined) throw new InvalidArgumentError('ids', `${id} is outside the committee`)
    out.set(id, peer)
  }
  return out
}

export class SessionHub {
  private readonly rpc: NodeRpc
  private readonly roundTimeoutMs: number
  private readonly limits: SessionBufferLimits
  private readonly clock: Clock
  private readonly log: NodeLogger
  private readonly running = new Map<string, Running>()
  private readonly finished = new Set<string>()
  private readonly buffers = new Map<string, Buffered>()
  private bufferedBytes = 0
  private started = false
  private stopController = new AbortController()

  constructor (init: SessionHubInit) {
    this.rpc = init.rpc
    this.roundTimeoutMs = init.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS
    if (!Number.isSafeInteger(this.roundTimeoutMs) || this.roundTimeoutMs < 1) throw new InvalidArgumentError('roundTimeoutMs', 'must be a positive integer')
    this.limits = { ...DEFAULT_BUFFER_LIMITS, ...init.bufferLimits }
    this.clock = init.clock ?? systemClock
    this.log = nodeLogger(init.log ?? silentSink, 'session-hub')
  }

  get self (): string { return this.rpc.self }

  /** Sessions running now (for status displays and tests). */
  get runningCount (): number { return this.running.size }

  /** Messages waiting for sessions that have not started here (for tests). */
  get bufferedCount (): number {
    let n = 0
    for (const b of this.buffers.values()) n += b.messages.length
    return n
  }

  async start (): Promise<void> {
    if (this.started) return
    this.stopController = new AbortController()
    await this.rpc.handle(SessionMessage, async (req, ctx) => { this.receive(req.session, req.data, ctx); return {} })
    this.started = true
  }

  /** Stops serving messages; every running session ends with SessionCancelledError. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.stopController.abort()
    await this.rpc.unhandle(SessionMessage)
    for (const r of [...this.running.values()]) this.fail(r, new SessionCancelledError('node stopping'))
    this.buffers.clear()
    this.bufferedBytes = 0
  }

  /** Whether a session id has run (or runs) here. */
  hasRun (id: Uint8Array): boolean {
    const hex = bytesToHex(id)
    return this.finished.has(hex) || this.running.has(hex)
  }

  /**
   * Run one session to its end. Rejects with SessionFailedError (culprits as
   * PeerIds), SessionTimeoutError, SessionCancelledError (signal, stop) or
   * SessionReplayError (the id has run here before).
   */
  async run<Output> (init: SessionRun<Output>): Promise<Output> {
    if (!this.started) throw new UnavailableError('session hub is not started')
    if (!(init.id instanceof Uint8Array) || init.id.length !== 32) throw new InvalidArgumentError('id', 'must be 32 bytes')
    const idHex = bytesToHex(init.id)
    if (this.finished.has(idHex) || this.running.has(idHex)) throw new SessionReplayError(idHex)
    const { session } = init
    const idOf = new Map<string, ParticipantId>()
    for (const pid of session.participants) {
      const peer = init.peers.get(pid)
      if (peer === undefined) throw new InvalidArgumentError('peers', `no PeerId for participant ${pid}`)
      if (idOf.has(peer)) throw new InvalidArgumentError('peers', `${peer} appears twice`)
      idOf.set(peer, pid)
    }
    if (init.peers.get(session.me) !== this.self) throw new InvalidArgumentError('peers', 'this node is not the session\'s own participant')
    if (init.signal?.aborted === true) throw new SessionCancelledError()

    return await new Promise<Output>((resolve, reject) => {
      const r: Running = {
        idHex,
        label: init.label ?? `session ${short(idHex)}`,
        session: session as ProtocolSession<unknown>,
        peerOf: init.peers,
        idOf,
        onProgress: init.onProgress,
        idleDeadlines: 0,
        finished: false,
        resolve: resolve as (o: unknown) => void,
        reject
      }
      if (init.signal != null) {
        const signal = init.signal
        const onAbort = (): void => { this.fail(r, new SessionCancelledError()) }
        signal.addEventListener('abort', onAbort, { once: true })
        r.detachSignal = () => { signal.removeEventListener('abort', onAbort) }
      }
      this.running.set(idHex, r)
      this.armDeadline(r)
      // Spec 4.1: the first poke sends the opening round.
      this.advance(r)
      // Spec 4.2: then what arrived before we started.
      const early = this.buffers.get(idHex)
      if (early !== undefined) {
        this.buffers.delete(idHex)
        this.bufferedBytes -= early.bytes
        for (const m of early.messages) {
          if (r.finished) break
          try {
            this.deliver(r, m.from, m.data)
          } catch {
            // deliver() logged it; a buffered message has no caller to answer.
          }
        }
      }
    })
  }

  // ---------------------------------------------------------------- inbound

  /** The `session/message` handler. */
  private receive (sessionHex: string, dataHex: string, ctx: NodeHandlerContext): void {
    const r = this.running.get(sessionHex)
    if (r !== undefined) {
      this.deliver(r, ctx.remotePeer, hexToBytes(dataHex))
      return
    }
    // Late messages for a finished run are normal (a peer's last broadcast): drop them quietly.
    if (this.finished.has(sessionHex)) return
    this.buffer(sessionHex, ctx.remotePeer, hexToBytes(dataHex))
  }

  /** Hand one message to a running session; throws the RpcError its sender gets back. */
  private deliver (r: Running, fromPeer: string, data: Uint8Array): void {
    const from = r.idOf.get(fromPeer)
    if (from === undefined || from === r.session.me) {
      this.log.warn(`${r.label}: message from ${short(fromPeer)}, not a participant: refused`)
      throw new UnauthorizedError('not a participant of this session')
    }
    let early = false
    try {
      early = r.session.isEarly?.(data) === true
      r.session.message(from, data)
    } catch (err) {
      // Spec 4.4: the session's state is unchanged by a message it refuses.
      this.log.warn(`${r.label}: message from ${short(fromPeer)} (participant ${from}) refused: ${describeError(err)}`)
      throw new BadRequestError(`session message refused: ${err instanceof Error ? err.message : 'invalid'}`)
    }
    // An accepted message of the current round is activity: the deadline runs
    // from the last one (Spec 4.3). A later round's message is not: it would
    // push this party a whole deadline behind the sender.
    if (!early) {
      r.idleDeadlines = 0
      this.armDeadline(r)
    }
    this.advance(r)
  }

  private buffer (sessionHex: string, from: string, data: Uint8Array): void {
    this.dropStaleBuffers()
    const limits = this.limits
    let b = this.buffers.get(sessionHex)
    if (b === undefined) {
      if (this.buffers.size >= limits.sessions) throw new UnavailableError('too many early sessions buffered')
      b = { createdAt: this.clock.now(), messages: [], bytes: 0 }
      this.buffers.set(sessionHex, b)
    }
    if (b.messages.length >= limits.messagesPerSession) throw new UnavailableError('too many early messages for this session')
    if (this.bufferedBytes + data.length > limits.totalBytes) throw new UnavailableError('early-message buffer is full')
    b.messages.push({ from, data })
    b.bytes += data.length
    this.bufferedBytes += data.length
  }

  private dropStaleBuffers (): void {
    const oldest = this.clock.now() - this.limits.maxAgeMs
    for (const [id, b] of this.buffers) {
      if (b.createdAt >= oldest) continue
      this.buffers.delete(id)
      this.bufferedBytes -= b.bytes
      this.log.debug(`dropped ${b.messages.length} early messages of session ${short(id)}: it never started here`)
    }
  }

  // ---------------------------------------------------------------- driving

  /** Poke the session and carry out its actions. */
  private advance (r: Running): void {
    if (r.finished) return
    let actions: Array<Action<unknown>>
    try {
      actions = r.session.poke()
    } catch (err) {
      this.fail(r, this.failureOf(r, err))
      return
    }
    if (actions.length === 0) return
    r.idleDeadlines = 0
    this.armDeadline(r)
    let output: { value: unknown } | undefined
    for (const action of actions) {
      if (action.kind === 'send-all') {
        for (const [pid, peer] of r.peerOf) if (pid !== r.session.me) this.send(r, peer, action.data)
      } else if (action.kind === 'send-private') {
        const peer = r.peerOf.get(action.to)
        if (peer === undefined) this.log.error(`${r.label}: session addressed unknown participant ${action.to}`)
        else this.send(r, peer, action.data)
      } else {
        output = { value: action.output }
      }
    }
    try {
      r.onProgress?.()
    } catch (err) {
      this.log.error(`${r.label}: progress listener threw ${describeError(err)}`)
    }
    if (output !== undefined) this.succeed(r, output.value)
  }

  /** Fire and forget: a lost message shows up as a silent party at the next deadline. */
  private send (r: Running, peer: string, data: Uint8Array): void {
    const body = { session: r.idHex, data: bytesToHex(data) }
    const signal = this.stopController.signal
    const attempt = async (tries: number): Promise<void> => {
      try {
        await this.rpc.request(SessionMessage, peer, body, { signal })
      } catch (err) {
        if (signal.aborted) return
        const code = (err as { code?: string }).code
        // Connection-level failures may be transient (a link being re-dialled): try once more.
        if (tries > 1 && (code === 'ERR_PEER_UNREACHABLE' || code === 'ERR_RPC_STREAM')) {
          await new Promise((resolve) => setTimeout(resolve, 200))
          await attempt(tries - 1)
          return
        }
        this.log.info(`${r.label}: message to ${short(peer)} failed: ${describeError(err)}`)
      }
    }
    void attempt(2)
  }

  private armDeadline (r: Running): void {
    if (r.timer !== undefined) clearTimeout(r.timer)
    if (r.finished) return
    r.timer = setTimeout(() => { this.onDeadline(r) }, this.roundTimeoutMs)
  }

  /** Spec 4.3: the round's deadline passed with nothing new. */
  private onDeadline (r: Running): void {
    r.timer = undefined
    if (r.finished) return
    r.idleDeadlines++
    if (r.session.expire === undefined || r.idleDeadlines > MAX_IDLE_DEADLINES) {
      this.fail(r, new SessionTimeoutError())
      return
    }
    this.log.info(`${r.label}: round deadline passed, expiring the round`)
    r.session.expire()
    this.advance(r)
    if (!r.finished) this.armDeadline(r)
  }

  private failureOf (r: Running, err: unknown): Error {
    if (err instanceof ProtocolAbortError) {
      const culprits = err.culprits.map((id) => r.peerOf.get(id) ?? `participant ${id}`)
      return new SessionFailedError(`${r.label} aborted: ${err.message}`, culprits, 'ERR_SESSION_FAILED', { cause: err })
    }
    this.log.error(`${r.label}: session threw ${describeError(err)}`)
    return new SessionFailedError(`${r.label} failed`, [], 'ERR_SESSION_FAILED', { cause: err })
  }

  private succeed (r: Running, output: unknown): void {
    if (!this.finish(r)) return
    r.resolve(output)
  }

  private fail (r: Running, err: Error): void {
    if (!this.finish(r)) return
    this.log.info(`${r.label}: ${describeError(err)}`)
    r.reject(err)
  }

  private finish (r: Running): boolean {
    if (r.finished) return false
    r.finished = true
    if (r.timer !== undefined) clearTimeout(r.timer)
    r.detachSignal?.()
    this.running.delete(r.idHex)
    this.finished.add(r.idHex)
    return true
  }
}
