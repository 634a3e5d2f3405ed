/**
 * Where the time of a warm executeJs goes: a diagnostic, not a benchmark.
 * Opens N node tabs (?pool=16) and the dashboard in one headless Chromium, mints,
 * uploads an action with one signEcdsa, warms up, then for each runner choice
 * ('all', 'signers') runs COUNT executeJs in sequence and logs the latencies and
 * each node's own phases (code / run / sign ms, from its op log). With PROFILE=1 the
 * main thread of every tab is CPU-profiled (CDP, 200 µs) during the 'all' runs and
 * the top self-time functions are printed (raw profiles in /tmp/prof-act-<i>.cpuprofile).
 *
 *   N=5 COUNT=40 scripts/with-netns.sh tsx bench/profile-actions.ts
 */
import type { CDPSession } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import { CHROMIUM_PERMISSIONS } from '../e2e/harness.js'
import { openBenchTestnet, poolSettled, startBenchStack } from './lib/tabs.js'
import { latencyStats } from './lib/cli.js'
import { progress } from './lib/index.js'

const N = Number(process.env.N ?? 5)
const COUNT = Number(process.env.COUNT ?? 40)
const PROFILE = process.env.PROFILE === '1'
const SIGN_CODE = `await Lit.Actions.signEcdsa({ toSign, publicKey, sigName })
Lit.Actions.setResponse({ response: 'ok' })`
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

const { web, browser, close } = await startBenchStack('prof-act')
try {
  const ctx = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  const { nodes, dashboard } = await openBenchTestnet(ctx, web.url, { n: N, slotPrefix: 'profact', query: 'pool=16', deadlineMs: 240_000 })
  const m = await dashboard.evaluate(async () => await window.__litTest!.client!.mint())
  progress(`minted in ${Math.round(m.ms)} ms; waiting for pools`)
  await sleep(15_000)
  const action = await dashboard.evaluate(async ([c]) => await window.__litTest!.client!.uploadAction(c), [SIGN_CODE] as const)
  const params = { publicKey: m.pkp.publicKey, sigName: 'sig' }
  await dashboard.evaluate(async ([id, p]) => await window.__litTest!.client!.executeJsLoop({ ipfsId: id, jsParams: p }, { count: 20, toSign: 'fresh' }), [action.ipfsId, params] as const)
  const pages = [dashboard, ...nodes]
  for (const runners of ['all', 'signers'] as const) {
    progress(`pool ${await poolSettled(dashboard, m.pkp.tokenId, 5000, 120_000)} before runners=${runners}`)
    const sessions: CDPSession[] = []
    if (PROFILE && runners === 'all') {
      for (const p of pages) { const s = await ctx.newCDPSession(p); await s.send('Profiler.enable'); await s.send('Profiler.setSamplingInterval', { interval: 200 }); await s.send('Profiler.start'); sessions.push(s) }
    }
    const r = await dashboard.evaluate(async ([id, p, w, c]) => await window.__litTest!.client!.executeJsLoop({ ipfsId: id, jsParams: p, runners: w }, { count: c, toSign: 'fresh' }), [action.ipfsId, params, runners, COUNT] as const)
    progress(`runners=${runners}: ${JSON.stringify(latencyStats(r.latenciesMs))} failures ${r.failures.length} ${r.failures[0] ?? ''}`)
    progress(`  latencies ${r.latenciesMs.map(x => Math.round(x)).join(' ')}`)
    for (const [i, p] of nodes.entries()) {
      const ops = await p.evaluate(() => (window as any).__litTest.node().operations.filter((o: any) => o.endedAt != null && o.kind === 'action').map((o: any) => `${o.kind}:${Math.round(o.endedAt - o.startedAt)}[${String(o.detail ?? '').replace(/^\S+ ok /, '').replace(/ ms$/, '')}]`))
      progress(`  node${i} ops: ${ops.slice(0, 25).join(' ')}`)
    }
    for (const [i, s] of sessions.entries()) {
      const { profile } = await s.send('Profiler.stop') as any
      writeFileSync(`/tmp/prof-act-${i}.cpuprofile`, JSON.stringify(profile))
      const self = new Map<string, number>()
      const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]))
      let total = 0
      profile.samples.forEach((id: number, k: number) => {
        const cf = byId.get(id).callFrame
        const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').pop()}:${cf.lineNumber}`
        const d = (profile.timeDeltas[k + 1] ?? 0) / 1000
        self.set(key, (self.get(key) ?? 0) + d); total += d
      })
      const busy = total - (self.get('(idle) :-1') ?? 0) - (self.get('(program) :-1') ?? 0)
      const top = [...self.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${v.toFixed(0).padStart(6)} ${k}`)
      progress(`${i === 0 ? 'dashboard' : `node${i - 1}`}: busy ${busy.toFixed(0)} ms of ${total.toFixed(0)}\n${top.join('\n')}`)
    }
  }
} finally {
  await close()
}
