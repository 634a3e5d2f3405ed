/**
 * One Lit Action run in QuickJS (docs/actions.md §2.2 Design A, §2.7, §2.8, §3).
 * Pure: no Worker, no DOM; the sandbox worker and the tests call it directly.
 *
 * Per run: a fresh runtime + context (nothing shared between runs, §2.2),
 * `setMemoryLimit` (single allocations only in this build: the total is capped
 * by the module's WASM memory, quickjs-module.ts), a stack limit, and an
 * interrupt handler that stops the
 * engine at the wall deadline or as soon as a limit was crossed. The prelude
 * (prelude.ts) builds the §3.1 globals on one host function; async host calls
 * are `context.newPromise()`s settled when the node's ActionHost answers. A job
 * pump runs promise jobs, timers and host settlements until nothing is pending
 * (§3.9), checking the deadline between steps, so sync loops, `for(;;) await
 * null` and timer ping-pong all stop at the wall limit.
 *
 * Counts (signCount, fetchCount, decryptCount) and the per-method argument
 * rules are enforced here, before the host is called. §3.10 keeps counts "on
 * the node side only": in Design A the runner lives in the node's own trusted
 * sandbox worker (the action is inside QuickJS, not the worker), so counting
 * here is node-side; the node's ActionRunHost re-checks every argument anyway.
 *
 * Divergence from §2.2: the QuickJS stack limit is 256 KiB, not 1 MiB. Measured
 * in Node 22 (V8 12.4): with 384 KiB or more, deep recursion in QuickJS
 * overflows V8's native stack (a host RangeError inside WASM) before QuickJS's
 * own check fires, leaving the WASM instance unusable. 256 KiB gives a JS
 * recursion depth of ~1 480 frames. A few C-recursive paths (JSON.parse of
 * 10^5 nested arrays, very deep parenthesised source) can still overflow the
 * host stack: the run then fails with ERR_ACTION_FAILED and the module is marked
 * broken (`isModuleBroken`) so its owner loads a fresh one.
 */
import { errors as quickjsErrors, type QuickJSContext, type QuickJSDeferredPromise, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten-core'
import type { ActionLimitName, ActionLimits } from '../limits.js'
import { GuestError } from './errors.js'
import {
  checkFetchResult, MAX_CALL_ARG_BYTES, normaliseDecrypt, normaliseFetch, normalisePersonalSign, normaliseSignEcdsa, type HostMethod
} from './host-args.js'
import { checkJsParams } from './js-params.js'
import { PRELUDE_SOURCE } from './prelude.js'
import { memoryCapOf, type MemoryCap } from './quickjs-module.js'

/** The node's side of the calls that leave the sandbox (actions.md §3.3–§3.7); arguments arrive normalised (host-args.ts). */
export interface ActionHost {
  call(method: HostMethod, args: unknown): Promise<unknown>
}

export interface RunInput {
  code: string
  jsParams: unknown
  auth: { actionIpfsIds: string[], authSigAddress?: string }
  limits: ActionLimits
}

export type RunErrorCode = 'ERR_ACTION_FAILED' | 'ERR_ACTION_LIMIT' | 'ERR_SANDBOX_PROTOCOL'

export interface RunErrorOutcome {
  kind: 'error'
  code: RunErrorCode
  message: string
  limit?: ActionLimitName
  used?: number
  max?: number
}

/** `code?: undefined` on the ok branch lets callers read `outcome.code` without narrowing. */
export type RunOutcome = { kind: 'ok', response?: string, code?: undefined } | RunErrorOutcome

export interface RunResult {
  outcome: RunOutcome
  logs: string
  stats: { runMs: number, memPeakBytes?: number }
}

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug'

export interface RunHooks {
  /** Each console line as it is written (already prefixed, without the newline); the worker streams them. */
  onLog?: (level: LogLevel, line: string) => void
  /** A context made ahead (prepareWarmContext); the run takes it over and frees it. */
  warm?: WarmContext
}

/** See the header: the QuickJS stack limit that stays below V8's native stack. */
export const QUICKJS_MAX_STACK_BYTES = 256 * 1024
/** setTimeout timers pending at once in one run. */
export const MAX_PENDING_TIMERS = 1000
/** actions.md §3.9 */
export const MAX_ERROR_MESSAGE_CHARS = 512
/** Promise jobs per executePendingJobs call; the pump checks the deadline between batches. */
const JOB_BATCH = 2048
/** Longest stretch of promise jobs before the pump yields to the host's event loop (cancel, host answers). */
const SLICE_MS = 20
const LEVELS = new Set<LogLevel>(['log', 'info', 'warn', 'error', 'debug'])

const brokenModules = new WeakSet<QuickJSWASMModule>()

/**
 * True once a run hit a fault of the WASM instance itself (host stack overflow,
 * an Emscripten abort): the module must not run anything again.
 */
export function isModuleBroken (module: QuickJSWASMModule): boolean {
  return brokenModules.has(module)
}

/**
 * Run one action. Resolves with the outcome, logs and stats; never rejects for
 * anything the action does. Rejects only with JsParamsKeyError (a refused
 * jsParams key, before anything runs) or when given a broken module.
 * An aborted `signal` ends the run with ERR_ACTION_FAILED 'run cancelled'.
 */
export async function runAction (
  module: QuickJSWASMModule, input: RunInput, host: ActionHost, signal?: AbortSignal, hooks: RunHooks = {}
): Promise<RunResult> {
  if (brokenModules.has(module)) throw new Error('this QuickJS module is broken; load a new one')
  checkJsParams(input.jsParams)
  // A context made ahead for this module is used once; one for another module is freed.
  const warm = hooks.warm?.module === module ? hooks.warm : undefined
  if (hooks.warm !== undefined && warm === undefined) disposeWarmContext(hooks.warm)
  return await new ActionRun(module, input, host, signal, hooks, warm).run()
}

/**
 * A fresh runtime and context with the prelude compiled (§3.10), made before a run
 * asks for it: compiling the prelude is most of a run's fixed cost (~2.5 ms of
 * 2.9 in Node 22). Nothing of any action has been in it, so a run that takes it
 * still starts from a context of its own (§2.2). Hand it to exactly one run
 * (RunHooks.warm), or free it with disposeWarmContext.
 */
export interface WarmContext {
  readonly module: QuickJSWASMModule
  readonly rt: QuickJSRuntime
  readonly ctx: QuickJSContext
  readonly preludeFn: QuickJSHandle
}

/** Make a WarmContext; undefined when the module is broken or the prelude fails (the run then makes its own). */
export function prepareWarmContext (module: QuickJSWASMModule): WarmContext | undefined {
  if (brokenModules.has(module)) return undefined
  let rt: QuickJSRuntime | undefined
  let ctx: QuickJSContext | undefined
  try {
    rt = module.newRuntime()
    rt.setMaxStackSize(QUICKJS_MAX_STACK_BYTES)
    ctx = rt.newContext()
    rt.context = ctx
    const prelude = ctx.evalCode(PRELUDE_SOURCE, 'prelude.js', { type: 'global', strict: true })
    if (prelude.error !== undefined) {
      prelude.error.dispose()
      throw new Error('prelude failed')
    }
    return { module, rt, ctx, preludeFn: prelude.value }
  } catch {
    try { ctx?.dispose(); rt?.dispose() } catch { /* freeing a half-made context: the run makes its own */ }
    return undefined
  }
}

export function disposeWarmContext (warm: WarmContext): void {
  try {
    warm.preludeFn.dispose()
    warm.ctx.dispose()
    warm.rt.dispose()
  } catch {
    // A module being dropped anyway (replaced or broken).
  }
}

interface Settlement { deferred: QuickJSDeferredPromise, ok: boolean, json: string }

function utf8Length (s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++ } else n += 3
  }
  return n
}

function truncate (s: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`
}

function errorJson (err: unknown): string {
  const name = err instanceof Error && typeof err.name === 'string' ? err.name : 'Error'
  const message = err instanceof Error ? err.message : String(err)
  return JSON.stringify({ name: name.slice(0, 64), message: truncate(message, 1000) })
}

/** A level prefix except for log (§3.8). */
function formatLine (level: LogLevel, text: string): string {
  return level === 'log' ? text : `[${level}] ${text}`
}

class Waker {
  private resolve: (() => void) | undefined
  private pending = false

  wake (): void {
    if (this.resolve !== undefined) {
      const r = this.resolve
      this.resolve = undefined
      r()
    } else {
      this.pending = true
    }
  }

  async wait (): Promise<void> {
    if (this.pending) {
      this.pending = false
      return
    }
    await new Promise<void>((resolve) => { this.resolve = resolve })
  }
}

class ActionRun {
  private readonly limits: ActionLimits
  private readonly started = performance.now()
  private readonly deadline: number
  private fatal: RunErrorOutcome | undefined
  private response: string | undefined
  private readonly logLines: string[] = []
  private logBytes = 0
  private readonly counts = { sign: 0, fetch: 0, decrypt: 0 }
  private readonly sigNames = new Set<string>()
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>()
  private nextTimerId = 1
  private readonly due: number[] = []
  private readonly inflight = new Set<QuickJSDeferredPromise>()
  private readonly settled: Settlement[] = []
  private readonly waker = new Waker()
  private memPeak = 0
  private rt: QuickJSRuntime | undefined
  private ctx: QuickJSContext | undefined
  private dispatch: QuickJSHandle | undefined
  private top: QuickJSHandle | undefined
  private broken = false
  /** The module's WASM memory cap (quickjs-module.ts), and its refusals before this run. */
  private readonly cap: MemoryCap | undefined
  private readonly growFailuresBefore: number

  constructor (
    private readonly module: QuickJSWASMModule,
    private readonly input: RunInput,
    private readonly host: ActionHost,
    private readonly signal: AbortSignal | undefined,
    private readonly hooks: RunHooks,
    private readonly warm?: WarmContext
  ) {
    this.limits = input.limits
    this.deadline = this.started + this.limits.wallTimeMs
    this.cap = memoryCapOf(module)
    this.growFailuresBefore = this.cap?.growFailures ?? 0
  }

  async run (): Promise<RunResult> {
    const onAbort = (): void => this.waker.wake()
    this.signal?.addEventListener('abort', onAbort)
    // Wakes a pump that waits on a timer or a host call past the deadline (§2.6).
    const deadlineTimer = setTimeout(() => this.waker.wake(), this.limits.wallTimeMs + 1)
    let outcome: RunOutcome
    try {
      outcome = await this.execute()
    } catch (err) {
      outcome = this.fatal ?? this.fromHostException(err)
    } finally {
      clearTimeout(deadlineTimer)
      this.signal?.removeEventListener('abort', onAbort)
      this.sampleMemory()
      this.cleanup()
    }
    const stats: RunResult['stats'] = { runMs: performance.now() - this.started }
    if (this.memPeak > 0) stats.memPeakBytes = this.memPeak
    return { outcome, logs: this.logLines.join(''), stats }
  }

  private async execute (): Promise<RunOutcome> {
    let preludeFn: QuickJSHandle
    if (this.warm !== undefined) {
      this.rt = this.warm.rt
      this.ctx = this.warm.ctx
      preludeFn = this.warm.preludeFn
    } else {
      const made = this.rt = this.module.newRuntime()
      made.setMaxStackSize(QUICKJS_MAX_STACK_BYTES)
      this.ctx = made.newContext()
      // computeMemoryUsage uses runtime.context; without this it would create a second context.
      made.context = this.ctx
      // The prelude (§3.10): a function called with the host function and the two JSON strings.
      const preludeResult = this.ctx.evalCode(PRELUDE_SOURCE, 'prelude.js', { type: 'global', strict: true })
      if (preludeResult.error !== undefined) return this.failFrom(preludeResult.error, 'prelude')
      preludeFn = preludeResult.value
    }
    const rt = this.rt
    const ctx = this.ctx
    rt.setMemoryLimit(this.limits.memoryBytes)
    rt.setInterruptHandler(() => this.shouldInterrupt())
    const hostFn = ctx.newFunction('host', (m, j) => this.onHostCall(m, j))
    const params = ctx.newString(JSON.stringify(this.input.jsParams ?? {}))
    const auth = ctx.newString(JSON.stringify({
      actionIpfsIds: this.input.auth.actionIpfsIds,
      ...(this.input.auth.authSigAddress !== undefined ? { authSigAddress: this.input.auth.authSigAddress } : {})
    }))
    const made = ctx.callFunction(preludeFn, ctx.undefined, hostFn, params, auth)
    for (const h of [preludeFn, hostFn, params, auth]) h.dispose()
    if (made.error !== undefined) return this.failFrom(made.error, 'prelude')
    this.dispatch = made.value

    // The action: a classic script (§3.1); its completion value is awaited if it is a promise (§3.9).
    const evaluated = ctx.evalCode(this.input.code, 'action.js', { type: 'global' })
    if (evaluated.error !== undefined) return this.failFrom(evaluated.error)
    this.top = evaluated.value

    await this.pump()
    if (this.fatal !== undefined) return this.fatal
    return this.finish()
  }

  /** §3.9: the outcome once nothing is pending. */
  private finish (): RunOutcome {
    const ctx = this.ctx!
    if (this.reachedCap()) return this.fatal!
    const state = ctx.getPromiseState(this.top!)
    if (state.type === 'rejected') return this.failFrom(state.error)
    if (state.type === 'pending') {
      return { kind: 'error', code: 'ERR_ACTION_FAILED', message: 'the action\'s promise never settled and nothing is left that could settle it' }
    }
    if (state.notAPromise !== true) state.value.dispose()
    const kind = ctx.newString('unhandled')
    const r = ctx.callFunction(this.dispatch!, ctx.undefined, kind)
    kind.dispose()
    if (r.error !== undefined) return this.failFrom(r.error)
    const unhandled = ctx.typeof(r.value) === 'string' ? ctx.getString(r.value) : ''
    r.value.dispose()
    if (this.fatal !== undefined) return this.fatal
    if (unhandled !== '') return { kind: 'error', code: 'ERR_ACTION_FAILED', message: truncate(`Uncaught (in promise) ${unhandled}`) }
    return this.response === undefined ? { kind: 'ok' } : { kind: 'ok', response: this.response }
  }

  /** Promise jobs, host settlements and timers until nothing is pending or the run must stop (§3.9, §2.6). */
  private async pump (): Promise<void> {
    const rt = this.rt!
    let sliceStart = performance.now()
    while (this.fatal === undefined) {
      if (this.signal?.aborted === true) {
        this.fatal = { kind: 'error', code: 'ERR_ACTION_FAILED', message: 'run cancelled' }
        break
      }
      if (performance.now() >= this.deadline) {
        this.stopAtLimit('wallTime', Math.round(performance.now() - this.started), this.limits.wallTimeMs)
        break
      }
      if (this.reachedCap()) break
      if (this.settled.length > 0) {
        this.deliverSettlements()
        continue
      }
      if (rt.hasPendingJob()) {
        const r = rt.executePendingJobs(JOB_BATCH)
        if (r.error !== undefined) {
          this.fatal ??= this.failFrom(r.error)
          break
        }
        r.dispose()
        if (performance.now() - sliceStart > SLICE_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0))
          sliceStart = performance.now()
        }
        continue
      }
      if (this.due.length > 0) {
        this.fireTimer(this.due.shift()!)
        continue
      }
      if (this.inflight.size === 0 && this.timers.size === 0) break
      this.sampleMemory()
      await this.waker.wait()
      sliceStart = performance.now()
    }
  }

  private deliverSettlements (): void {
    const ctx = this.ctx!
    for (const s of this.settled.splice(0)) {
      this.inflight.delete(s.deferred)
      if (!s.deferred.alive) continue
      const v = ctx.newString(s.json)
      try {
        if (s.ok) s.deferred.resolve(v)
        else s.deferred.reject(v)
      } finally {
        v.dispose()
        s.deferred.dispose()
      }
    }
  }

  private fireTimer (id: number): void {
    const ctx = this.ctx!
    const kind = ctx.newString('timer')
    const arg = ctx.newNumber(id)
    const r = ctx.callFunction(this.dispatch!, ctx.undefined, kind, arg)
    kind.dispose()
    arg.dispose()
    // An uncaught exception in a timer callback ends the run (§3.9).
    if (r.error !== undefined) this.fatal ??= this.failFrom(r.error)
    else r.value.dispose()
  }

  private shouldInterrupt (): boolean {
    if (this.fatal !== undefined) return true
    if (this.reachedCap()) return true
    if (performance.now() >= this.deadline) {
      this.stopAtLimit('wallTime', Math.round(performance.now() - this.started), this.limits.wallTimeMs)
      return true
    }
    return false
  }

  /** The instance was refused memory during this run: over the memory limit, even if the action caught the error. */
  private reachedCap (): boolean {
    if (this.cap === undefined || this.cap.growFailures === this.growFailuresBefore) return false
    this.stopAtLimit('memory', undefined, this.limits.memoryBytes)
    return true
  }

  /** §2.8 "stopped": the first limit crossed is the run's outcome; the interrupt handler ends the engine's work. */
  private stopAtLimit (limit: ActionLimitName, used: number | undefined, max: number): RunErrorOutcome {
    this.fatal ??= used === undefined
      ? { kind: 'error', code: 'ERR_ACTION_LIMIT', message: `the action went over its ${limit} limit (${max})`, limit, max }
      : { kind: 'error', code: 'ERR_ACTION_LIMIT', message: `the action went over its ${limit} limit (${used} > ${max})`, limit, used, max }
    this.waker.wake()
    return this.fatal
  }

  /** An exception handle from the engine → the run's outcome (consumes the handle). */
  private failFrom (errHandle: QuickJSHandle, where?: string): RunErrorOutcome {
    let name = 'Error'
    let message = ''
    try {
      if (this.fatal === undefined) ({ name, message } = this.describe(errHandle))
    } finally {
      errHandle.dispose()
    }
    if (this.fatal !== undefined) return this.fatal
    if (name === 'InternalError' && message === 'out of memory') {
      return this.stopAtLimit('memory', undefined, this.limits.memoryBytes)
    }
    const text = message === '' ? name : `${name}: ${message}`
    return { kind: 'error', code: 'ERR_ACTION_FAILED', message: truncate(where === undefined ? text : `${where}: ${text}`) }
  }

  private describe (h: QuickJSHandle): { name: string, message: string } {
    const ctx = this.ctx!
    const type = ctx.typeof(h)
    if (type === 'string') return { name: 'Uncaught', message: truncate(ctx.getString(h)) }
    if (type !== 'object' || ctx.eq(h, ctx.null)) return { name: 'Uncaught', message: type }
    const prop = (key: string): string | undefined => {
      try {
        const p = ctx.getProp(h, key)
        try {
          return ctx.typeof(p) === 'string' ? truncate(ctx.getString(p)) : undefined
        } finally {
          p.dispose()
        }
      } catch {
        return undefined
      }
    }
    return { name: prop('name') ?? 'Error', message: prop('message') ?? '' }
  }

  /** The one host function (§3.10): `host(method, json)`. */
  private onHostCall (mh: QuickJSHandle, jh: QuickJSHandle): QuickJSHandle {
    const ctx = this.ctx!
    const method = ctx.typeof(mh) === 'string' ? ctx.getString(mh) : ''
    const cap = method === 'setResponse'
      ? 6 * this.limits.responseBytes + 1024
      : method === 'log' ? 6 * this.limits.consoleBytes + 1024 : MAX_CALL_ARG_BYTES
    const isAsync = method === 'signEcdsa' || method === 'ethPersonalSignMessageEcdsa' || method === 'decryptAndCombine' || method === 'fetch'
    let args: unknown
    try {
      if (ctx.typeof(jh) !== 'string') throw new GuestError('TypeError', 'host: arguments must be JSON')
      const lengthHandle = ctx.getProp(jh, 'length')
      const length = ctx.getNumber(lengthHandle)
      lengthHandle.dispose()
      if (length > cap) throw this.overCap(method, length, cap)
      const json = ctx.getString(jh)
      const bytes = utf8Length(json)
      if (bytes > cap) throw this.overCap(method, bytes, cap)
      args = JSON.parse(json)
    } catch (err) {
      return isAsync ? this.rejected(err) : this.envelope(err, undefined)
    }
    if (isAsync) return this.startCall(method, args)
    try {
      return this.envelope(undefined, this.syncCall(method, args))
    } catch (err) {
      return this.envelope(err, undefined)
    }
  }

  private overCap (method: string, used: number, cap: number): GuestError {
    if (method === 'setResponse') {
      this.stopAtLimit('response', used, this.limits.responseBytes)
      return new GuestError('ActionLimitError', 'response over its limit')
    }
    if (method === 'log') {
      this.stopAtLimit('console', this.logBytes + used, this.limits.consoleBytes)
      return new GuestError('ActionLimitError', 'console output over its limit')
    }
    return new GuestError('TypeError', `${method}: arguments longer than ${cap} bytes of JSON`)
  }

  private envelope (err: unknown, value: unknown): QuickJSHandle {
    const ctx = this.ctx!
    if (err === undefined) return ctx.newString(JSON.stringify({ ok: value ?? null }))
    if (!(err instanceof GuestError)) throw err
    return ctx.newString(JSON.stringify({ err: { name: err.name, message: err.message } }))
  }

  private syncCall (method: string, args: unknown): unknown {
    const a = (args !== null && typeof args === 'object' ? args : {}) as Record<string, unknown>
    switch (method) {
      case 'log': {
        const level = LEVELS.has(a.level as LogLevel) ? a.level as LogLevel : 'log'
        if (typeof a.text !== 'string') throw new GuestError('TypeError', 'console: bad text')
        const line = formatLine(level, a.text)
        const bytes = utf8Length(line) + 1
        if (this.logBytes + bytes > this.limits.consoleBytes) {
          this.stopAtLimit('console', this.logBytes + bytes, this.limits.consoleBytes)
          throw new GuestError('ActionLimitError', 'console output over its limit')
        }
        this.logBytes += bytes
        this.logLines.push(line + '\n')
        this.hooks.onLog?.(level, line)
        return null
      }
      case 'setResponse': {
        if (typeof a.response !== 'string') throw new GuestError('TypeError', 'setResponse: response must be a string (JSON.stringify objects)')
        const bytes = utf8Length(a.response)
        if (bytes > this.limits.responseBytes) {
          this.stopAtLimit('response', bytes, this.limits.responseBytes)
          throw new GuestError('ActionLimitError', 'response over its limit')
        }
        this.response = a.response
        return null
      }
      case 'setTimeout': {
        if (this.timers.size >= MAX_PENDING_TIMERS) throw new GuestError('RangeError', `setTimeout: more than ${MAX_PENDING_TIMERS} pending timers`)
        const ms = typeof a.ms === 'number' && a.ms > 0 ? Math.min(a.ms, 2 ** 31 - 1) : 0
        const id = this.nextTimerId++
        this.timers.set(id, setTimeout(() => {
          this.timers.delete(id)
          this.due.push(id)
          this.waker.wake()
        }, ms))
        return id
      }
      case 'clearTimeout': {
        const t = typeof a.id === 'number' ? this.timers.get(a.id) : undefined
        if (t !== undefined) {
          clearTimeout(t)
          this.timers.delete(a.id as number)
        }
        return null
      }
      case 'getRandomValues': {
        const n = a.n
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65536) throw new GuestError('TypeError', 'getRandomValues: bad length')
        const bytes = new Uint8Array(n)
        crypto.getRandomValues(bytes)
        return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
      }
      default:
        throw new GuestError('TypeError', `host: unknown method ${method.slice(0, 40)}`)
    }
  }

  /** A promise already rejected with `err` (a GuestError) in the engine. */
  private rejected (err: unknown): QuickJSHandle {
    if (!(err instanceof GuestError)) throw err
    const d = this.ctx!.newPromise()
    this.inflight.add(d)
    this.settled.push({ deferred: d, ok: false, json: errorJson(err) })
    this.waker.wake()
    return d.handle
  }

  /** Counts, argument rules, then the node's host (§3.3–§3.7). */
  private startCall (method: HostMethod, args: unknown): QuickJSHandle {
    let normalised: unknown
    try {
      normalised = this.admit(method, args)
    } catch (err) {
      return this.rejected(err)
    }
    const d = this.ctx!.newPromise()
    this.inflight.add(d)
    const settle = (ok: boolean, json: string): void => {
      this.settled.push({ deferred: d, ok, json })
      this.waker.wake()
    }
    new Promise<unknown>((resolve) => resolve(this.host.call(method, normalised))).then((value) => {
      let out = value
      try {
        if (method === 'fetch') out = checkFetchResult(value)
        if (method === 'decryptAndCombine' && typeof value !== 'string') throw new GuestError('TypeError', 'decryptAndCombine: the host answered no string')
        settle(true, JSON.stringify(out ?? null))
      } catch (err) {
        settle(false, errorJson(err))
      }
    }, (err: unknown) => settle(false, errorJson(err)))
    return d.handle
  }

  private admit (method: HostMethod, args: unknown): unknown {
    switch (method) {
      case 'signEcdsa':
      case 'ethPersonalSignMessageEcdsa': {
        if (++this.counts.sign > this.limits.signCount) {
          this.stopAtLimit('signCount', this.counts.sign, this.limits.signCount)
          throw new GuestError('ActionLimitError', 'too many signing calls')
        }
        const a = method === 'signEcdsa' ? normaliseSignEcdsa(args) : normalisePersonalSign(args)
        if (this.sigNames.has(a.sigName)) throw new GuestError('DuplicateSigNameError', `sigName ${a.sigName} was used before in this run`)
        this.sigNames.add(a.sigName)
        return a
      }
      case 'fetch':
        if (++this.counts.fetch > this.limits.fetchCount) {
          this.stopAtLimit('fetchCount', this.counts.fetch, this.limits.fetchCount)
          throw new GuestError('ActionLimitError', 'too many fetch calls')
        }
        return normaliseFetch(args)
      case 'decryptAndCombine':
        if (++this.counts.decrypt > this.limits.decryptCount) {
          this.stopAtLimit('decryptCount', this.counts.decrypt, this.limits.decryptCount)
          throw new GuestError('ActionLimitError', 'too many decryptAndCombine calls')
        }
        return normaliseDecrypt(args)
    }
  }

  private sampleMemory (): void {
    if (this.broken || this.rt === undefined || this.ctx === undefined || !this.ctx.alive) return
    try {
      const usage = this.rt.computeMemoryUsage()
      try {
        const p = this.ctx.getProp(usage, 'memory_used_size')
        const n = this.ctx.typeof(p) === 'number' ? this.ctx.getNumber(p) : 0
        p.dispose()
        if (n > this.memPeak) this.memPeak = n
      } finally {
        usage.dispose()
      }
    } catch {
      // Near the memory limit the usage object itself may not fit; the peak keeps its last value.
    }
  }

  /**
   * An exception on the host side of the run. quickjs-emscripten's own
   * QuickJSUnwrapError carries an engine exception (e.g. out of memory while
   * settling a promise); anything else is treated as a fault of the instance.
   */
  private fromHostException (err: unknown): RunErrorOutcome {
    if (err instanceof quickjsErrors.QuickJSUnwrapError) {
      if (/out of memory/.test(err.message)) return this.stopAtLimit('memory', undefined, this.limits.memoryBytes)
      return { kind: 'error', code: 'ERR_ACTION_FAILED', message: truncate(`Error: ${err.message}`) }
    }
    return this.hostFault(err)
  }

  /**
   * A throw from the WASM instance itself (not a JS exception inside the
   * engine): V8's stack overflow inside QuickJS, an Emscripten abort. The
   * instance is unusable afterwards.
   */
  private hostFault (err: unknown): RunErrorOutcome {
    this.broken = true
    brokenModules.add(this.module)
    const stack = err instanceof RangeError && /call stack/i.test(err.message)
    return {
      kind: 'error',
      code: 'ERR_ACTION_FAILED',
      message: stack ? 'InternalError: stack overflow' : `InternalError: engine fault (${truncate(err instanceof Error ? err.message : String(err), 200)})`
    }
  }

  private cleanup (): void {
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    if (this.broken) return
    try {
      for (const s of this.settled) s.deferred.dispose()
      for (const d of this.inflight) d.dispose()
      this.dispatch?.dispose()
      this.top?.dispose()
      this.rt?.removeInterruptHandler()
      this.ctx?.dispose()
      this.rt?.dispose()
    } catch {
      // A leak assertion or an abort while freeing: the instance cannot be trusted again.
      this.broken = true
      brokenModules.add(this.module)
    }
  }
}
