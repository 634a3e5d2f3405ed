/**
 * The postMessage protocol between the node and its sandbox worker
 * (docs/actions.md §3.10). Every message is `{ v: 1, type, runId, … }`.
 *
 *   node → worker   run { code, jsParams, limits, auth }
 *                   result { callId, ok, value | error: { name, message } }
 *                   cancel { reason }
 *   worker → node   call { callId, method, args }
 *                   log { level, text }
 *                   done { outcome, response?, stats: { runMs, memPeakBytes? } }
 *
 * §3.10 also lists `getRandomValues` and `setTimeout` as call methods; in
 * Design A both are served inside the worker by the runner, so the node
 * accepts only the four host methods. Every message the node receives is
 * parsed strictly (unknown fields and wrong types refused, sizes bounded,
 * arguments checked by the same per-method rules the runner applied): a
 * failure is a SandboxProtocolError, and the pool fails that run with
 * ERR_SANDBOX_PROTOCOL and recycles the worker.
 */
import { MalformedMessageError } from '../../errors.js'
import * as s from '../../net/rpc/schema.js'
import type { ActionLimits } from '../limits.js'
import { SandboxProtocolError } from './errors.js'
import { HOST_METHODS, MAX_CALL_ARG_BYTES, MAX_FETCH_BODY_BYTES, MAX_PERSONAL_MESSAGE_BYTES, type HostMethod } from './host-args.js'
import { MAX_ERROR_MESSAGE_CHARS, type LogLevel, type RunErrorOutcome } from './quickjs-runner.js'

export const PROTOCOL_VERSION = 1

export interface RunAuth { actionIpfsIds: string[], authSigAddress?: string }

export interface RunMessage {
  v: 1
  type: 'run'
  runId: string
  code: string
  jsParams: unknown
  limits: ActionLimits
  auth: RunAuth
}
export type ResultMessage =
  { v: 1, type: 'result', runId: string, callId: number, ok: true, value: unknown } |
  { v: 1, type: 'result', runId: string, callId: number, ok: false, error: { name: string, message: string } }
export interface CancelMessage { v: 1, type: 'cancel', runId: string, reason: string }
export type NodeToWorker = RunMessage | ResultMessage | CancelMessage

export interface CallMessage { v: 1, type: 'call', runId: string, callId: number, method: HostMethod, args: unknown }
export interface LogMessage { v: 1, type: 'log', runId: string, level: LogLevel, text: string }
export interface DoneMessage {
  v: 1
  type: 'done'
  runId: string
  outcome: { kind: 'ok' } | RunErrorOutcome
  response?: string
  stats: { runMs: number, memPeakBytes?: number }
}
export type WorkerToNode = CallMessage | LogMessage | DoneMessage

const RUN_ID = s.string({ minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/ })
const CALL_ID = s.int({ min: 1, max: Number.MAX_SAFE_INTEGER })
const LIMIT_NAMES = ['wallTime', 'memory', 'code', 'jsParams', 'response', 'fetchCount', 'console', 'signCount', 'decryptCount', 'codeFetch'] as const
const SIG_NAME = s.string({ minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9._-]+$/ })

function nonNegative (opts: { max: number }): s.Schema<number> {
  return {
    parse (value, path) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > opts.max) {
        throw new MalformedMessageError(path, `expected a number in [0, ${opts.max}]`)
      }
      return value
    }
  }
}

/** Any JSON value whose serialisation stays within `maxBytes` (checked on its JSON text). */
function jsonValue (maxBytes: number): s.Schema<unknown> {
  return {
    parse (value, path) {
      let text: string | undefined
      try {
        text = JSON.stringify(value)
      } catch {
        throw new MalformedMessageError(path, 'not JSON')
      }
      if (text === undefined) throw new MalformedMessageError(path, 'not JSON')
      if (text.length > maxBytes) throw new MalformedMessageError(path, `longer than ${maxBytes} bytes of JSON`)
      return JSON.parse(text)
    }
  }
}

const HEADERS: s.Schema<Record<string, string>> = {
  parse (value, path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MalformedMessageError(path, 'expected an object')
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(value)) {
      if (k !== 'content-type' && k !== 'accept') throw new MalformedMessageError(`${path}.${k}`, 'header not allowed')
      out[k] = s.string({ maxLength: 1024 }).parse(v, `${path}.${k}`)
    }
    return out
  }
}

/** The normalised arguments of each host method (host-args.ts), as the node accepts them. */
const CALL_ARGS: Record<HostMethod, s.Schema<unknown>> = {
  signEcdsa: s.object({ toSign: s.hex({ bytes: 32 }), publicKey: s.hex({ bytes: 65 }), sigName: SIG_NAME }),
  ethPersonalSignMessageEcdsa: s.object({ message: s.hex({ maxBytes: MAX_PERSONAL_MESSAGE_BYTES }), publicKey: s.hex({ bytes: 65 }), sigName: SIG_NAME }),
  fetch: s.object({
    url: s.string({ minLength: 1, maxLength: 2048 }),
    method: s.oneOf(['GET', 'HEAD', 'POST'] as const),
    headers: HEADERS,
    body: s.optional(s.string({ maxLength: MAX_FETCH_BODY_BYTES }))
  }),
  decryptAndCombine: {
    parse (value, path) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MalformedMessageError(path, 'expected an object')
      return jsonValue(MAX_CALL_ARG_BYTES).parse(value, path)
    }
  }
}

function outcomeSchema (): s.Schema<DoneMessage['outcome']> {
  const ok = s.object({ kind: s.oneOf(['ok'] as const) })
  const error = s.object({
    kind: s.oneOf(['error'] as const),
    code: s.oneOf(['ERR_ACTION_FAILED', 'ERR_ACTION_LIMIT', 'ERR_SANDBOX_PROTOCOL'] as const),
    message: s.string({ maxLength: Math.max(MAX_ERROR_MESSAGE_CHARS, 1000) }),
    limit: s.optional(s.oneOf(LIMIT_NAMES)),
    used: s.optional(nonNegative({ max: Number.MAX_SAFE_INTEGER })),
    max: s.optional(nonNegative({ max: Number.MAX_SAFE_INTEGER }))
  })
  return {
    parse (value, path) {
      const kind = (value as { kind?: unknown } | null)?.kind
      return kind === 'ok' ? ok.parse(value, path) : error.parse(value, path)
    }
  }
}

function typeOf (value: unknown): unknown {
  return value !== null && typeof value === 'object' ? (value as { type?: unknown }).type : undefined
}

/**
 * A message from the worker, parsed strictly against the run's limits.
 * Throws SandboxProtocolError naming the field.
 */
export function parseWorkerMessage (value: unknown, limits: ActionLimits): WorkerToNode {
  try {
    switch (typeOf(value)) {
      case 'call': {
        const m = s.object({
          v: s.int({ min: 1, max: 1 }),
          type: s.oneOf(['call'] as const),
          runId: RUN_ID,
          callId: CALL_ID,
          method: s.oneOf(HOST_METHODS),
          args: jsonValue(MAX_CALL_ARG_BYTES)
        }).parse(value, 'call')
        return { ...m, v: 1, args: CALL_ARGS[m.method].parse(m.args, 'call.args') }
      }
      case 'log': {
        const m = s.object({
          v: s.int({ min: 1, max: 1 }),
          type: s.oneOf(['log'] as const),
          runId: RUN_ID,
          level: s.oneOf(['log', 'info', 'warn', 'error', 'debug'] as const),
          text: s.string({ maxLength: limits.consoleBytes })
        }).parse(value, 'log')
        return { ...m, v: 1 }
      }
      case 'done': {
        const m = s.object({
          v: s.int({ min: 1, max: 1 }),
          type: s.oneOf(['done'] as const),
          runId: RUN_ID,
          outcome: outcomeSchema(),
          response: s.optional(s.string({ maxLength: limits.responseBytes })),
          stats: s.object({
            runMs: nonNegative({ max: 24 * 3600_000 }),
            memPeakBytes: s.optional(nonNegative({ max: 2 ** 32 }))
          })
        }).parse(value, 'done')
        if (m.response !== undefined && m.outcome.kind !== 'ok') throw new MalformedMessageError('done.response', 'a response with an error outcome')
        return { ...m, v: 1 }
      }
      default:
        throw new MalformedMessageError('type', 'unknown message type')
    }
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new SandboxProtocolError(`bad worker message: ${err.message}`, { cause: err })
    throw err
  }
}

/** The worker's parser of node messages (the node is trusted; this only guards against mix-ups). */
export function parseNodeMessage (value: unknown): NodeToWorker {
  const v = value as Partial<NodeToWorker> | null
  if (v === null || typeof v !== 'object' || v.v !== PROTOCOL_VERSION || typeof v.runId !== 'string') {
    throw new SandboxProtocolError('bad node message')
  }
  switch (v.type) {
    case 'run':
    case 'cancel':
      return v as NodeToWorker
    case 'result':
      if (typeof (v as ResultMessage).callId !== 'number' || typeof (v as ResultMessage).ok !== 'boolean') throw new SandboxProtocolError('bad result message')
      return v as NodeToWorker
    default:
      throw new SandboxProtocolError('unknown node message type')
  }
}
