/**
 * The testnet end to end: 5 node tabs + the dashboard, a real relay and real
 * WebRTC between tabs. State is read through the dev-only window.__litTest hook
 * and awaited by polling (never bare sleeps).
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { CHROMIUM_PERMISSIONS, freePort, runDir, startRelayProc, startWebProc, type Proc, type RelayProc } from './harness.js'
import type { PeerRuntimeSnapshot } from '../node-core/src/browser.js'

const NODES = Number(process.env.E2E_NODES ?? 5)

let relay: RelayProc
let relayPort: number
let relayFile: string
let web: Proc & { url: string }
let context: BrowserContext
let dashboard: Page
const nodes: Page[] = []

async function snap (page: Page): Promise<PeerRuntimeSnapshot> {
  const s = await page.evaluate(() => window.__litTest?.snapshot() ?? null)
  if (s == null) throw new Error('no snapshot yet')
  return s
}

async function openNode (slot: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${web.url}/node.html?node=${slot}`)
  await expect.poll(async () => (await snap(page).catch(() => null))?.peerId ?? null, { timeout: 30_000 }).not.toBeNull()
  return page
}

/** Peers this tab holds a direct (ICE-connected) WebRTC link to. */
async function directPeers (page: Page): Promise<string[]> {
  const s = await snap(page)
  return s.links.filter(l => l.kind === 'direct').map(l => l.peer).sort()
}

async function expectFullMesh (pages: Page[], timeout: number): Promise<void> {
  const ids = await Promise.all(pages.map(async p => (await snap(p)).peerId))
  await expect.poll(async () => {
    const missing: string[] = []
    for (let i = 0; i < pages.length; i++) {
      const have = new Set(await directPeers(pages[i]))
      for (const other of ids) if (other !== ids[i] && !have.has(other)) missing.push(`${ids[i].slice(-6)}→${other.slice(-6)}`)
    }
    return missing
  }, { timeout, intervals: [250] }).toEqual([])
}

test.describe.serial('testnet', () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(120_000)
    const dir = runDir(`e2e-${process.pid}`)
    relayFile = `${dir}/relay.json`
    relayPort = await freePort()
    relay = await startRelayProc(relayPort, relayFile)
    web = await startWebProc(await freePort(), relayFile, `${dir}/dist`)
    context = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
    // The dashboard first: it also warms the web server's module cache.
    dashboard = await context.newPage()
    await dashboard.goto(web.url + '/')
    await expect.poll(async () => (await snap(dashboard).catch(() => null))?.relay.state, { timeout: 60_000 }).toBe('connected')
  })

  test.afterAll(async () => {
    await context?.close()
    await web?.stop()
    await relay?.stop()
  })

  test(`${NODES} node tabs form a direct WebRTC full mesh within 30 s`, async () => {
    const started = Date.now()
    nodes.push(...await Promise.all(Array.from({ length: NODES }, async (_, i) => await openNode(`e2e-${i}`))))
    const ids = await Promise.all(nodes.map(async p => (await snap(p)).peerId))
    expect(new Set(ids).size).toBe(NODES)
    console.log(`${NODES} tabs started after ${Date.now() - started} ms`)
    await expect.poll(async () => (await Promise.all(nodes.map(async p => (await snap(p)).addrs.some(a => a.includes('/p2p-circuit/webrtc'))))).every(Boolean), { timeout: 30_000, intervals: [250] }).toBe(true)
    console.log(`all tabs have a relay reservation after ${Date.now() - started} ms`)
    await expect.poll(async () => (await Promise.all(nodes.map(async p => (await snap(p)).knownNodes.length))).every(n => n === NODES - 1), { timeout: 30_000, intervals: [250] }).toBe(true)
    console.log(`all tabs know all nodes after ${Date.now() - started} ms`)
    await expectFullMesh(nodes, 30_000 - (Date.now() - started))
    test.info().annotations.push({ type: 'time to full mesh (ms)', description: String(Date.now() - started) })
    console.log(`full mesh of ${NODES} tabs after ${Date.now() - started} ms`)
    for (const p of nodes) {
      const s = await snap(p)
      console.log(s.peerId.slice(-6), s.dialLog.map(d => `${d.peer.slice(-6)} +${d.startedAt - started} ${d.ms}ms ${d.ok ? 'ok' : d.error}`).join(' | '))
    }
  })

  test('the dashboard lists every node with direct links and RTTs', async () => {
    const ids = (await Promise.all(nodes.map(async p => (await snap(p)).peerId))).sort()
    await expect.poll(async () => {
      const s = await snap(dashboard)
      const listed = s.network.nodes.map(n => n.peerId).sort()
      const measured = s.network.edges.filter(e => e.kind === 'direct' && e.rttMs != null).length
      return { listed, measured }
    }, { timeout: 20_000 }).toEqual({ listed: ids, measured: (NODES * (NODES - 1)) / 2 })
    // The dashboard is a client: nodes do not count it as a node.
    const dash = (await snap(dashboard)).peerId
    for (const p of nodes) expect((await snap(p)).knownNodes).not.toContain(dash)
    await expect(dashboard.getByTestId('node-row')).toHaveCount(NODES)
    await expect(dashboard.getByTestId('full-mesh')).toBeVisible()
    await expect(dashboard.locator('line[data-kind="direct"]')).toHaveCount((NODES * (NODES - 1)) / 2)
    const rtts = await dashboard.locator('.link[data-kind="direct"]').evaluateAll(els => els.map(e => Number(e.getAttribute('data-rtt'))))
    expect(rtts.length).toBe(NODES * (NODES - 1))
    for (const r of rtts) expect(r).toBeGreaterThan(0)
    await dashboard.screenshot({ path: test.info().outputPath('dashboard.png') })
  })

  test('a reloaded node tab keeps its PeerId and rejoins the mesh', async () => {
    const page = nodes[2]
    const before = (await snap(page)).peerId
    await page.reload()
    await expect.poll(async () => (await snap(page).catch(() => null))?.peerId ?? null, { timeout: 30_000 }).toBe(before)
    await expectFullMesh(nodes, 45_000)
  })

  test('closing a node tab drops it from the dashboard within 10 s', async () => {
    const page = nodes.pop()!
    const gone = (await snap(page)).peerId
    const closedAt = Date.now()
    await page.close()
    await expect.poll(async () => (await snap(dashboard)).network.nodes.map(n => n.peerId), { timeout: 10_000, intervals: [200] })
      .not.toContain(gone)
    console.log(`closed tab left the dashboard after ${Date.now() - closedAt} ms`)
    await expect(dashboard.getByTestId('node-row')).toHaveCount(NODES - 1)
  })

  test('relay restart: pages report it, keep their direct links, and the mesh heals', async () => {
    await relay.stop()
    for (const page of [...nodes, dashboard]) {
      await expect.poll(async () => (await snap(page)).relay.state, { timeout: 20_000 }).toBe('unreachable')
    }
    await expect(nodes[0].getByTestId('relay-state')).toContainText('Relay unreachable')
    // Direct WebRTC links do not need the relay.
    await expectFullMesh(nodes, 5_000)

    relay = await startRelayProc(relayPort, relayFile)
    for (const page of [...nodes, dashboard]) {
      await expect.poll(async () => (await snap(page)).relay.state, { timeout: 30_000 }).toBe('connected')
    }
    // A newcomer after the restart joins the full mesh through the new relay.
    nodes.push(await openNode('e2e-late'))
    await expectFullMesh(nodes, 45_000)
    await expect.poll(async () => (await snap(dashboard)).network.nodes.length, { timeout: 20_000 }).toBe(NODES)
  })
})
