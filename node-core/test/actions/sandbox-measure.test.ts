/**
 * The sandbox numbers of docs/actions.md §2.4 that can be measured in Node:
 * module load, warm run of setResponse('ok') (fresh runtime + context per run),
 * a 1e6-iteration loop, and the stop delay after the wall limit. Printed for
 * the record; the assertions are the §2.5 targets with slack for a shared,
 * 2-core test machine.
 */
import { describe, expect, it } from 'vitest'
import { resolveLimits } from '../../src/actions/limits.js'
import { loadQuickJSModule } from '../../src/actions/sandbox/quickjs-module.js'
import { runAction, type ActionHost } from '../../src/actions/sandbox/quickjs-runner.js'
import { asAsyncBody } from '../../src/node/action-service.js'

const host: ActionHost = { call: async () => 'success' }
const auth = { actionIpfsIds: ['QmMeasure'] }

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

describe('sandbox measurements (§2.4)', () => {
  it('module load, warm run p50/p99, 1e6 loop, signEcdsa round trip', async () => {
    const t0 = performance.now()
    const module = await loadQuickJSModule()
    const loadMs = performance.now() - t0
    const limits = resolveLimits()
    const run = async (code: string): Promise<number> => {
      const t = performance.now()
      const r = await runAction(module, { code: asAsyncBody(code), jsParams: {}, auth, limits }, host)
      const ms = performance.now() - t
      expect(r.outcome.kind).toBe('ok')
      return ms
    }
    const setResponse = 'Lit.Actions.setResponse({ response: "ok" })'
    for (let i = 0; i < 20; i++) await run(setResponse)
    const warm: number[] = []
    for (let i = 0; i < 200; i++) warm.push(await run(setResponse))
    const sign: number[] = []
    for (let i = 0; i < 50; i++) sign.push(await run('await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32), publicKey: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", sigName: "s" })'))
    const loop: number[] = []
    for (let i = 0; i < 5; i++) loop.push(await run('let s = 0; for (let i = 0; i < 1e6; i++) s += i; Lit.Actions.setResponse({ response: String(s) })'))
    const numbers = {
      moduleLoadMs: +loadMs.toFixed(1),
      warmSetResponseP50Ms: +pct(warm, 0.5).toFixed(2),
      warmSetResponseP99Ms: +pct(warm, 0.99).toFixed(2),
      signEcdsaRoundTripP50Ms: +pct(sign, 0.5).toFixed(2),
      loop1e6P50Ms: +pct(loop, 0.5).toFixed(1)
    }
    console.log(JSON.stringify(numbers))
    expect(numbers.warmSetResponseP50Ms).toBeLessThan(25)
    expect(numbers.loop1e6P50Ms).toBeLessThan(2000)
  })

  it('stop delay after the wall limit for the three §2.4 loops', async () => {
    const module = await loadQuickJSModule()
    const limits = resolveLimits({ wallTimeMs: 300 })
    const delays: Record<string, number> = {}
    for (const [name, code] of [['sync', 'while (true) {}'], ['microtask', 'for (;;) await null'], ['timers', 'function a () { setTimeout(b, 0) } function b () { setTimeout(a, 0) } a()']]) {
      const r = await runAction(module, { code: asAsyncBody(code), jsParams: {}, auth, limits }, host)
      expect(r.outcome).toMatchObject({ code: 'ERR_ACTION_LIMIT', limit: 'wallTime' })
      delays[name] = +(r.stats.runMs - 300).toFixed(1)
    }
    console.log(JSON.stringify({ stopAfterLimitMs: delays }))
    for (const d of Object.values(delays)) expect(d).toBeLessThan(200)
  })
})
