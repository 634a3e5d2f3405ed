/**
 * Lit Actions end to end (docs/actions.md §9.1): 5 node tabs + the dashboard on
 * a real relay with real WebRTC, code in each tab's Helia (IndexedDB) fetched
 * over bitswap, runs in each tab's QuickJS sandbox Worker. The test checks
 * signatures itself (viem recoverAddress), serves the one HTTP endpoint an
 * action fetches (127.0.0.1, CORS), and gives the tabs a 3 s wall-time limit
 * (?actionWallMs) so the infinite loops end quickly.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { expect, test, type Page } from '@playwright/test'
import { hashMessage, isAddressEqual, recoverAddress, type Hex } from 'viem'
import { actionCid } from '../node-core/src/actions/cid.js'
import type { ActionRunSummary } from '../app/src/client-bench.js'
import { dumpNodes, mintThroughUi, startDashboardTestnet, type DashboardTestnet, type PkpRow } from './pkp-helpers.js'
import { createAccountThroughUi, useAccount } from './registry-helpers.js'

const NODES = 5
const WALL_MS = 3_000
let testnet: DashboardTestnet | undefined
let dashboard: Page
let server: Server
let origin: string
let pkp: PkpRow
let price = 100

const slots = Array.from({ length: NODES }, (_, i) => `actions-${i}`)

const SIGN_CODE = `// e2e: sign jsParams.toSign
await Lit.Actions.signEcdsa({ toSign, publicKey, sigName })
Lit.Actions.setResponse({ response: JSON.stringify({ signed: sigName }) })
console.log('signed', sigName)
`

async function hookRun (req: { ipfsId?: string, code?: string, jsParams?: Record<string, unknown> }, address?: string): Promise<ActionRunSummary> {
  return await dashboard.evaluate(async ([r, a]) => await window.__litTest!.client!.executeJs(r, a), [req, address] as const)
}

async function runThroughUi (): Promise<{ result: ReturnType<Page['getByTestId']>, error: ReturnType<Page['getByTestId']> }> {
  const last = dashboard.locator('[data-testid="action-result"], [data-testid="action-error"]')
  const seq = Number((await last.count()) > 0 ? await last.first().getAttribute('data-seq') : 0) + 1
  await dashboard.getByTestId('action-run').click()
  const result = dashboard.locator(`[data-testid="action-result"][data-seq="${seq}"]`)
  const error = dashboard.locator(`[data-testid="action-error"][data-seq="${seq}"]`)
  await expect(result.or(error)).toBeVisible({ timeout: 60_000 })
  return { result: result as never, error: error as never }
}

test.describe.serial('Lit Actions through the dashboard', () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000)
    server = createServer((req, res) => {
      res.setHeader('access-control-allow-origin', '*')
      if (req.url === '/price') {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ price }))
      } else {
        res.statusCode = 404
        res.end()
      }
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    testnet = await startDashboardTestnet(browser, 'actions', slots, `actionFetch=${encodeURIComponent(origin)}&actionWallMs=${WALL_MS}`)
    dashboard = testnet.dashboard
  })

  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from a destructuring pattern, even an empty one
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus && testnet !== undefined) await dumpNodes(testnet.pages)
  })

  test.afterAll(async () => {
    await testnet?.stop()
    await new Promise<void>((resolve) => { server?.close(() => { resolve() }) })
  })

  test('upload an action (CID shown is the IPFS hash of the code), run it as the owner: the signature recovers to the PKP', async () => {
    await createAccountThroughUi(dashboard, 'A')
    await useAccount(dashboard, 'A')
    pkp = (await mintThroughUi(dashboard)).pkp
    await dashboard.getByTestId('action-code').fill(SIGN_CODE)
    await dashboard.getByTestId('action-upload').click()
    const cid = (await actionCid(SIGN_CODE)).ipfsId
    await expect(dashboard.getByTestId('action-cid')).toHaveText(cid)
    const toSign = hashMessage('signed by an action')
    const bytes = Array.from(Buffer.from(toSign.slice(2), 'hex'))
    await dashboard.getByTestId('action-params').fill(JSON.stringify({ toSign: bytes, sigName: 'sig1' }))
    const { result, error } = await runThroughUi()
    await expect(error).toHaveCount(0)
    await expect(result.getByTestId('action-response')).toHaveText('{"signed":"sig1"}')
    // The client answers once a majority agrees and the binding's signers have answered; later nodes are reported in `late`.
    expect(await result.getByTestId('action-node').count()).toBeGreaterThanOrEqual(Math.floor(NODES / 2) + 1)
    const sig = result.getByTestId('action-signature')
    await expect(sig).toHaveAttribute('data-ok', 'true')
    expect(await sig.getAttribute('data-hash')).toBe(toSign)
    const recovered = await recoverAddress({ hash: toSign, signature: (await sig.getAttribute('data-signature')) as Hex })
    expect(isAddressEqual(recovered, pkp.address)).toBe(true)
  })

  test('another account is refused while the CID is not permitted, and signs once the owner permits it', async () => {
    await createAccountThroughUi(dashboard, 'B')
    await useAccount(dashboard, 'B')
    const refused = await runThroughUi()
    await expect(refused.error).toHaveAttribute('data-code', 'ERR_UNAUTHORIZED')
    await expect(refused.error).toContainText('sig1')
    await useAccount(dashboard, 'A')
    await dashboard.getByTestId('action-grant').click()
    await expect(dashboard.getByTestId('action-grant-status')).toHaveText('granted (sign-anything)', { timeout: 30_000 })
    await useAccount(dashboard, 'B')
    const { result, error } = await runThroughUi()
    await expect(error).toHaveCount(0)
    await expect(result.getByTestId('action-signature')).toHaveAttribute('data-ok', 'true')
  })

  test('infinite loops are stopped on every node within the limit + 1 s, and the nodes keep serving', async () => {
    for (const code of ['while (true) {}', 'for (;;) await null', 'const ping = () => setTimeout(ping, 0); ping()']) {
      const res = await hookRun({ code })
      expect(res.ok).toBe(false)
      if (res.ok) continue
      expect(res.error).toMatchObject({ name: 'ActionLimitError', limit: 'wallTime' })
      expect(res.nodes.length).toBeGreaterThanOrEqual(3)
      for (const n of res.nodes) {
        expect(n.outcome).toBe('ERR_ACTION_LIMIT/wallTime')
        expect(n.runMs).toBeLessThanOrEqual(WALL_MS + 1_000)
      }
    }
    const after = await hookRun({ code: SIGN_CODE, jsParams: { toSign: Array(32).fill(7), publicKey: pkp.publicKey, sigName: 'after' } }, pkp.address)
    expect(after.ok && after.signatures.after).toBe(true)
  })

  test('an action gets nothing of the node: no IndexedDB, localStorage, caches, page, network but the host fetch', async () => {
    const probe = `
      const out = {}
      const names = ['indexedDB', 'localStorage', 'sessionStorage', 'caches', 'document', 'window', 'parent', 'top', 'self',
        'postMessage', 'importScripts', 'XMLHttpRequest', 'WebSocket', 'Worker', 'navigator', 'location', 'globalThis.__host']
      for (const n of names) { try { out[n] = typeof eval(n) } catch (e) { out[n] = 'threw' } }
      try { await fetch('http://127.0.0.1:1/'); out.fetchOther = 'allowed' } catch (e) { out.fetchOther = e.name }
      Lit.Actions.setResponse({ response: JSON.stringify(out) })`
    const res = await hookRun({ code: probe })
    expect(res.ok).toBe(true)
    if (!res.ok) return
    const seen = JSON.parse(res.response ?? '{}') as Record<string, string>
    for (const [name, kind] of Object.entries(seen)) {
      if (name === 'fetchOther') expect(kind).toBe('FetchNotAllowedError')
      else expect([name, kind]).toEqual([name, expect.stringMatching(/^(undefined|threw)$/)])
    }
    // Node state is intact: a signature with the same PKP still works.
    const after = await hookRun({ code: SIGN_CODE, jsParams: { toSign: Array(32).fill(8), publicKey: pkp.publicKey, sigName: 'still' } }, pkp.address)
    expect(after.ok && after.signatures.still).toBe(true)
  })

  test('a node that never saw the CID fetches it from a peer (bitswap) and keeps it', async () => {
    const code = `Lit.Actions.setResponse({ response: 'fetched ' + ${Date.now()} })`
    const up = await dashboard.evaluate(async ([c, to]) => await window.__litTest!.client!.uploadAction(c, [to]), [code, testnet!.ids[0]] as const)
    expect(up.storedOn).toEqual([testnet!.ids[0]])
    const res = await hookRun({ ipfsId: up.ipfsId })
    expect(res.ok).toBe(true)
    if (!res.ok) return
    const sources = Object.fromEntries(res.nodes.map((n) => [n.nodeId, n.codeSource]))
    expect(sources[testnet!.ids[0]]).toBe('cache')
    const others = testnet!.ids.slice(1).filter((id) => sources[id] !== undefined)
    expect(others.length).toBeGreaterThanOrEqual(2)
    for (const id of others) expect(sources[id]).toBe('peer')
    // Kept: the next run finds it in the node's own store. (Only the nodes whose first run had answered:
    // the client stops waiting at a majority, so another node may still be fetching it when the second comes.)
    const again = await hookRun({ ipfsId: up.ipfsId })
    expect(again.ok).toBe(true)
    if (!again.ok) return
    const ranBefore = again.nodes.filter((n) => sources[n.nodeId] !== undefined)
    expect(ranBefore.length).toBeGreaterThanOrEqual(1) // two majorities of the runners meet
    for (const n of ranBefore) expect(n.codeSource).toBe('cache')
  })

  test('example price-condition: signs only while the price served by the test is below the maximum', async () => {
    await useAccount(dashboard, 'A') // the owner: this code's CID is not permitted on the PKP
    const code = await readFile(new URL('../examples/actions/price-condition.js', import.meta.url), 'utf8')
    const toSign = Array(32).fill(9)
    price = 100
    const yes = await hookRun({ code, jsParams: { priceUrl: `${origin}/price`, maxPrice: 150, toSign, publicKey: pkp.publicKey, sigName: 'buy' } }, pkp.address)
    expect(yes.ok ? 'ok' : yes.error).toBe('ok')
    if (!yes.ok) return
    expect(JSON.parse(yes.response!)).toEqual({ signed: true, price: 100 })
    expect(yes.signatures.buy).toBe(true)
    price = 200
    const no = await hookRun({ code, jsParams: { priceUrl: `${origin}/price`, maxPrice: 150, toSign, publicKey: pkp.publicKey, sigName: 'buy' } }, pkp.address)
    expect(no.ok).toBe(true)
    if (!no.ok) return
    expect(JSON.parse(no.response!)).toMatchObject({ signed: false, price: 200 })
    expect(no.signatures).toEqual({})
  })

  test('a secret only a run of one action may decrypt: encrypted through the UI, decrypted inside that action, refused to a plain decrypt', async () => {
    const code = `const key = await Lit.Actions.decryptAndCombine({ accessControlConditions, ciphertext, dataToEncryptHash })
Lit.Actions.setResponse({ response: 'the key ends in ' + key.slice(-4) })`
    await dashboard.getByTestId('action-code').fill(code)
    await dashboard.getByTestId('action-upload').click()
    const cid = (await actionCid(code)).ipfsId
    await expect(dashboard.getByTestId('action-cid')).toHaveText(cid)
    await dashboard.getByTestId('encrypt-input').fill('sk-live-4242')
    await dashboard.getByTestId('cond-action').check()
    await dashboard.getByTestId('cond-action-cid').fill(cid)
    await dashboard.getByTestId('encrypt-button').click()
    const params = await dashboard.getByTestId('action-decrypt-params').inputValue()
    expect(JSON.parse(params).accessControlConditions[0].returnValueTest.value).toBe(cid)
    await dashboard.getByTestId('action-params').fill(params)
    const { result, error } = await runThroughUi()
    await expect(error).toHaveCount(0)
    await expect(result.getByTestId('action-response')).toHaveText('the key ends in 4242')
    // The key holders refuse the same data to a plain decrypt, whoever asks.
    await dashboard.getByTestId('decrypt-button').click()
    await expect(dashboard.getByTestId('decrypt-error')).toContainText('only a run of the Lit Action')
  })
})
