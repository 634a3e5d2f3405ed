/**
 * The node side of the sandbox (docs/actions.md §2.6, §3.10): the pool over
 * in-process workers (the real worker logic and runner) and over scripted fake
 * workers that misbehave one field at a time.
 */
import { describe, expect, it } from 'vitest'
import { resolveLimits, type ActionLimits } from '../../src/actions/limits.js'
import { JsParamsKeyError, SandboxCancelledError } from '../../src/actions/sandbox/errors.js'
import { inProcessWorker } from '../../src/actions/sandbox/in-process-worker.js'
import { SandboxPool, type WorkerLike } from '../../src/actions/sandbox/sandbox-pool.js'
import type { ActionHost, RunInput } from '../../src/actions/sandbox/quickjs-runner.js'
import type { RunMessage } from '../../src/actions/sandbox/worker-protocol.js'
import { UnavailableError } from '../../src/net/rpc/errors.js'

const G_COMPRESSED = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
const G_UNCOMPRESSED = '0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'

function input (code: string, limits: Partial<ActionLimits> = {}, jsParams: unknown = {}): RunInput {
  return { code: `(async () => {\n${code}\n})()`, jsParams, auth: { actionIpfsIds: ['QmPool'] }, limits: resolveLimits(limits) }
}

const noHost: ActionHost = { call: async () => { throw new Error('no host calls expected') } }

/** A fake worker whose answer to `run` is scripted; counts terminations. */
class ScriptedWorker implements WorkerLike {
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  terminated = false
  readonly received: any[] = []
  constructor (private readonly onRun: (run: RunMessage, w: ScriptedWorker) => void) {}
  postMessage (m: any): void {
    this.received.push(m)
    if (m.type === 'run') setTimeout(() => this.onRun(m, this), 0)
  }

  send (m: unknown): void { this.onmessage?.({ data: m }) }
  terminate (): void { this.terminated = true }
}

function scriptedPool (onRun: (run: RunMessage, w: ScriptedWorker) => void, opts: { size?: number, queueMax?: number, hostGraceMs?: number } = {}): { pool: SandboxPool, workers: ScriptedWorker[] } {
  const workers: ScriptedWorker[] = []
  const pool = new SandboxPool({
    ...opts,
    createWorker: () => {
      const w = new ScriptedWorker(onRun)
      workers.push(w)
      return w
    }
  })
  return { pool, workers }
}

const done = (runId: string, extra: object = {}): object => ({ v: 1, type: 'done', runId, outcome: { kind: 'ok' }, stats: { runMs: 1 }, ...extra })

describe('SandboxPool over in-process workers', () => {
  it('runs an action end to end: response, logs, a host call round trip with normalised arguments', async () => {
    const pool = new SandboxPool({ size: 1, createWorker: () => inProcessWorker() })
    const calls: unknown[] = []
    const host: ActionHost = { call: async (method, args) => { calls.push({ method, args }); return 'success' } }
    const r = await pool.run(input(`
      console.info('signing')
      const s = await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32).fill(7), publicKey: '${G_COMPRESSED}', sigName: 'sig1' })
      Lit.Actions.setResponse({ response: s + ':' + jsParams.x })`, {}, { x: 5 }), host)
    expect(r.outcome).toEqual({ kind: 'ok', response: 'success:5' })
    expect(r.logs).toBe('[info] signing\n')
    expect(calls).toEqual([{ method: 'signEcdsa', args: { toSign: '07'.repeat(32), publicKey: G_UNCOMPRESSED, sigName: 'sig1' } }])
    expect(r.stats.runMs).toBeGreaterThan(0)
    pool.stop()
  })

  it('a host rejection crosses the worker boundary with its name', async () => {
    const pool = new SandboxPool({ size: 1, createWorker: () => inProcessWorker() })
    const host: ActionHost = { call: async () => { const e = new Error('nope'); e.name = 'FetchNotAllowedError'; throw e } }
    const r = await pool.run(input('try { await fetch("http://x.test/") } catch (e) { Lit.Actions.setResponse({ response: e.name + ":" + e.message }) }'), host)
    expect(r.outcome).toEqual({ kind: 'ok', response: 'FetchNotAllowedError:nope' })
    pool.stop()
  })

  it('the worker stops while(true){} at the wall limit itself (before the host deadline) and keeps serving', async () => {
    let made = 0
    const pool = new SandboxPool({ size: 1, createWorker: () => { made++; return inProcessWorker() } })
    const r = await pool.run(input('while (true) {}', { wallTimeMs: 300 }), noHost)
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'wallTime', max: 300 })
    expect(r.outcome.kind === 'error' && r.outcome.message).not.toMatch(/terminated/)
    const again = await pool.run(input('Lit.Actions.setResponse({ response: "next" })'), noHost)
    expect(again.outcome).toEqual({ kind: 'ok', response: 'next' })
    expect(made).toBe(1)
    pool.stop()
  })

  it('a refused jsParams key is an error before anything is queued', async () => {
    const pool = new SandboxPool({ size: 1, createWorker: () => inProcessWorker() })
    await expect(pool.run(input('', {}, { fetch: 1 }), noHost)).rejects.toBeInstanceOf(JsParamsKeyError)
    expect(pool.load).toEqual({ workers: 1, busy: 0, queued: 0 })
    pool.stop()
  })

  it('cancelling a running action releases the caller at once and the worker after its done', async () => {
    const pool = new SandboxPool({ size: 1, createWorker: () => inProcessWorker() })
    const ac = new AbortController()
    const p = pool.run(input('for (;;) await new Promise((r) => setTimeout(r, 1))', { wallTimeMs: 5000 }), noHost, { signal: ac.signal })
    setTimeout(() => ac.abort(), 50)
    await expect(p).rejects.toBeInstanceOf(SandboxCancelledError)
    const next = await pool.run(input('Lit.Actions.setResponse({ response: "after cancel" })'), noHost)
    expect(next.outcome).toEqual({ kind: 'ok', response: 'after cancel' })
    pool.stop()
  })
})

describe('SandboxPool queue and host deadline (§2.6)', () => {
  it('queue full → UnavailableError; a queued run leaves the queue when its signal aborts', async () => {
    const { pool } = scriptedPool(() => {}, { size: 1, queueMax: 1, hostGraceMs: 60_000 })
    const first = pool.run(input(''), noHost)
    const ac = new AbortController()
    const second = pool.run(input(''), noHost, { signal: ac.signal })
    await expect(pool.run(input(''), noHost)).rejects.toBeInstanceOf(UnavailableError)
    expect(pool.load).toEqual({ workers: 1, busy: 1, queued: 1 })
    ac.abort()
    await expect(second).rejects.toBeInstanceOf(SandboxCancelledError)
    expect(pool.load.queued).toBe(0)
    pool.stop()
    await expect(first).rejects.toMatchObject({ name: 'SandboxStoppedError' })
  })

  it('a worker that never answers is terminated at wall + grace and replaced; the run answers wallTime', async () => {
    const { pool, workers } = scriptedPool(() => {}, { size: 1, hostGraceMs: 50 })
    const t0 = performance.now()
    const r = await pool.run(input('', { wallTimeMs: 100 }), noHost)
    expect(r.outcome).toMatchObject({ kind: 'error', code: 'ERR_ACTION_LIMIT', limit: 'wallTime', max: 100 })
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145)
    expect(workers[0].terminated).toBe(true)
    expect(workers).toHaveLength(2)
    expect(workers[1].terminated).toBe(false)
    pool.stop()
  })

  it('logs sent before the deadline are kept', async () => {
    const { pool } = scriptedPool((run, w) => w.send({ v: 1, type: 'log', runId: run.runId, level: 'log', text: 'started' }), { size: 1, hostGraceMs: 20 })
    const r = await pool.run(input('', { wallTimeMs: 50 }), noHost)
    expect(r.logs).toBe('started\n')
    pool.stop()
  })
})

describe('strict worker messages (§3.10): one bad field → ERR_SANDBOX_PROTOCOL and a fresh worker', () => {
  const goodCall = (runId: string): any => ({ v: 1, type: 'call', runId, callId: 1, method: 'signEcdsa', args: { toSign: 'ab'.repeat(32), publicKey: G_UNCOMPRESSED.slice(0), sigName: 's' } })
  const cases: Array<[string, (runId: string) => unknown]> = [
    ['an unknown runId', (runId) => done(`${runId}x`)],
    ['an unknown type', (runId) => ({ v: 1, type: 'hello', runId })],
    ['a wrong version', (runId) => ({ ...done(runId), v: 2 })],
    ['an unknown field in done', (runId) => done(runId, { extra: 1 })],
    ['a bad outcome code', (runId) => done(runId, { outcome: { kind: 'error', code: 'ERR_OTHER', message: 'x' } })],
    ['a response with an error outcome', (runId) => done(runId, { outcome: { kind: 'error', code: 'ERR_ACTION_FAILED', message: 'x' }, response: 'r' })],
    ['a negative runMs', (runId) => done(runId, { stats: { runMs: -1 } })],
    ['a non-object message', () => 'done'],
    ['a call to an unknown method', (runId) => ({ ...goodCall(runId), method: 'getRandomValues' })],
    ['a call with a 31-byte toSign', (runId) => ({ ...goodCall(runId), args: { ...goodCall(runId).args, toSign: 'ab'.repeat(31) } })],
    ['a call with a compressed publicKey', (runId) => ({ ...goodCall(runId), args: { ...goodCall(runId).args, publicKey: G_COMPRESSED } })],
    ['a call with a bad sigName', (runId) => ({ ...goodCall(runId), args: { ...goodCall(runId).args, sigName: 'a b' } })],
    ['a call with an extra argument', (runId) => ({ ...goodCall(runId), args: { ...goodCall(runId).args, x: 1 } })],
    ['a call with callId 0', (runId) => ({ ...goodCall(runId), callId: 0 })],
    ['a fetch with a forbidden header', (runId) => ({ v: 1, type: 'call', runId, callId: 1, method: 'fetch', args: { url: 'http://x/', method: 'GET', headers: { cookie: 'a' } } })],
    ['a log with a bad level', (runId) => ({ v: 1, type: 'log', runId, level: 'trace', text: 'x' })],
    ['a log longer than consoleBytes', (runId) => ({ v: 1, type: 'log', runId, level: 'log', text: 'x'.repeat(70_000) })]
  ]
  for (const [what, message] of cases) {
    it(what, async () => {
      const calls: unknown[] = []
      const { pool, workers } = scriptedPool((run, w) => w.send(message(run.runId)), { size: 1 })
      const r = await pool.run(input(''), { call: async (m, a) => { calls.push([m, a]); return 'success' } })
      expect(r.outcome).toMatchObject({ kind: 'error', code: 'ERR_SANDBOX_PROTOCOL' })
      expect(calls).toEqual([])
      expect(workers[0].terminated).toBe(true)
      expect(workers).toHaveLength(2)
      pool.stop()
    })
  }

  it('the well-formed call is served and answered with a result (control for the cases above)', async () => {
    const calls: unknown[] = []
    const { pool, workers } = scriptedPool((run, w) => w.send(goodCall(run.runId)), { size: 1, hostGraceMs: 20 })
    const p = pool.run(input('', { wallTimeMs: 200 }), { call: async (m, a) => { calls.push([m, a]); return 'success' } })
    await expect.poll(() => workers[0].received.find((m) => m.type === 'result')).toEqual({ v: 1, type: 'result', runId: expect.any(String), callId: 1, ok: true, value: 'success' })
    expect(calls).toEqual([['signEcdsa', goodCall('').args]])
    workers[0].send(done(workers[0].received[0].runId, { response: 'r' }))
    expect((await p).outcome).toEqual({ kind: 'ok', response: 'r' })
    expect(workers[0].terminated).toBe(false)
    pool.stop()
  })

  it('a repeated callId fails the run', async () => {
    const { pool } = scriptedPool((run, w) => { w.send(goodCall(run.runId)); w.send(goodCall(run.runId)) }, { size: 1 })
    const r = await pool.run(input(''), { call: async () => 'success' })
    expect(r.outcome).toMatchObject({ code: 'ERR_SANDBOX_PROTOCOL', message: expect.stringMatching(/repeated/) })
    pool.stop()
  })

  it('a worker error (crash) fails the run and replaces the worker', async () => {
    const { pool, workers } = scriptedPool((_run, w) => w.onerror?.(new Error('boom')), { size: 1 })
    const r = await pool.run(input(''), noHost)
    expect(r.outcome).toMatchObject({ code: 'ERR_SANDBOX_PROTOCOL', message: expect.stringMatching(/crashed/) })
    expect(workers).toHaveLength(2)
    pool.stop()
  })

  it('a message from an idle worker recycles it', async () => {
    const { pool, workers } = scriptedPool((run, w) => w.send(done(run.runId)), { size: 1 })
    expect((await pool.run(input(''), noHost)).outcome).toEqual({ kind: 'ok' })
    workers[0].send(done('late'))
    expect(workers[0].terminated).toBe(true)
    expect(workers).toHaveLength(2)
    pool.stop()
  })
})
