/**
 * Where the time of a warm pkpSign goes, tab by tab: a diagnostic, not a benchmark.
 * Starts the relay, web server, N node tabs (?pool=POOL) and the dashboard in one
 * headless Chromium, mints, waits for full pools, then CPU-profiles every tab (CDP
 * Profiler, 200 µs sampling) during COUNT sequential signatures. Writes the raw
 * profiles to /tmp/prof-<i>.cpuprofile (0 = dashboard; open them in Chrome DevTools),
 * logs each node's own sign-request durations, and prints JSON: per tab the profiled
 * milliseconds and the top self-time functions.
 *
 *   N=5 POOL=16 COUNT=30 scripts/with-netns.sh tsx bench/profile-sign.ts > prof.json
 */
import type { CDPSession, Page } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import { CHROMIUM_PERMISSIONS } from '../e2e/harness.js'
import { startBenchStack } from './lib/tabs.js'
import { cpuSince, processCpu } from './lib/proc-cpu.js'
import { selfTime, startProfiling, stopProfiling, topLines } from './lib/cpu-profile.js'

const N = Number(process.env.N ?? 5)
const COUNT = Number(process.env.COUNT ?? 15)
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const log = (s: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`) }

const { web, browser, close } = await startBenchStack('prof')
try {
  const ctx = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  const nodes: Page[] = []
  for (let i = 0; i < N; i++) { const p = await ctx.newPage(); await p.goto(`${web.url}/node.html?node=p${i}&pool=${process.env.POOL ?? 8}`); nodes.push(p) }
  const dash = await ctx.newPage()
  await dash.goto(`${web.url}/`)
  for (;;) {
    const s = await dash.evaluate(async () => { const s = window.__litTest?.snapshot(); const info = await window.__litTest?.client?.networkInfo().catch(() => null); return { n: s?.network.nodes.length ?? 0, full: s?.network.fullMesh ?? false, m: info?.networkKey?.members.length ?? 0 } }).catch(() => ({ n: 0, full: false, m: 0 }))
    if (s.n === N && s.full && s.m > 0) break
    await sleep(500)
  }
  log('ready; minting')
  const m = await dash.evaluate(async () => await window.__litTest!.client!.mint())
  log(`mint ${m.ms} ms`)
  const pool = async (): Promise<number> => (await dash.evaluate(async () => await window.__litTest!.client!.listPkps())).find(p => p.tokenId === m.pkp.tokenId)?.pool ?? 0
  let level = 0; let t = Date.now()
  for (;;) { await sleep(1000); const l = await pool(); if (l > level) { level = l; t = Date.now() } if (level > 0 && Date.now() - t > 8000) break }
  log(`pool ${level}`)
  await dash.evaluate(async ([p]) => await window.__litTest!.client!.sign(p, { count: 1, concurrency: 1 }), [m.pkp] as const)
  await sleep(5000)
  const pages = [dash, ...nodes]
  const PROFILE = process.env.PROFILE !== '0'
  const sessions: CDPSession[] = PROFILE ? await startProfiling(ctx, pages) : []
  const cpuBefore = processCpu()
  const wallBefore = Date.now()
  const r = await dash.evaluate(async ([p, c]) => await window.__litTest!.client!.sign(p, { count: c, concurrency: 1 }), [m.pkp, COUNT] as const)
  const wall = Date.now() - wallBefore
  const cpuAfter = processCpu()
  const cpuByKind = cpuSince(cpuBefore, cpuAfter)
  log(`CPU during ${COUNT} signatures (${wall} ms wall, ${Math.round(wall / COUNT)} ms each): ${[...cpuByKind].map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')}; total ${Math.round([...cpuByKind.values()].reduce((a, b) => a + b, 0) / COUNT)} ms per signature`)
  log(`latencies ${r.latenciesMs.map(x => Math.round(x)).join(' ')} failures ${r.failures.length}`)
  for (const [i, p] of nodes.entries()) {
    const ops = await p.evaluate(() => (window as any).__litTest.node().operations.filter((o: any) => o.kind === 'sign' && o.endedAt != null).map((o: any) => `${Math.round(o.endedAt - o.startedAt)}[${String(o.detail ?? '').replace(/^\S+ /, '')}]`))
    log(`node${i} sign ops (ms [phases]): ${ops.join(' ')}`)
  }
  const out: Record<string, unknown> = {}
  for (const [i, session] of sessions.entries()) {
    const profile = await stopProfiling(session)
    writeFileSync(`/tmp/prof-${i}.cpuprofile`, JSON.stringify(profile))
    const t = selfTime([profile])
    out[i === 0 ? 'dashboard' : `node${i - 1}`] = { totalMs: t.totalMs, top: topLines(t) }
  }
  console.log(JSON.stringify(out, null, 1))
} finally {
  await close()
}
