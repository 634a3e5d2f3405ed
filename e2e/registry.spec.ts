/**
 * The PKP registry end to end through the dashboard UI (docs/registry.md):
 * 5 node tabs + the dashboard on a real relay with real WebRTC. Three wallet
 * accounts A, B, C; mint as A; grant B; B signs (the test checks the signature
 * itself with noble and viem recoverAddress); revoke B; B is refused (the page
 * shows the Unauthorized error) and cannot change the registry either; a Lit
 * Action CID permitted and revoked; transfer to C; A is refused and C signs.
 * The history table shows every operation with its certificate's
 * countersignatures. Last, a page with a (test) window.ethereum signs in with
 * it and owns what it mints. State is awaited with Playwright's auto-waiting expects.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Proc } from './harness.js'
import { dumpNodes, startDashboardTestnet, type DashboardTestnet, expectDashboardSees, expectValidSignature, mintThroughUi, signThroughUi, snap, type PkpRow } from './pkp-helpers.js'
import {
  createAccountThroughUi, expectRegistryShows, grantThroughUi, historyShown, permitActionThroughUi, revokeActionThroughUi, revokeThroughUi,
  signersShown, signRefusedThroughUi, transferThroughUi, useAccount
} from './registry-helpers.js'

const NODES = 5
/** ⌊2n/3⌋ + 1 of the committee (docs/registry.md §2.3): every node is in the committee. */
const QUORUM = Math.floor((2 * NODES) / 3) + 1

let testnet: DashboardTestnet | undefined
let web: Proc & { url: string }
let context: BrowserContext
let dashboard: Page
const nodes = new Map<string, Page>()
const ids = new Map<string, string>()
const address = new Map<string, Hex>()
let pkp: PkpRow

const slots = Array.from({ length: NODES }, (_, i) => `registry-${i}`)

test.describe.serial('the PKP registry through the dashboard', () => {
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000)
    testnet = await startDashboardTestnet(browser, 'registry', slots)
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

  test('wallet: three named local accounts; a taken name is refused', async () => {
    const first = await dashboard.getByTestId('wallet-address').innerText()
    for (const name of ['A', 'B', 'C']) address.set(name, await createAccountThroughUi(dashboard, name))
    expect(new Set([first, ...address.values()]).size).toBe(4)
    await dashboard.getByTestId('wallet-new-name').fill('B')
    await dashboard.getByTestId('wallet-create').click()
    await expect(dashboard.getByTestId('wallet-error')).toContainText('exists already')
    await expect(dashboard.locator('[data-testid="wallet-account"][data-name="B"]')).toHaveCount(1)
    await useAccount(dashboard, 'A')
    // No page here has window.ethereum: no browser-wallet button.
    await expect(dashboard.getByTestId('wallet-connect-injected')).toHaveCount(0)
  })

  test('mint as A: the registry panel shows A as the owner and the mint certified by a quorum', async () => {
    const minted = await mintThroughUi(dashboard)
    pkp = minted.pkp
    expect(pkp.committee).toBe(NODES)
    await expect(dashboard.getByTestId('registry-panel')).toHaveAttribute('data-token-id', pkp.tokenId)
    await expectRegistryShows(dashboard, { nonce: 1, owner: address.get('A')! })
    await expect(dashboard.getByTestId('registry-role')).toHaveAttribute('data-role', 'owner')
    await expect(dashboard.getByTestId('registry-quorum')).toHaveText(String(QUORUM))
    expect(await signersShown(dashboard)).toEqual([{ kind: 'owner', address: address.get('A'), cid: '', scope: '' }])
    const [mint] = await historyShown(dashboard)
    expect(mint).toMatchObject({ nonce: 0, kind: 'mint', signer: address.get('A'), quorum: QUORUM })
    expect(mint.countersigs).toBeGreaterThanOrEqual(QUORUM)
  })

  test('grant B; B signs, and the test checks the signature with viem recoverAddress', async () => {
    const granted = await grantThroughUi(dashboard, address.get('B')!)
    expect(granted).toMatchObject({ ok: true, kind: 'addPermittedAddress', nonce: 1 })
    await expectRegistryShows(dashboard, { nonce: 2, owner: address.get('A')! })
    expect((await signersShown(dashboard)).map(s => [s.kind, s.address])).toEqual([['owner', address.get('A')], ['address', address.get('B')]])

    await useAccount(dashboard, 'B')
    await expect(dashboard.getByTestId('registry-role')).toHaveAttribute('data-role', 'permitted')
    const sig = await signThroughUi(dashboard, 'B signs with A\'s PKP')
    await expectValidSignature(sig, pkp)
  })

  test('revoke B; B is refused (Unauthorized) and cannot change the registry', async () => {
    await useAccount(dashboard, 'A')
    const revoked = await revokeThroughUi(dashboard, address.get('B')!)
    expect(revoked).toMatchObject({ ok: true, kind: 'removePermittedAddress', nonce: 2 })
    await expectRegistryShows(dashboard, { nonce: 3, owner: address.get('A')! })
    expect((await signersShown(dashboard)).map(s => s.kind)).toEqual(['owner'])

    await useAccount(dashboard, 'B')
    await expect(dashboard.getByTestId('registry-role')).toHaveAttribute('data-role', 'none')
    const refused = await signRefusedThroughUi(dashboard, 'B after the revoke')
    expect(refused.code).toBe('ERR_UNAUTHORIZED')
    expect(refused.text).toContain('UnauthorizedError')
    expect(refused.text).toMatch(/neither its owner .* nor a permitted address/)

    // Not the owner: the SDK refuses locally with the registry's typed error, nothing is certified.
    const selfGrant = await grantThroughUi(dashboard, address.get('B')!)
    expect(selfGrant).toMatchObject({ ok: false, kind: 'addPermittedAddress', code: 'ERR_REGISTRY_NOT_OWNER' })
    expect(selfGrant.text).toContain('NotOwnerError')
    expect(selfGrant.text).toContain(`is not the owner ${address.get('A')!}`)
    await expectRegistryShows(dashboard, { nonce: 3, owner: address.get('A')! })
  })

  test('permissions editor: permit a Lit Action CID with a scope, then revoke it', async () => {
    await useAccount(dashboard, 'A')
    const cid = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('a Lit Action'))).toString()
    const permitted = await permitActionThroughUi(dashboard, cid, 'personal-sign')
    expect(permitted).toMatchObject({ ok: true, kind: 'addPermittedAction', nonce: 3 })
    await expectRegistryShows(dashboard, { nonce: 4, owner: address.get('A')! })
    expect((await signersShown(dashboard)).filter(s => s.kind === 'action')).toEqual([{ kind: 'action', address: '', cid, scope: 'personal-sign' }])
    const revoked = await revokeActionThroughUi(dashboard, cid)
    expect(revoked).toMatchObject({ ok: true, kind: 'removePermittedAction', nonce: 4 })
    await expectRegistryShows(dashboard, { nonce: 5, owner: address.get('A')! })
    expect((await signersShown(dashboard)).map(s => s.kind)).toEqual(['owner'])
  })

  test('transfer to C; A is refused and C signs', async () => {
    const moved = await transferThroughUi(dashboard, address.get('C')!)
    expect(moved).toMatchObject({ ok: true, kind: 'transfer', nonce: 5 })
    await expectRegistryShows(dashboard, { nonce: 6, owner: address.get('C')! })
    await expect(dashboard.getByTestId('registry-role')).toHaveAttribute('data-role', 'none')
    const refused = await signRefusedThroughUi(dashboard, 'A after the transfer')
    expect(refused.code).toBe('ERR_UNAUTHORIZED')
    expect(refused.text).toContain('UnauthorizedError')

    await useAccount(dashboard, 'C')
    await expect(dashboard.getByTestId('registry-role')).toHaveAttribute('data-role', 'owner')
    const sig = await signThroughUi(dashboard, 'C owns it now')
    await expectValidSignature(sig, pkp)
  })

  test('the history shows every operation certified by a quorum; the wallet survives a reload', async () => {
    const history = await historyShown(dashboard)
    expect(history.map(h => [h.nonce, h.kind, h.signer])).toEqual([
      [0, 'mint', address.get('A')],
      [1, 'addPermittedAddress', address.get('A')],
      [2, 'removePermittedAddress', address.get('A')],
      [3, 'addPermittedAction', address.get('A')],
      [4, 'removePermittedAction', address.get('A')],
      [5, 'transfer', address.get('A')]
    ])
    for (const h of history) {
      expect(h.quorum).toBe(QUORUM)
      expect(h.countersigs).toBeGreaterThanOrEqual(QUORUM)
      expect(h.countersigs).toBeLessThanOrEqual(NODES)
    }
    await dashboard.screenshot({ path: test.info().outputPath('dashboard-registry.png'), fullPage: true })

    await dashboard.reload()
    await expect(dashboard.getByTestId('wallet-selected-name')).toHaveText('C')
    for (const [name, a] of address) await expect(dashboard.locator(`[data-testid="wallet-account"][data-name="${name}"]`)).toHaveAttribute('data-address', a)
  })
  test('a browser wallet (window.ethereum) signs in with personal_sign and certifies its mint with eth_signTypedData_v4', async () => {
    // A stand-in for an injected wallet: the page's provider forwards to a viem account in the test.
    const wallet = privateKeyToAccount(generatePrivateKey())
    const calls: string[] = []
    const page = await context.newPage()
    await page.exposeFunction('__testWalletRequest', async (method: string, params: unknown[]): Promise<unknown> => {
      calls.push(method)
      if (method === 'eth_requestAccounts') return [wallet.address]
      if (method === 'personal_sign') return await wallet.signMessage({ message: { raw: params[0] as Hex } })
      if (method === 'eth_signTypedData_v4') return await wallet.signTypedData(JSON.parse(params[1] as string))
      throw new Error(`unexpected ${method}`)
    })
    await page.addInitScript(() => {
      const forward = (window as unknown as { __testWalletRequest: (m: string, p: unknown[]) => Promise<unknown> }).__testWalletRequest
      ;(window as unknown as { ethereum: unknown }).ethereum = { request: async ({ method, params }: { method: string, params?: unknown[] }) => await forward(method, params ?? []) }
    })
    await page.goto(web.url + '/')
    await expect.poll(async () => (await snap(page).catch(() => null))?.relay.state, { timeout: 60_000 }).toBe('connected')
    await expectDashboardSees(page, [...ids.values()], 60_000)
    // The mesh view lists the nodes before this new page's client counts them online (their statuses): wait for that too.
    await expect.poll(async () => await page.evaluate(async () => (await window.__litTest?.client?.networkInfo().catch(() => null))?.nodes.length ?? 0), { timeout: 60_000 }).toBe(ids.size)
    await page.getByTestId('wallet-connect-injected').click()
    await expect(page.getByTestId('wallet-selected-name')).toHaveText('browser wallet')
    await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)
    const { pkp: mine } = await mintThroughUi(page)
    await expectRegistryShows(page, { nonce: 1, owner: wallet.address })
    expect((await historyShown(page))[0]).toMatchObject({ kind: 'mint', signer: wallet.address })
    const sig = await signThroughUi(page, 'signed in with a browser wallet')
    await expectValidSignature(sig, mine)
    expect(calls).toContain('personal_sign')
    expect(calls).toContain('eth_signTypedData_v4')
    await page.close()
  })
})
