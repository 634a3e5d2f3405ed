/**
 * The QuickJS runner (docs/actions.md §2.2, §2.7, §2.8, §3): the Lit.Actions API,
 * every run-time limit named, argument rules, isolation between runs and from
 * the host's globals.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { QuickJSWASMModule } from 'quickjs-emscripten-core'
import { DEFAULT_ACTION_LIMITS, resolveLimits, type ActionLimits } from '../../src/actions/limits.js'
import { JsParamsKeyError } from '../../src/actions/sandbox/errors.js'
import type { HostMethod } from '../../src/actions/sandbox/host-args.js'
import { loadQuickJSModule } from '../../src/actions/sandbox/quickjs-module.js'
import { isModuleBroken, prepareWarmContext, runAction, type ActionHost, type RunResult } from '../../src/actions/sandbox/quickjs-runner.js'
import { asAsyncBody } from '../../src/node/action-service.js'

// A valid secp256k1 key: the generator, compressed and uncompressed.
const G_COMPRESSED = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
const G_UNCOMPRESSED = '0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'

class RecordingHost implements ActionHost {
  readonly calls: Array<{ method: HostMethod, args: any }> = []
  constructor (private readonly answer: (method: HostMethod, args: any) => Promise<unknown> = async () => 'success') {}
  async call (method: HostMethod, args: unknown): Promise<unknown> {
    this.calls.push({ method, args })
    return await this.answer(method, args)
  }
}

let module: QuickJSWASMModule
/** A module capped for a 16 MiB action memory limit (the cap is per module, quickjs-module.ts). */
let small: QuickJSWASMModule

beforeAll(async () => {
  module = await loadQuickJSModule()
  small = await loadQuickJSModule({ memoryBytes: 16 * 1024 * 1024 })
})

async function run (code: string, opts: { jsParams?: unknown, limits?: Partial<ActionLimits>, host?: ActionHost, signal?: AbortSignal, wrap?: boolean, module?: QuickJSWASMModule } = {}): Promise<RunResult> {
  return await runAction(opts.module ?? module, {
    code: opts.wrap === false ? code : asAsyncBody(code),
    jsParams: opts.jsParams ?? {},
    auth: { actionIpfsIds: ['QmTest'], authSigAddress: '0x0000000000000000000000000000000000000001' },
    limits: resolveLimits(opts.limits)
  }, opts.host ?? new RecordingHost(), opts.signal)
}

function ok (r: RunResult): string | undefined {
  if (r.outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r.outcome)}`)
  return r.outcome.response
}

describe('the API inside an action', () => {
  it('setResponse: the last call wins; a run without it answers no response', async () => {
    expect(ok(await run('Lit.Actions.setResponse({ response: "a" }); LitActions.setResponse({ response: "ok" })'))).toBe('ok')
    expect(ok(await run('1 + 1'))).toBeUndefined()
  })

  it('setResponse refuses a non-string inside the action (catchable TypeError)', async () => {
    const r = await run('try { Lit.Actions.setResponse({ response: { a: 1 } }) } catch (e) { Lit.Actions.setResponse({ response: e.name + "|" + (e instanceof TypeError) }) }')
    expect(ok(r)).toBe('TypeError|true')
  })

  it('jsParams: the object and each top-level key as a global const', async () => {
    const r = await run('Lit.Actions.setResponse({ response: JSON.stringify([jsParams.n, n, typeof s, s.x]) })', { jsParams: { n: 7, s: { x: 'y' } } })
    expect(JSON.parse(ok(r)!)).toEqual([7, 7, 'object', 'y'])
  })

  it('a jsParams key that is not an identifier or shadows a global is refused before running', async () => {
    await expect(run('', { jsParams: { 'a-b': 1 } })).rejects.toBeInstanceOf(JsParamsKeyError)
    await expect(run('', { jsParams: { Lit: 1 } })).rejects.toMatchObject({ name: 'JsParamsKeyError', code: 'ERR_BAD_REQUEST', key: 'Lit' })
    await expect(run('', { jsParams: { JSON: 1 } })).rejects.toMatchObject({ key: 'JSON' })
    await expect(run('', { jsParams: { class: 1 } })).rejects.toMatchObject({ key: 'class' })
  })

  it('Lit.Auth is frozen and carries the request auth', async () => {
    const r = await run('"use strict"; let threw = false; try { Lit.Auth.authSigAddress = "x" } catch (e) { threw = true }; Lit.Actions.setResponse({ response: JSON.stringify([Lit.Auth.actionIpfsIds, Lit.Auth.authSigAddress, Object.isFrozen(Lit.Auth), threw]) })')
    expect(JSON.parse(ok(r)!)).toEqual([['QmTest'], '0x0000000000000000000000000000000000000001', true, true])
  })

  it('console: one line per call, level prefix except for log, non-strings as JSON', async () => {
    const r = await run('console.log("a", 1, { b: [2] }); console.warn("w"); console.error(new TypeError("bad"))')
    ok(r)
    expect(r.logs).toBe('a 1 {"b":[2]}\n[warn] w\n[error] TypeError: bad\n')
  })

  it('TextEncoder/TextDecoder round-trip UTF-8, including astral characters and invalid bytes', async () => {
    const r = await run(`
      const s = 'héllo €𝄞'
      const b = new TextEncoder().encode(s)
      const back = new TextDecoder().decode(b)
      const bad = new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62, 0xe2, 0x82]))
      let fatal = ''
      try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xc0])) } catch (e) { fatal = e.name }
      Lit.Actions.setResponse({ response: JSON.stringify([Array.from(b), back === s, bad, fatal]) })`)
    const [bytes, same, bad, fatal] = JSON.parse(ok(r)!)
    expect(bytes).toEqual([...new TextEncoder().encode('héllo €𝄞')])
    expect(same).toBe(true)
    expect(bad).toBe(new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62, 0xe2, 0x82])))
    expect(fatal).toBe('TypeError')
  })

  it('atob/btoa match the host, crypto.getRandomValues fills bytes', async () => {
    const r = await run(`
      const r = crypto.getRandomValues(new Uint8Array(32))
      Lit.Actions.setResponse({ response: JSON.stringify([btoa('hi!?'), btoa('a'), atob('aGkhPw=='), atob('YQ'), r.length, r.some((x) => x !== 0)]) })`)
    expect(JSON.parse(ok(r)!)).toEqual([btoa('hi!?'), btoa('a'), 'hi!?', 'a', 32, true])
  })

  it('setTimeout runs callbacks with arguments; clearTimeout cancels; the run waits for pending timers', async () => {
    const r = await run(`
      const out = []
      const t = setTimeout(() => out.push('never'), 5)
      clearTimeout(t)
      setTimeout((a, b) => { out.push(a + b); Lit.Actions.setResponse({ response: out.join(',') }) }, 10, 'x', 'y')
      out.push('first')`)
    expect(ok(r)).toBe('first,xy')
  })

  it('the top-level promise is awaited; a rejection fails the run with its message', async () => {
    expect(ok(await run('await new Promise((r) => setTimeout(r, 5)); Lit.Actions.setResponse({ response: "late" })'))).toBe('late')
    const r = await run('await null; throw new RangeError("nope")')
    expect(r.outcome).toEqual({ kind: 'error', code: 'ERR_ACTION_FAILED', message: 'RangeError: nope' })
  })

  it('an uncaught error in a timer callback fails the run', async () => {
    const r = await run('setTimeout(() => { throw new Error("in timer") }, 1)')
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_FAILED', message: 'Error: in timer' })
  })

  it('a syntax error fails the run; a long message is cut to 512 characters', async () => {
    expect((await run('let = ;', { wrap: false })).outcome).toMatchObject({ code: 'ERR_ACTION_FAILED', message: expect.stringMatching(/^SyntaxError/) })
    const r = await run('throw new Error("x".repeat(5000))')
    expect(r.outcome.kind === 'error' && r.outcome.message.length).toBe(512)
  })

  it('a promise that can never settle fails the run instead of hanging', async () => {
    const r = await run('await new Promise(() => {})')
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_FAILED', message: expect.stringMatching(/never settled/) })
  })
})

describe('signing calls (§3.3, §3.4)', () => {
  it('signEcdsa normalises toSign (bytes, array, hex) and the key (compressed → uncompressed) before the host', async () => {
    const host = new RecordingHost()
    const r = await run(`
      const a = await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32).fill(1), publicKey: '0x${G_COMPRESSED}', sigName: 's1' })
      await Lit.Actions.signEcdsa({ toSign: Array(32).fill(255), publicKey: '${G_UNCOMPRESSED.toUpperCase()}', sigName: 's2' })
      await Lit.Actions.signEcdsa({ toSign: '0x' + 'ab'.repeat(32), publicKey: '0x${G_UNCOMPRESSED}', sigName: 's.3-x_y' })
      Lit.Actions.setResponse({ response: a })`, { host })
    expect(ok(r)).toBe('success')
    expect(host.calls).toEqual([
      { method: 'signEcdsa', args: { toSign: '01'.repeat(32), publicKey: G_UNCOMPRESSED, sigName: 's1' } },
      { method: 'signEcdsa', args: { toSign: 'ff'.repeat(32), publicKey: G_UNCOMPRESSED, sigName: 's2' } },
      { method: 'signEcdsa', args: { toSign: 'ab'.repeat(32), publicKey: G_UNCOMPRESSED, sigName: 's.3-x_y' } }
    ])
  })

  const bad: Array<[string, string, RegExp]> = [
    ['toSign of 31 bytes', `{ toSign: new Uint8Array(31), publicKey: '${G_COMPRESSED}', sigName: 'a' }`, /TypeError: toSign must be exactly 32 bytes/],
    ['toSign hex without 0x', `{ toSign: 'ab'.repeat(32), publicKey: '${G_COMPRESSED}', sigName: 'a' }`, /TypeError: toSign/],
    ['toSign with a non-byte', `{ toSign: Array(32).fill(256), publicKey: '${G_COMPRESSED}', sigName: 'a' }`, /TypeError: toSign\[0\] is not a byte/],
    ['publicKey off the curve', '{ toSign: new Uint8Array(32), publicKey: \'02\' + \'00\'.repeat(32), sigName: \'a\' }', /TypeError: publicKey is not a point/],
    ['publicKey of 64 bytes', '{ toSign: new Uint8Array(32), publicKey: \'ab\'.repeat(64), sigName: \'a\' }', /TypeError: publicKey must be/],
    ['empty sigName', `{ toSign: new Uint8Array(32), publicKey: '${G_COMPRESSED}', sigName: '' }`, /TypeError: sigName/],
    ['sigName with a space', `{ toSign: new Uint8Array(32), publicKey: '${G_COMPRESSED}', sigName: 'a b' }`, /TypeError: sigName/],
    ['sigName of 65 chars', `{ toSign: new Uint8Array(32), publicKey: '${G_COMPRESSED}', sigName: 'a'.repeat(65) }`, /TypeError: sigName/]
  ]
  for (const [what, args, expected] of bad) {
    it(`signEcdsa with ${what} rejects inside the action, catchably, and never reaches the host`, async () => {
      const host = new RecordingHost()
      const r = await run(`try { await Lit.Actions.signEcdsa(${args}); Lit.Actions.setResponse({ response: 'signed' }) } catch (e) { Lit.Actions.setResponse({ response: e.name + ': ' + e.message }) }`, { host })
      expect(ok(r)).toMatch(expected)
      expect(host.calls).toHaveLength(0)
    })
  }

  it('a second call with the same sigName throws DuplicateSigNameError (across both signing methods)', async () => {
    const host = new RecordingHost()
    const r = await run(`
      await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: '${G_COMPRESSED}', sigName: 'sig' })
      try { await Lit.Actions.ethPersonalSignMessageEcdsa({ message: 'hi', publicKey: '${G_COMPRESSED}', sigName: 'sig' }) } catch (e) { Lit.Actions.setResponse({ response: e.name }) }`, { host })
    expect(ok(r)).toBe('DuplicateSigNameError')
    expect(host.calls).toHaveLength(1)
  })

  it('ethPersonalSignMessageEcdsa sends the message as UTF-8 hex; over 16 KiB is refused', async () => {
    const host = new RecordingHost()
    const r = await run(`
      await Lit.Actions.ethPersonalSignMessageEcdsa({ message: 'hé', publicKey: '${G_COMPRESSED}', sigName: 'p' })
      try { await Lit.Actions.ethPersonalSignMessageEcdsa({ message: 'x'.repeat(16385), publicKey: '${G_COMPRESSED}', sigName: 'q' }) } catch (e) { Lit.Actions.setResponse({ response: e.name }) }`, { host })
    expect(ok(r)).toBe('TypeError')
    expect(host.calls).toEqual([{ method: 'ethPersonalSignMessageEcdsa', args: { message: '68c3a9', publicKey: G_UNCOMPRESSED, sigName: 'p' } }])
  })

  it('a host refusal surfaces in the action as an Error with the host error\'s name and message', async () => {
    const host = new RecordingHost(async () => {
      const e = new Error('not permitted on this PKP')
      e.name = 'UnauthorizedError'
      throw e
    })
    const r = await run(`try { await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: '${G_COMPRESSED}', sigName: 's' }) } catch (e) { Lit.Actions.setResponse({ response: [e instanceof Error, e.name, e.message].join('|') }) }`, { host })
    expect(ok(r)).toBe('true|UnauthorizedError|not permitted on this PKP')
  })

  it('an unobserved host rejection fails the run (unhandled rejection)', async () => {
    const host = new RecordingHost(async () => { throw new TypeError('refused') })
    const r = await run(`Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: '${G_COMPRESSED}', sigName: 's' }); await new Promise((r) => setTimeout(r, 5))`, { host })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_FAILED', message: 'Uncaught (in promise) TypeError: refused' })
  })
})

describe('fetch and decryptAndCombine (§3.6, §3.7)', () => {
  it('fetch: normalised request to the host, Response-like answer', async () => {
    const host = new RecordingHost(async () => ({ status: 200, headers: [['content-type', 'application/json']], body: '{"price":42}' }))
    const r = await run(`
      const res = await fetch('http://127.0.0.1:9/price', { method: 'post', headers: { 'Content-Type': 'application/json' }, body: '{}' })
      const j = await res.json()
      Lit.Actions.setResponse({ response: JSON.stringify([res.ok, res.status, res.headers.get('Content-Type'), j.price, (await res.arrayBuffer()).byteLength]) })`, { host })
    expect(JSON.parse(ok(r)!)).toEqual([true, 200, 'application/json', 42, 12])
    expect(host.calls).toEqual([{ method: 'fetch', args: { url: 'http://127.0.0.1:9/price', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' } }])
  })

  it('fetch refuses other methods and headers inside the action', async () => {
    const host = new RecordingHost()
    const r = await run(`
      const out = []
      for (const init of [{ method: 'PUT' }, { headers: { authorization: 'x' } }, { method: 'GET', body: 'x' }]) {
        try { await fetch('http://127.0.0.1:9/', init) } catch (e) { out.push(e.name) }
      }
      Lit.Actions.setResponse({ response: out.join(',') })`, { host })
    expect(ok(r)).toBe('TypeError,TypeError,TypeError')
    expect(host.calls).toHaveLength(0)
  })

  it('decryptAndCombine passes its argument through and resolves to the host\'s string', async () => {
    const host = new RecordingHost(async () => 'plain text')
    const r = await run('Lit.Actions.setResponse({ response: await Lit.Actions.decryptAndCombine({ accessControlConditions: [], ciphertext: "c", dataToEncryptHash: "h" }) })', { host })
    expect(ok(r)).toBe('plain text')
    expect(host.calls).toEqual([{ method: 'decryptAndCombine', args: { accessControlConditions: [], ciphertext: 'c', dataToEncryptHash: 'h' } }])
  })
})

describe('limits (§2.7, §2.8): each stop names its limit', () => {
  it('wallTime: while(true){} stops at a 300 ms limit', async () => {
    const r = await run('while (true) {}', { limits: { wallTimeMs: 300 } })
    expect(r.outcome).toMatchObject({ kind: 'error', code: 'ERR_ACTION_LIMIT', limit: 'wallTime', max: 300 })
    expect(r.stats.runMs).toBeGreaterThanOrEqual(300)
    expect(r.stats.runMs).toBeLessThan(300 + 1_000) // the must-show bound: limit + 1 s (CI shares 2 cores)
  })

  it('wallTime: a catch block cannot swallow the interrupt', async () => {
    const r = await run('for (;;) { try { while (true) {} } catch (e) {} }', { limits: { wallTimeMs: 200 } })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'wallTime' })
  })

  it('wallTime: for(;;) await null (a microtask loop)', async () => {
    const r = await run('for (;;) await null', { limits: { wallTimeMs: 300 } })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'wallTime' })
    expect(r.stats.runMs).toBeLessThan(300 + 1_000) // the must-show bound: limit + 1 s (CI shares 2 cores)
  })

  it('wallTime: setTimeout ping-pong', async () => {
    const r = await run('function ping () { setTimeout(pong, 0) } function pong () { setTimeout(ping, 0) } ping()', { limits: { wallTimeMs: 300 } })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'wallTime' })
    expect(r.stats.runMs).toBeLessThan(300 + 1_000) // the must-show bound: limit + 1 s (CI shares 2 cores)
  })

  it('wallTime: a host call that never answers', async () => {
    const host = new RecordingHost(async () => await new Promise(() => {}))
    const r = await run('await fetch("http://127.0.0.1:9/")', { limits: { wallTimeMs: 200 }, host })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'wallTime' })
  })

  const MiB16 = 16 * 1024 * 1024
  const bombs = [
    'const a = []; for (;;) a.push(new Array(1e6).fill(1))',
    'const a = []; for (let i = 0; ; i++) a.push("x".repeat(1e6) + i)',
    'const a = []; for (;;) a.push(new Uint8Array(1e6))',
    'let s = "ab"; for (;;) s = s.repeat(2)',
    'const a = []; for (let i = 0; ; i++) a.push({ i, s: "x" + i })'
  ]
  for (const bomb of bombs) {
    it(`memory: ${bomb} stops at a 16 MiB limit, quickly, and the module stays usable`, async () => {
      const r = await run(bomb, { limits: { memoryBytes: MiB16 }, module: small })
      expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'memory', max: MiB16 })
      expect(r.stats.runMs).toBeLessThan(10_000) // named memory long before the 30 s wall limit
      expect(isModuleBroken(small)).toBe(false)
      expect(ok(await run('Lit.Actions.setResponse({ response: "after" })', { limits: { memoryBytes: MiB16 }, module: small }))).toBe('after')
    })
  }

  it('memory: the action cannot swallow out-of-memory and keep going', async () => {
    const fresh = await loadQuickJSModule({ memoryBytes: MiB16 })
    const r = await run('let n = 0; for (;;) { try { const a = []; for (;;) a.push(new Array(1e5).fill(1)) } catch (e) { n++ } }', { limits: { memoryBytes: MiB16, wallTimeMs: 20_000 }, module: fresh })
    // Stopped as 'memory' at the next interrupt poll (QuickJS polls every 10 000 back-edges/calls), long
    // before the wall limit (a generous one: CI runs this beside the rest of the suite on 2 cores).
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'memory' })
    expect(r.stats.runMs).toBeLessThan(15_000)
  })

  it('stack overflow is ERR_ACTION_FAILED, not a crash, and the module stays usable', async () => {
    const r = await run('function f () { return f() + 1 } f()')
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_FAILED', message: expect.stringMatching(/stack overflow/) })
    expect(isModuleBroken(module)).toBe(false)
    expect(ok(await run('Lit.Actions.setResponse({ response: "alive" })'))).toBe('alive')
  })

  it('response: over responseBytes stops the run, even if the action catches the error', async () => {
    const r = await run('try { Lit.Actions.setResponse({ response: "é".repeat(600) }) } catch (e) {} ; Lit.Actions.setResponse({ response: "small" })', { limits: { responseBytes: 1000 } })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'response', used: 1200, max: 1000 })
  })

  it('console: over consoleBytes stops the run and keeps the logs so far', async () => {
    const r = await run('for (let i = 0; ; i++) { try { console.log("line " + i) } catch (e) {} }', { limits: { consoleBytes: 100 } })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'console', max: 100 })
    expect(r.logs.startsWith('line 0\nline 1\n')).toBe(true)
    expect(new TextEncoder().encode(r.logs).length).toBeLessThanOrEqual(100)
  })

  it('fetchCount: the 11th fetch stops the run', async () => {
    const host = new RecordingHost(async () => ({ status: 204, headers: [], body: '' }))
    const r = await run('for (let i = 0; i < 20; i++) { try { await fetch("http://127.0.0.1:9/") } catch (e) {} }', { host })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'fetchCount', used: 11, max: DEFAULT_ACTION_LIMITS.fetchCount })
    expect(host.calls).toHaveLength(10)
  })

  it('signCount: the 11th signing call stops the run', async () => {
    const host = new RecordingHost()
    const r = await run(`for (let i = 0; i < 20; i++) { try { await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: '${G_COMPRESSED}', sigName: 's' + i }) } catch (e) {} }`, { host })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'signCount', used: 11, max: 10 })
    expect(host.calls).toHaveLength(10)
  })

  it('decryptCount: over the limit stops the run', async () => {
    const host = new RecordingHost(async () => 'p')
    const r = await run('for (let i = 0; i < 5; i++) await Lit.Actions.decryptAndCombine({})', { host, limits: { decryptCount: 2 } })
    expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'decryptCount', used: 3, max: 2 })
  })

  it('an aborted signal ends the run', async () => {
    const ac = new AbortController()
    const p = run('while (true) await new Promise((r) => setTimeout(r, 1))', { signal: ac.signal })
    setTimeout(() => ac.abort(), 20)
    expect((await p).outcome).toMatchObject({ code: 'ERR_ACTION_FAILED', message: 'run cancelled' })
  })
})

describe('isolation (§2.1, §3.1)', () => {
  it('only the §3.1 globals exist: no host objects, no __host', async () => {
    const names = ['indexedDB', 'localStorage', 'sessionStorage', 'caches', 'self', 'window', 'document', 'importScripts', 'XMLHttpRequest',
      'WebSocket', 'postMessage', 'parent', 'top', 'navigator', 'Worker', 'require', 'process', 'Deno', '__host', 'host', 'print', 'std', 'os']
    const r = await run(`Lit.Actions.setResponse({ response: JSON.stringify(${JSON.stringify(names)}.filter((n) => typeof globalThis[n] !== 'undefined')) })`)
    expect(JSON.parse(ok(r)!)).toEqual([])
    const own = await run('Lit.Actions.setResponse({ response: JSON.stringify(Object.getOwnPropertyNames(globalThis)) })')
    const extra = (JSON.parse(ok(own)!) as string[]).filter((n) => !['Lit', 'LitActions', 'jsParams', 'console', 'fetch', 'setTimeout', 'clearTimeout', 'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'crypto'].includes(n) && !(n in globalThis) && n !== 'InternalError' && n !== 'Float16Array')
    expect(extra).toEqual([])
  })

  it('no state is shared between two runs', async () => {
    ok(await run('globalThis.leak = 42; Object.prototype.polluted = 1', { wrap: false }))
    const r = await run('Lit.Actions.setResponse({ response: JSON.stringify([typeof leak, ({}).polluted === undefined]) })')
    expect(JSON.parse(ok(r)!)).toEqual(['undefined', true])
  })

  it('replacing JSON inside the action does not break the API', async () => {
    const r = await run('JSON.stringify = () => "{}"; JSON.parse = () => ({}); Lit.Actions.setResponse({ response: "still" })')
    expect(ok(r)).toBe('still')
  })
})

describe('contexts made ahead (WarmContext)', () => {
  const input = (code: string, jsParams: unknown = {}): Parameters<typeof runAction>[1] => ({
    code: asAsyncBody(code), jsParams, auth: { actionIpfsIds: ['QmWarm'] }, limits: resolveLimits({})
  })

  it('a run in a warm context sees its own jsParams, signs through the host and leaves nothing for the next', async () => {
    const host = new RecordingHost()
    const first = await runAction(module, input('globalThis.leak = "secret"; await Lit.Actions.signEcdsa({ toSign, publicKey: pk, sigName: "s" }); Lit.Actions.setResponse({ response: String(toSign.length) })', { toSign: Array(32).fill(1), pk: G_COMPRESSED }), host, undefined, { warm: prepareWarmContext(module) })
    expect(ok(first)).toBe('32')
    expect(host.calls.map((c) => c.method)).toEqual(['signEcdsa'])
    const second = await runAction(module, input('Lit.Actions.setResponse({ response: typeof globalThis.leak + "|" + JSON.stringify(jsParams) })', { a: 1 }), new RecordingHost(), undefined, { warm: prepareWarmContext(module) })
    expect(ok(second)).toBe('undefined|{"a":1}')
  })

  it('limits hold in a warm context: an endless loop stops at the wall limit', async () => {
    const r = await runAction(module, { ...input('for (;;) {}'), limits: resolveLimits({ wallTimeMs: 200 }) }, new RecordingHost(), undefined, { warm: prepareWarmContext(module) })
    expect(r.outcome).toMatchObject({ kind: 'error', code: 'ERR_ACTION_LIMIT', limit: 'wallTime' })
  })

  it('a warm context of another module is freed, and the run makes its own', async () => {
    const r = await runAction(module, input('Lit.Actions.setResponse({ response: "own" })'), new RecordingHost(), undefined, { warm: prepareWarmContext(small) })
    expect(ok(r)).toBe('own')
  })
})
