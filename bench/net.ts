/**
 * bench:net — prints ONE JSON object on stdout (progress on stderr):
 *  - time to full mesh for 5 and 10 node tabs (first tab opened → every tab holds
 *    an ICE-connected direct WebRTC link to every other tab);
 *  - request round trips between two tabs: 1,000 sequential 64-byte echo
 *    requests, each on a fresh stream of the direct connection (p50/p99/mean);
 *  - requests per second on that one connection with 16 requests in flight.
 * Run inside scripts/with-netns.sh (as root) to keep everything on loopback.
 *   tsx bench/net.ts [--sizes 5,10] [--requests 1000]
 */
import { cpus, networkInterfaces, platform, release, totalmem } from 'node:os'
import { chromium, type Browser, type Page } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PERMISSIONS, freePort, runDir, startRelayProc, startWebProc, type RelayProc } from '../e2e/harness.js'
import type { EchoBenchResult } from '../node-core/src/browser.js'

function arg (name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const sizes = (arg('sizes') ?? '5,10').split(',').map(Number)
const requests = Number(arg('requests') ?? 1000)
const PAYLOAD = 64
const CONCURRENCY = 16
const MESH_DEADLINE_MS = 180_000
const progress = (msg: string): void => { process.stderr.write(`bench:net: ${msg}\n`) }

async function directCount (page: Page): Promise<number> {
  return await page.evaluate(() => window.__litTest?.snapshot()?.links.filter(l => l.kind === 'direct').length ?? 0).catch(() => 0)
}

/** Open `n` tabs on a fresh relay; returns ms until the full mesh, and the tabs. */
async function meshRun (browser: Browser, webUrl: string, n: number, tag: string): Promise<{ ms: number | null, directLinks: number, pages: Page[], close: () => Promise<void> }> {
  const context = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  const started = Date.now()
  const pages = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const page = await context.newPage()
    await page.goto(`${webUrl}/node.html?node=${tag}-${i}`)
    return page
  }))
  let ms: number | null = null
  let directLinks = 0
  while (Date.now() - started < MESH_DEADLINE_MS) {
    const counts = await Promise.all(pages.map(directCount))
    directLinks = counts.reduce((a, b) => a + b, 0)
    if (counts.every(c => c >= n - 1)) { ms = Date.now() - started; break }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  if (ms == null) {
    for (const page of pages) {
      const s = await page.evaluate(() => window.__litTest?.snapshot() ?? null).catch(() => null)
      if (s == null) { progress('a tab has no snapshot'); continue }
      const direct = s.links.filter(l => l.kind === 'direct').length
      const failed = s.dialLog.slice(-8).map(d => `${d.peer.slice(-6)} ${d.ms}ms ${d.ok ? 'ok' : (d.error ?? '').slice(0, 40)}`)
      progress(`tab ${s.peerId.slice(-6)}: relay ${s.relay.state}, knows ${s.knownNodes.length}, direct ${direct}, relayed ${s.links.length - direct}; last failures: ${failed.join(' | ') || 'none'}`)
    }
  }
  return { ms, directLinks, pages, close: async () => { await context.close() } }
}

const dir = runDir(`bench-${process.pid}`)
const relayFile = `${dir}/relay.json`
const relayPort = await freePort()
let relay: RelayProc | undefined
const web = await startWebProc(await freePort(), relayFile, `${dir}/dist`)
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
try {
  const timeToFullMesh: Record<string, number | null> = {}
  const directLinksAtEnd: Record<string, string> = {}
  for (const n of sizes) {
    // A fresh relay per run, so no earlier tab's status or reservation lingers.
    relay = await startRelayProc(relayPort, relayFile)
    progress(`opening ${n} tabs…`)
    const run = await meshRun(browser, web.url, n, `bench${n}`)
    timeToFullMesh[String(n)] = run.ms
    directLinksAtEnd[String(n)] = `${run.directLinks}/${n * (n - 1)}`
    progress(`${n} tabs: full mesh ${run.ms == null ? 'NOT reached' : `after ${run.ms} ms`}`)
    await run.close()
    await relay.stop()
  }

  relay = await startRelayProc(relayPort, relayFile)
  progress('two tabs for request round trips…')
  const pair = await meshRun(browser, web.url, 2, 'benchpair')
  if (pair.ms == null) throw new Error('two tabs formed no direct link')
  const other = await pair.pages[1].evaluate(() => window.__litTest!.snapshot()!.peerId)
  // Warm-up (JIT, stream set-up paths), not counted.
  await pair.pages[0].evaluate(async ([peer]) => await window.__litTest!.echoBench(peer, { requests: 100, payloadBytes: 64, concurrency: 4 }), [other] as const)
  progress(`${requests} echo requests…`)
  const echo: EchoBenchResult = await pair.pages[0].evaluate(async ([peer, n, size, c]) =>
    await window.__litTest!.echoBench(peer, { requests: n, payloadBytes: size, concurrency: c }), [other, requests, PAYLOAD, CONCURRENCY] as const)
  await pair.close()

  const result = {
    bench: 'net',
    workload: {
      meshSizes: sizes,
      timeToFullMesh: 'null = not reached before meshDeadlineMs; first node tab opened (dashboard not open) → every tab holds an ICE-connected direct WebRTC link to every other; fresh relay per size; pages from a production build; Chromium headless, one browser, one tab per node',
      requests: `${requests} sequential echo requests of ${PAYLOAD} bytes between two tabs, each on a fresh stream of the direct WebRTC connection (stream open + request + full response), after 100 warm-up requests`,
      oneStream: `${requests} round trips of ${PAYLOAD} bytes ping-ponged on one open echo stream of the same connection (the link's own latency)`,
      throughput: `${requests} echo requests of ${PAYLOAD} bytes, ${CONCURRENCY} in flight, same connection`,
      network: Object.keys(networkInterfaces()).every(name => name === 'lo') ? 'loopback-only network namespace' : 'host network namespace'
    },
    results: {
      timeToFullMeshMs: timeToFullMesh,
      // Directed links (each tab's own count of ICE-connected links) when the full mesh was reached or at the deadline.
      directLinks: directLinksAtEnd,
      meshDeadlineMs: MESH_DEADLINE_MS,
      requestRoundTripMs: { p50: echo.p50Ms, p99: echo.p99Ms, mean: echo.meanMs },
      oneStreamRoundTripMs: { p50: echo.oneStream.p50Ms, p99: echo.oneStream.p99Ms },
      requestsPerSecondOneConnection: echo.requestsPerSecond
    },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
      os: `${platform()} ${release()}`,
      node: process.version,
      chromium: browser.version()
    },
    at: new Date().toISOString()
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n')
} finally {
  await browser.close().catch(() => {})
  await relay?.stop().catch(() => {})
  await web.stop().catch(() => {})
}
