/**
 * Helpers of the PKP suite (e2e/pkp.spec.ts): open node tabs, read the pages'
 * test hooks, drive the dashboard's panels, and check a signature the way a
 * user of it would (noble verify + viem recoverAddress), independently of the page.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'
import { hashMessage, hexToBytes, isAddressEqual, recoverAddress, type Hex } from 'viem'
import type { PeerRuntimeSnapshot } from '../node-core/src/browser.js'
import { CHROMIUM_PERMISSIONS, freePort, runDir, startRelayProc, startWebProc, type Proc, type RelayProc } from './harness.js'

export async function snap (page: Page): Promise<PeerRuntimeSnapshot> {
  const s = await page.evaluate(() => window.__litTest?.snapshot() ?? null)
  if (s == null) throw new Error('no snapshot yet')
  return s
}

export async function peerIdOf (page: Page): Promise<string> {
  return (await snap(page)).peerId
}

/** Open a node tab on `slot` (same slot = same identity and store); `query` adds e.g. fault=corrupt-shares. */
export async function openNode (context: BrowserContext, webUrl: string, slot: string, query = ''): Promise<Page> {
  const page = await context.newPage()
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') console.log(`[${slot}] ${msg.text()}`) })
  await page.goto(`${webUrl}/node.html?node=${slot}${query === '' ? '' : `&${query}`}`)
  await expect.poll(async () => (await snap(page).catch(() => null))?.peerId ?? null, { timeout: 30_000 }).not.toBeNull()
  return page
}

/** The dashboard sees exactly `ids` as its nodes, all pairwise direct. */
export async function expectDashboardSees (dashboard: Page, ids: string[], timeout = 60_000): Promise<void> {
  const want = [...ids].sort()
  await expect.poll(async () => {
    const s = await snap(dashboard)
    const listed = s.network.nodes.map(n => n.peerId).sort()
    return { listed, fullMesh: s.network.fullMesh }
  }, { timeout, intervals: [250] }).toEqual({ listed: want, fullMesh: true })
}

export interface PkpRow { tokenId: string, address: Hex, publicKey: Hex, threshold: number, committee: number }

export async function pkpRows (dashboard: Page): Promise<PkpRow[]> {
  return await dashboard.getByTestId('pkp-row').evaluateAll(rows => rows.map(r => {
    const [threshold, committee] = (r.querySelector('[data-testid="pkp-threshold"]')?.textContent ?? '').split(' of ').map(Number)
    return {
      tokenId: r.getAttribute('data-token-id') ?? '',
      address: r.getAttribute('data-address') as `0x${string}`,
      publicKey: r.getAttribute('data-public-key') as `0x${string}`,
      threshold,
      committee
    }
  }))
}

/** Press Mint and wait for the result; returns the new PKP's row and the phases the progress display went through. */
export async function mintThroughUi (dashboard: Page): Promise<{ pkp: PkpRow, phases: string[], ms: number }> {
  const before = new Set((await pkpRows(dashboard)).map(r => r.tokenId))
  // Record every phase the progress display shows (it may pass quickly).
  await dashboard.evaluate(() => {
    const seen: string[] = []
    ;(window as any).__mintPhases = seen
    const note = (): void => {
      const phase = document.querySelector('[data-testid="mint-progress"]')?.getAttribute('data-phase')
      if (phase != null && seen[seen.length - 1] !== phase) seen.push(phase)
    }
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] })
  })
  await dashboard.getByTestId('mint-button').click()
  const result = dashboard.getByTestId('mint-result')
  await expect(result.or(dashboard.getByTestId('mint-error'))).toBeVisible({ timeout: 90_000 })
  if (await dashboard.getByTestId('mint-error').count() > 0) throw new Error(`mint failed in the page: ${await dashboard.getByTestId('mint-error').innerText()}`)
  const tokenId = (await result.getAttribute('data-token-id')) ?? ''
  expect(before.has(tokenId)).toBe(false)
  await expect.poll(async () => (await pkpRows(dashboard)).some(r => r.tokenId === tokenId), { timeout: 20_000 }).toBe(true)
  const pkp = (await pkpRows(dashboard)).find(r => r.tokenId === tokenId)!
  const phases = await dashboard.evaluate(() => (window as any).__mintPhases as string[])
  return { pkp, phases, ms: Number(await result.getAttribute('data-ms')) }
}

export interface UiFault { node: string, code: string }
export interface UiSignature { message: string, signature: Hex, recovered: string, signers: string[], faults: UiFault[], ok: boolean }

/** Type a message, press Sign, and wait for this signing's result or error (matched by its sequence number). */
export async function pressSign (dashboard: Page, message: string): Promise<{ result: Locator, error: Locator }> {
  const last = dashboard.locator('[data-testid="sign-result"], [data-testid="sign-error"]')
  const seq = Number((await last.count()) > 0 ? await last.first().getAttribute('data-seq') : 0) + 1
  await dashboard.getByTestId('sign-input').fill(message)
  await dashboard.getByTestId('sign-button').click()
  const result = dashboard.locator(`[data-testid="sign-result"][data-seq="${seq}"]`)
  const error = dashboard.locator(`[data-testid="sign-error"][data-seq="${seq}"]`)
  await expect(result.or(error)).toBeVisible({ timeout: 60_000 })
  return { result, error }
}

/** Type a message, press Sign, and read what the page shows. */
export async function signThroughUi (dashboard: Page, message: string): Promise<UiSignature> {
  const { result, error } = await pressSign(dashboard, message)
  if (await error.count() > 0) throw new Error(`signing failed in the page: ${await error.innerText()}`)
  // Shares that arrive after the combination are checked too: wait until every asked node was heard (or timed out).
  await expect(result).toHaveAttribute('data-audited', 'true', { timeout: 60_000 })
  return {
    message: await result.getByTestId('sig-message').innerText(),
    signature: (await result.getByTestId('sig-signature').innerText()) as Hex,
    recovered: await result.getByTestId('sig-recovered').innerText(),
    signers: ((await result.getByTestId('sig-signers').getAttribute('data-signers')) ?? '').split(',').filter(s => s !== ''),
    faults: await faultNodes(result),
    ok: (await result.getAttribute('data-ok')) === 'true'
  }
}

/** The nodes a result names as faulty, with the kind of fault (ERR_BAD_SHARE, ERR_NO_ANSWER, …). */
export async function faultNodes (scope: Locator): Promise<UiFault[]> {
  return await scope.getByTestId('fault').evaluateAll(els => els.map(e => ({ node: e.getAttribute('data-node') ?? '', code: e.getAttribute('data-code') ?? '' })))
}

/** The test's own check of a page's signature: noble verify against the PKP key, viem recoverAddress to its address. */
export async function expectValidSignature (sig: UiSignature, pkp: PkpRow): Promise<void> {
  const hash = hashMessage(sig.message)
  const bytes = hexToBytes(sig.signature)
  expect(bytes.length).toBe(65)
  expect(secp256k1.verify(bytes.slice(0, 64), hexToBytes(hash), hexToBytes(pkp.publicKey), { prehash: false })).toBe(true)
  const recovered = await recoverAddress({ hash, signature: sig.signature })
  expect(isAddressEqual(recovered, pkp.address)).toBe(true)
  // And the page's own check agrees.
  expect(isAddressEqual(sig.recovered as Hex, pkp.address)).toBe(true)
  expect(sig.ok).toBe(true)
}

/** Encrypt a text under a condition and decrypt it again, through the panel. */
export async function encryptDecryptThroughUi (dashboard: Page, text: string, who: 'me' | 'anyone'): Promise<string> {
  const sealedBefore = dashboard.getByTestId('ciphertext')
  const prev = (await sealedBefore.count()) > 0 ? Number(await sealedBefore.getAttribute('data-seq')) : 0
  await dashboard.getByTestId('encrypt-input').fill(text)
  await dashboard.getByTestId(who === 'me' ? 'cond-me' : 'cond-anyone').check()
  const t0 = Date.now()
  await dashboard.getByTestId('encrypt-button').click()
  const sealed = dashboard.getByTestId('ciphertext')
  await expect(sealed).toHaveAttribute('data-seq', String(prev + 1))
  await expect(sealed).toHaveAttribute('data-who', who)
  const encryptedAfter = Date.now() - t0
  await dashboard.getByTestId('decrypt-button').click()
  const out = dashboard.getByTestId('decrypted-text')
  await expect(out.or(dashboard.getByTestId('decrypt-error'))).toBeVisible({ timeout: 60_000 })
  if (await dashboard.getByTestId('decrypt-error').count() > 0) throw new Error(`decrypt failed in the page: ${await dashboard.getByTestId('decrypt-error').innerText()}`)
  const shown = await dashboard.getByTestId('decrypt-result').innerText()
  console.log(`encrypt + decrypt (${who}) through the UI: ${Date.now() - t0} ms (ciphertext shown after ${encryptedAfter} ms; page says: ${shown.replace(/\s+/g, ' ')})`)
  return await out.innerText()
}

/** For a failed test's log: what each node tab's services say about themselves. */
export async function dumpNodes (pages: Iterable<Page>): Promise<void> {
  for (const page of pages) {
    const s = await page.evaluate(() => window.__litTest?.node?.() ?? null).catch(() => null)
    if (s == null) { console.log('a node tab has no node snapshot'); continue }
    const ops = s.operations.slice(0, 8).map(o => `${o.kind}:${o.phase}${o.detail != null ? ` (${o.detail})` : ''}`).join(' | ')
    console.log(`node ${s.nodeId.slice(-6)}: ${s.lifecycle}, genesis ${s.genesis}, keyHolder ${s.keyHolder}, online ${s.onlineNodes.length}, pkps ${s.pkps.map(p => `${p.tokenId.slice(0, 8)} pool ${p.pool}`).join(',') || 'none'}${s.error != null ? `, error ${s.error}` : ''}; ops: ${ops}`)
  }
}

/** A relay, a web server, the dashboard and node tabs on `slots`, with every node seen by the dashboard. */
export interface DashboardTestnet {
  relay: RelayProc
  web: Proc & { url: string }
  context: BrowserContext
  dashboard: Page
  /** Node pages and their PeerIds, in the order of `slots`. */
  pages: Page[]
  ids: string[]
  stop: () => Promise<void>
}

/** What the PKP and registry suites start before their tests (name: a label for the run directory). */
export async function startDashboardTestnet (browser: Browser, name: string, slots: readonly string[], nodeQuery = ''): Promise<DashboardTestnet> {
  const dir = runDir(`e2e-${name}-${process.pid}`)
  const relayFile = `${dir}/relay.json`
  const relay = await startRelayProc(await freePort(), relayFile)
  const web = await startWebProc(await freePort(), relayFile, `${dir}/dist`)
  const context = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  const stop = async (): Promise<void> => {
    await context.close()
    await web.stop()
    await relay.stop()
  }
  const dashboard = await context.newPage()
  dashboard.on('console', (msg) => { if (msg.type() === 'error') console.log(`[dashboard] ${msg.text()}`) })
  await dashboard.goto(web.url + '/')
  await expect.poll(async () => (await snap(dashboard).catch(() => null))?.relay.state, { timeout: 60_000 }).toBe('connected')
  const pages = await Promise.all(slots.map(async slot => await openNode(context, web.url, slot, nodeQuery)))
  const ids = await Promise.all(pages.map(async page => await peerIdOf(page)))
  await expectDashboardSees(dashboard, ids, 90_000)
  return { relay, web, context, dashboard, pages, ids, stop }
}
