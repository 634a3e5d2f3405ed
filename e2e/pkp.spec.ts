/**
 * PKPs end to end, driven through the dashboard UI (docs/node-runtime.md):
 * 5 node tabs + the dashboard on a real relay with real WebRTC. Genesis of the
 * network key, mint with visible DKG progress, signing checked by the test
 * itself (noble verify + viem recoverAddress), signing with n − (2t+1) tabs
 * closed, a reloaded tab signing with its stored share, encrypt/decrypt, and a
 * node that corrupts its shares named by the dashboard.
 * State is awaited by polling the page, never by bare sleeps.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import type { Proc } from './harness.js'
import {
  dumpNodes, startDashboardTestnet, type DashboardTestnet, encryptDecryptThroughUi, expectDashboardSees, expectValidSignature, mintThroughUi, openNode, peerIdOf, signThroughUi, snap,
  type PkpRow
} from './pkp-helpers.js'

const NODES = 5

let testnet: DashboardTestnet | undefined
let web: Proc & { url: string }
let context: BrowserContext
let dashboard: Page
/** Open node tabs by slot. */
const nodes = new Map<string, Page>()
const ids = new Map<string, string>()
let pkp: PkpRow

const slots = Array.from({ length: NODES }, (_, i) => `pkp-${i}`)
const openIds = (): string[] => [...nodes.keys()].map(s => ids.get(s)!)

test.describe.serial('PKPs through the dashboard', () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000)
    testnet = await startDashboardTestnet(browser, 'pkp', slots)
    web = testnet.web
    context = testnet.context
    dashboard = testnet.dashboard
    for (const [i, slot] of slots.entries()) {
      nodes.set(slot, testnet.pages[i])
      ids.set(slot, testnet.ids[i])
    }
  })

  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from a destructuring pattern, even an empty one
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus) await dumpNodes(nodes.values())
  })

  test.afterAll(async () => {
    await testnet?.stop()
  })

  test('genesis: the dashboard shows the network key, and key holders say so on their page', async () => {
    await expect(dashboard.getByTestId('network-public-key')).toBeVisible({ timeout: 60_000 })
    const members = Number(await dashboard.getByTestId('network-members').innerText())
    const threshold = Number(await dashboard.getByTestId('network-threshold').innerText())
    expect(members).toBeGreaterThanOrEqual(3)
    expect(members).toBeLessThanOrEqual(NODES)
    expect(threshold).toBe(Math.ceil((2 * members) / 3))
    const key = await dashboard.getByTestId('network-public-key').getAttribute('data-value')
    expect(key).toMatch(/^0x[0-9a-f]{96}$/)
    // Every node page shows the same key; members call themselves key holders.
    for (const page of nodes.values()) {
      await expect(page.getByTestId('node-network-key')).toHaveAttribute('data-value', key!, { timeout: 30_000 })
    }
    // Key holders are members, and enough of them to decrypt (a member whose DKG part failed holds no share).
    const holders: string[] = []
    for (const [slot, page] of nodes) {
      const badge = page.getByTestId('key-holder')
      if ((await badge.getAttribute('data-holder')) === 'true') holders.push(ids.get(slot)!)
      else await expect(badge).toContainText('not a key holder')
    }
    expect(holders.length).toBeGreaterThanOrEqual(threshold)
    const memberIds = await dashboard.getByTestId('network-key').getAttribute('data-members')
    for (const h of holders) expect(memberIds?.split(',')).toContain(h)
    // Every node tab runs its secp256k1 arithmetic in WebAssembly, not the BigInt fallback.
    const rows = dashboard.getByTestId('network-node')
    await expect(rows).toHaveCount(NODES, { timeout: 30_000 })
    for (const row of await rows.all()) await expect(row).toHaveAttribute('data-curve-arithmetic', 'wasm', { timeout: 30_000 })
  })

  test('mint through the dashboard, with progress through the DKG phases', async () => {
    const minted = await mintThroughUi(dashboard)
    pkp = minted.pkp
    console.log(`mint took ${minted.ms} ms; phases shown: ${minted.phases.join(' → ')}`)
    expect(minted.phases.at(-1)).toBe('done')
    expect(minted.phases.some(p => p.startsWith('dkg-'))).toBe(true)
    expect(pkp.committee).toBe(NODES)
    expect(pkp.threshold).toBe(3) // 2t+1 with t = defaultEcdsaDegree(5) = 1
    expect(pkp.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    // Every committee member lists the PKP on its own page.
    for (const page of nodes.values()) {
      await expect(page.locator(`[data-testid="node-pkp"][data-token-id="${pkp.tokenId}"]`)).toBeVisible({ timeout: 20_000 })
    }
  })

  test('sign a message; the test checks the signature with noble and viem recoverAddress', async () => {
    const sig = await signThroughUi(dashboard, 'hello from the e2e suite')
    await expectValidSignature(sig, pkp)
    // Honest nodes: none is blamed for a bad share (a slow one may be named as not having answered in time).
    expect(sig.faults.filter(f => f.code === 'ERR_BAD_SHARE')).toEqual([])
    expect(sig.signers.length).toBeGreaterThanOrEqual(pkp.threshold)
    for (const s of sig.signers) expect(openIds()).toContain(s)
    // The latency plot got a point.
    await expect(dashboard.getByTestId('latency-point')).not.toHaveCount(0)
  })

  test('encrypt and decrypt a text: caller is my address, and anyone', async () => {
    expect(await encryptDecryptThroughUi(dashboard, 'only for me', 'me')).toBe('only for me')
    expect(await encryptDecryptThroughUi(dashboard, 'for everyone', 'anyone')).toBe('for everyone')
  })

  test('sign again with n − (2t+1) node tabs closed', async () => {
    const closing = slots.slice(pkp.threshold) // n − (2t+1) of them
    expect(closing.length).toBe(NODES - pkp.threshold)
    for (const slot of closing) {
      await nodes.get(slot)!.close()
      nodes.delete(slot)
    }
    await expectDashboardSees(dashboard, openIds(), 30_000)
    const sig = await signThroughUi(dashboard, 'signed by the threshold alone')
    await expectValidSignature(sig, pkp)
    expect([...sig.signers].sort()).toEqual([...openIds()].sort())
  })

  test('a reloaded node tab signs again with its stored share', async () => {
    // Only 2t+1 tabs are open, so every one of them must sign, the reloaded one included.
    const slot = slots[0]
    const page = nodes.get(slot)!
    await page.reload()
    await expect.poll(async () => (await snap(page).catch(() => null))?.peerId ?? null, { timeout: 30_000 }).toBe(ids.get(slot))
    await expect(page.locator(`[data-testid="node-pkp"][data-token-id="${pkp.tokenId}"]`)).toBeVisible({ timeout: 30_000 })
    await expectDashboardSees(dashboard, openIds(), 45_000)
    const sig = await signThroughUi(dashboard, 'after a reload')
    await expectValidSignature(sig, pkp)
    expect(sig.signers).toContain(ids.get(slot))
  })

  test('a node that corrupts its shares: the signature is still made and the dashboard names that node', async () => {
    // The closed tabs come back on their slots (same identity, same stored shares), one of them corrupting its shares.
    const [honest, corrupt] = slots.slice(pkp.threshold)
    nodes.set(honest, await openNode(context, web.url, honest))
    nodes.set(corrupt, await openNode(context, web.url, corrupt, 'fault=corrupt-shares'))
    expect(await peerIdOf(nodes.get(corrupt)!)).toBe(ids.get(corrupt))
    await expect(nodes.get(corrupt)!.getByTestId('node-faults')).toContainText('corrupt-shares')
    await expectDashboardSees(dashboard, openIds(), 60_000)
    // A fresh PKP minted with all five online. Each presignature is made by exactly 2t+1 = 3 members
    // (the allocator and two at random), so the corrupt node is asked in about 3 of 5 signatures. When it
    // is, its bad share is named and the client signs again with a presignature without it (the answer
    // keeps the fault); it is also named when its share arrives after the combination (lateFaults). Sign
    // until it was named (at most 10 times: missing it 10 times in a row has odds of 0.4^10);
    // every signature is valid and no honest node is ever blamed.
    const { pkp: second } = await mintThroughUi(dashboard)
    expect(second.committee).toBe(NODES)
    const corruptId = ids.get(corrupt)!
    let caught = false
    for (let attempt = 1; attempt <= 10 && !caught; attempt++) {
      const sig = await signThroughUi(dashboard, `one share is bad (${attempt})`)
      await expectValidSignature(sig, second)
      console.log(`attempt ${attempt}: faults ${JSON.stringify(sig.faults.map(f => ({ node: f.node.slice(-6), code: f.code })))}`)
      expect(sig.signers).not.toContain(corruptId)
      // Only the corrupt node is ever blamed for a bad share.
      expect(sig.faults.filter(f => f.code === 'ERR_BAD_SHARE').map(f => f.node).filter(n => n !== corruptId)).toEqual([])
      caught = sig.faults.some(f => f.node === corruptId && f.code === 'ERR_BAD_SHARE')
    }
    expect(caught).toBe(true)
    await expect(dashboard.locator(`[data-testid="sign-result"] [data-testid="fault"][data-node="${corruptId}"][data-code="ERR_BAD_SHARE"]`)).toBeVisible()
    await dashboard.screenshot({ path: test.info().outputPath('dashboard-pkp.png'), fullPage: true })
  })
})
