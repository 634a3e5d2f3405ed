/**
 * Helpers of the benches that drive real tabs through the dashboard's test hook
 * (window.__litTest): waiting for the network, and the echo round trip that is
 * every such bench's floor. Not in index.ts: the crypto bench runs without a browser.
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS, freePort, runDir, startRelayProc, startWebProc } from '../../e2e/harness.js'
import type { EchoBenchResult } from '../../node-core/src/browser.js'
import { progress } from './output.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The dashboard page has started its peer and its client SDK (the test hook is installed). */
export async function dashboardHookReady (page: Page): Promise<boolean> {
  return await page.evaluate(() => window.__litTest?.client != null && window.__litTest.snapshot() != null).catch(() => false)
}

/**
 * Open `n` node tabs (`node.html?node=<slotPrefix>-i&<query>`) and the dashboard in `context`, then
 * wait until the dashboard's hook is up and the network is ready; `readyMs` counts from the first tab.
 */
export async function openBenchTestnet (
  context: BrowserContext, webUrl: string, opts: { n: number, slotPrefix: string, query: string, deadlineMs: number }
): Promise<{ nodes: Page[], dashboard: Page, readyMs: number, openedMs: number }> {
  const t0 = Date.now()
  const nodes = await Promise.all(Array.from({ length: opts.n }, async (_, i) => {
    const page = await context.newPage()
    await page.goto(`${webUrl}/node.html?node=${opts.slotPrefix}-${i}&${opts.query}`)
    return page
  }))
  const dashboard = await context.newPage()
  await dashboard.goto(`${webUrl}/`)
  while (!(await dashboardHookReady(dashboard))) await sleep(200)
  const readyMs = await waitNetworkReady(dashboard, opts.n, opts.deadlineMs)
  return { nodes, dashboard, readyMs, openedMs: Date.now() - t0 }
}

/** Wait until the dashboard sees all n nodes in a full mesh and the network key exists; returns the ms it took. */
export async function waitNetworkReady (dashboard: Page, n: number, deadlineMs: number): Promise<number> {
  const t0 = Date.now()
  let last = ''
  while (Date.now() - t0 < deadlineMs) {
    const state = await dashboard.evaluate(async () => {
      const s = window.__litTest?.snapshot()
      const info = await window.__litTest?.client?.networkInfo().catch(() => null)
      return { nodes: s?.network.nodes.length ?? 0, fullMesh: s?.network.fullMesh ?? false, members: info?.networkKey?.members.length ?? 0, genesis: info?.genesis ?? '?' }
    }).catch(() => ({ nodes: 0, fullMesh: false, members: 0, genesis: '?' }))
    const line = JSON.stringify(state)
    if (line !== last) { progress(`waiting: ${line}`); last = line }
    if (state.nodes === n && state.fullMesh && state.members > 0) return Date.now() - t0
    await sleep(250)
  }
  throw new Error(`network of ${n} not ready after ${deadlineMs} ms: ${last}`)
}

/** Echo requests of 64 bytes from the page `from` to the peer `to`, after 100 unmeasured ones. */
export async function echoFloor (from: Page, to: string, requests: number, concurrency: number): Promise<EchoBenchResult> {
  await from.evaluate(async ([peer]) => await window.__litTest!.echoBench(peer, { requests: 100, payloadBytes: 64, concurrency: 4 }), [to] as const)
  return await from.evaluate(async ([peer, n, c]) => await window.__litTest!.echoBench(peer, { requests: n, payloadBytes: 64, concurrency: c }), [to, requests, concurrency] as const)
}

/** The PKP's unused presignatures over all allocators, as the dashboard's client sees them. */
/** Presignatures ready for the dashboard's client: the nodes' unleased pools and what it holds leased. */
export async function poolOf (dashboard: Page, tokenId: string): Promise<number> {
  const pkps = await dashboard.evaluate(async () => await window.__litTest!.client!.listPkps())
  const pkp = pkps.find(p => p.tokenId === tokenId)
  return pkp === undefined ? 0 : pkp.pool + pkp.leased
}

/**
 * Wait until the PKP's pool level is at least `atLeast` and has then not changed for
 * `quietMs` (refilled, and background presigning has stopped), or `deadlineMs` passed;
 * returns the level. Stability alone is not enough where a presign run takes longer than
 * `quietMs` (10 tabs: 3 s p50, 7 s p90): the level then stands still while runs are in flight.
 */
export async function poolRefilled (dashboard: Page, tokenId: string, atLeast: number, quietMs: number, deadlineMs: number): Promise<number> {
  const t0 = Date.now()
  let level = -1
  let since = t0
  for (;;) {
    const now = await poolOf(dashboard, tokenId)
    if (now !== level) { level = now; since = Date.now() } else if (level >= atLeast && Date.now() - since >= quietMs) return level
    if (Date.now() - t0 > deadlineMs) return level
    await sleep(250)
  }
}

/**
 * Wait until the PKP's pool level has not changed for `quietMs` (background presigning
 * has stopped: it is full) or `deadlineMs` passed; returns the level.
 */
export async function poolSettled (dashboard: Page, tokenId: string, quietMs: number, deadlineMs: number): Promise<number> {
  return await poolRefilled(dashboard, tokenId, 1, quietMs, deadlineMs)
}

/**
 * A fresh run directory, relay, web server (production build with the test hook) and
 * headless Chromium, for the diagnostics that keep one relay for the whole run;
 * `close()` stops them all.
 */
export async function startBenchStack (name: string): Promise<{ web: Awaited<ReturnType<typeof startWebProc>>, browser: Browser, close: () => Promise<void> }> {
  const dir = runDir(`${name}-${process.pid}`)
  const relayFile = `${dir}/relay.json`
  const relay = await startRelayProc(await freePort(), relayFile)
  const web = await startWebProc(await freePort(), relayFile, `${dir}/dist`)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const close = async (): Promise<void> => {
    await browser.close().catch(() => {})
    await relay.stop().catch(() => {})
    await web.stop().catch(() => {})
  }
  return { web, browser, close }
}
