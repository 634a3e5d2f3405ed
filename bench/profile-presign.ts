/**
 * Why a pool fills as fast as it does: a diagnostic, not a benchmark. Starts the
 * relay, web server, N node tabs (?pool=POOL) and the dashboard in one headless
 * Chromium, mints one PKP, then follows its pools from empty to full: every
 * allocator run (the node's 'presign' operations: done or failed, with the
 * reason, and how long each took), how many ran at once, the nodes' log lines
 * about lost session messages and expired rounds, and the CPU every process
 * spent (/proc). Prints JSON. PROFILE=1 adds the node tabs' CPU profile (CDP,
 * 1 ms sampling) summed by function.
 *
 *   N=10 POOL=16 scripts/with-netns.sh tsx bench/profile-presign.ts > presign.json
 */
import type { Page } from '@playwright/test'
import { CHROMIUM_PERMISSIONS } from '../e2e/harness.js'
import { openBenchTestnet, startBenchStack } from './lib/tabs.js'
import { cpuSince, processCpu } from './lib/proc-cpu.js'
import { selfTime, startProfiling, stopProfiling } from './lib/cpu-profile.js'
import { machineInfo, median, percentile, round } from './lib/index.js'

const N = Number(process.env.N ?? 10)
const POOL = Number(process.env.POOL ?? 16)
/** The pools are full once their level has not grown for this long. */
const STABLE_MS = 10_000
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const log = (s: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`) }

interface Run { node: number, id: string, phase: string, detail?: string, startedAt: number, endedAt?: number }

async function presignRuns (page: Page, node: number): Promise<Run[]> {
  const ops = await page.evaluate(() => window.__litTest!.node!().operations.filter(o => o.kind === 'presign'))
  return ops.map(o => ({ node, id: o.id, phase: o.phase, detail: o.detail, startedAt: o.startedAt, endedAt: o.endedAt }))
}

/** Failure reasons with the run-specific parts (ids, peers, numbers) taken out, so that alike ones group. */
function reasonOf (detail: string | undefined): string {
  return (detail ?? '?').replace(/[0-9a-f]{6,}…?[0-9a-f]*/gi, '…').replace(/12D3Koo\w+/g, 'peer').replace(/\d+/g, 'N').slice(0, 120)
}

const { web, browser, close } = await startBenchStack('presign')
try {
  const ctx = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  const { nodes, dashboard: dash } = await openBenchTestnet(ctx, web.url, { n: N, slotPrefix: 'pp', query: `pool=${POOL}`, deadlineMs: 240_000 })
  // The nodes' own log lines (info and up go to the console): lost messages and expired rounds, by kind.
  const logLines = new Map<string, number>()
  for (const p of nodes) {
    p.on('console', (msg) => {
      const text = msg.text()
      const message = /message to \S+ failed: (.*)/.exec(text)?.[1]
      const start = /presign\/start to \S+ failed: (.*)/.exec(text)?.[1]
      const kind = message !== undefined ? `session message lost: ${reasonOf(message)}` : start !== undefined ? `presign/start failed: ${reasonOf(start)}` : /round deadline passed/.test(text) ? 'round deadline passed' : undefined
      if (kind !== undefined) logLines.set(kind, (logLines.get(kind) ?? 0) + 1)
    })
  }
  // PROFILE=1: sample every node tab's CPU (1 ms) from the mint to the end of the fill.
  const sessions = process.env.PROFILE === '1' ? await startProfiling(ctx, nodes, 1000) : []
  log('ready; minting')
  const cpuBefore = processCpu()
  const cpuFrom = Date.now()
  const m = await dash.evaluate(async () => await window.__litTest!.client!.mint())
  const mintedAt = Date.now()
  log(`mint ${m.ms} ms; following the pools`)
  const runs = new Map<string, Run>()
  const level = async (): Promise<number> => (await dash.evaluate(async () => await window.__litTest!.client!.listPkps())).find(p => p.tokenId === m.pkp.tokenId)?.pool ?? 0
  let full = 0
  let grewAt = Date.now()
  while (Date.now() - grewAt < STABLE_MS) {
    await sleep(1000)
    // Node operation lists are bounded: read them often enough that no run is forgotten first.
    for (const [i, p] of nodes.entries()) for (const r of await presignRuns(p, i)) runs.set(`${i}/${r.id}`, r)
    const now = await level()
    if (now > full) { full = now; grewAt = Date.now() }
  }
  const seconds = (grewAt - mintedAt) / 1000
  const cpu = cpuSince(cpuBefore, processCpu())
  const cpuSeconds = (Date.now() - cpuFrom) / 1000
  const all = [...runs.values()].filter(r => r.endedAt != null && r.startedAt >= mintedAt - 1000)
  const done = all.filter(r => r.phase === 'done')
  const failed = all.filter(r => r.phase === 'failed')
  const durations = done.map(r => r.endedAt! - r.startedAt)
  const reasons = new Map<string, number>()
  for (const r of failed) reasons.set(reasonOf(r.detail), (reasons.get(reasonOf(r.detail)) ?? 0) + 1)
  // Allocator runs in progress over time, sampled every 100 ms of the fill.
  const inFlight: number[] = []
  for (let t = mintedAt; t < grewAt; t += 100) inFlight.push(all.filter(r => r.startedAt <= t && r.endedAt! > t).length)
  const profiles = []
  for (const session of sessions) profiles.push(await stopProfiling(session))
  const sampled = profiles.length > 0 ? selfTime(profiles) : undefined
  const tabCpu = [...cpu].filter(([k]) => k.startsWith('renderer')).reduce((a, [, v]) => a + v, 0)
  const totalCpu = [...cpu.values()].reduce((a, b) => a + b, 0)
  console.log(JSON.stringify({
    diagnostic: 'presign pool fill',
    workload: `${N} node tabs (pool target ${POOL} per allocator), one PKP minted with committee = every node, pools followed from the mint until their level has not grown for ${STABLE_MS / 1000} s`,
    poolFull: full,
    fillSeconds: round(seconds),
    perSecond: round(full / seconds),
    runs: { done: done.length, failed: failed.length, failureReasons: Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1])) },
    doneRunMs: durations.length === 0 ? null : { p50: round(median(durations)), p90: round(percentile(durations, 90)), max: round(Math.max(...durations)) },
    nodeLogLines: Object.fromEntries([...logLines].sort((a, b) => b[1] - a[1])),
    allocatorRunsInFlight: { mean: round(inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length)), max: Math.max(0, ...inFlight) },
    // From just before the mint to the end of the stable wait (the mint's DKG and the idle tail included).
    cpu: { totalMs: Math.round(totalCpu), tabsMs: Math.round(tabCpu), perPresignatureMs: round(totalCpu / Math.max(1, full)), windowSeconds: round(cpuSeconds), shareOfTwoCores: round(totalCpu / (cpuSeconds * 1000 * 2)), byKind: Object.fromEntries([...cpu].filter(([, v]) => v >= 100).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v)])) },
    // PROFILE=1: self time summed over the node tabs, per function, as a share of the busy (not idle) samples.
    nodeTabsProfile: sampled === undefined ? null : { sampledMs: Math.round(sampled.totalMs), busyMs: Math.round(sampled.busyMs), top: sampled.byFunction.slice(0, 40).map(([k, v]) => `${(100 * v / sampled.busyMs).toFixed(1).padStart(5)}% ${Math.round(v).toString().padStart(6)} ms ${k}`) },
    machine: machineInfo()
  }, null, 1))
} finally {
  await close()
}
