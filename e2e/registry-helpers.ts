/**
 * Helpers of the registry suite (e2e/registry.spec.ts): drive the dashboard's
 * wallet and registry panels the way a user would, and read what they show.
 * Every wait is a Playwright auto-waiting expect on what the page renders.
 */
import { expect, type Page } from '@playwright/test'
import type { Hex } from 'viem'
import { pressSign } from './pkp-helpers.js'

/** Make a named local account through the wallet panel (it becomes the selected one); returns its address. */
export async function createAccountThroughUi (dashboard: Page, name: string): Promise<Hex> {
  await dashboard.getByTestId('wallet-new-name').fill(name)
  await dashboard.getByTestId('wallet-create').click()
  const row = dashboard.locator(`[data-testid="wallet-account"][data-name="${name}"]`)
  await expect(row).toHaveAttribute('data-selected', 'true')
  await expect(dashboard.getByTestId('wallet-selected-name')).toHaveText(name)
  const address = (await row.getAttribute('data-address')) as Hex
  expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/)
  return address
}

/** Act as the named account (its radio in the wallet panel). */
export async function useAccount (dashboard: Page, name: string): Promise<void> {
  const row = dashboard.locator(`[data-testid="wallet-account"][data-name="${name}"]`)
  await row.getByTestId('wallet-use').check()
  await expect(row).toHaveAttribute('data-selected', 'true')
  await expect(dashboard.getByTestId('wallet-address')).toHaveText((await row.getAttribute('data-address'))!)
}

export interface UiRegistryOutcome {
  ok: boolean
  kind: string
  /** The certified operation's nonce (ok only). */
  nonce?: number
  /** The typed error's code (refusals only). */
  code?: string
  text: string
}

/** Run one registry change through the panel (`act` presses the button) and wait for its outcome. */
async function registryChange (dashboard: Page, act: () => Promise<void>): Promise<UiRegistryOutcome> {
  const last = dashboard.locator('[data-testid="registry-op-result"], [data-testid="registry-op-error"]')
  const seq = Number((await last.count()) > 0 ? await last.first().getAttribute('data-seq') : 0) + 1
  await act()
  const result = dashboard.locator(`[data-testid="registry-op-result"][data-seq="${seq}"]`)
  const error = dashboard.locator(`[data-testid="registry-op-error"][data-seq="${seq}"]`)
  await expect(result.or(error)).toBeVisible({ timeout: 45_000 })
  if (await error.count() > 0) {
    return { ok: false, kind: (await error.getAttribute('data-kind')) ?? '', code: (await error.getAttribute('data-code')) ?? '', text: await error.innerText() }
  }
  return { ok: true, kind: (await result.getAttribute('data-kind')) ?? '', nonce: Number(await result.getAttribute('data-nonce')), text: await result.innerText() }
}

export async function grantThroughUi (dashboard: Page, address: string): Promise<UiRegistryOutcome> {
  return await registryChange(dashboard, async () => {
    await dashboard.getByTestId('registry-address-input').fill(address)
    await dashboard.getByTestId('registry-add-address').click()
  })
}

/** Press Revoke on the permitted address's row. */
export async function revokeThroughUi (dashboard: Page, address: string): Promise<UiRegistryOutcome> {
  return await registryChange(dashboard, async () => {
    await dashboard.locator(`[data-testid="registry-signer"][data-kind="address"][data-address="${address}"]`).getByTestId('registry-remove-address').click()
  })
}

export async function transferThroughUi (dashboard: Page, to: string): Promise<UiRegistryOutcome> {
  return await registryChange(dashboard, async () => {
    await dashboard.getByTestId('registry-transfer-input').fill(to)
    await dashboard.getByTestId('registry-transfer').click()
  })
}

export async function permitActionThroughUi (dashboard: Page, cid: string, scope: 'sign-anything' | 'personal-sign'): Promise<UiRegistryOutcome> {
  return await registryChange(dashboard, async () => {
    await dashboard.getByTestId('registry-cid-input').fill(cid)
    await dashboard.getByTestId('registry-scope-select').selectOption(scope)
    await dashboard.getByTestId('registry-add-action').click()
  })
}

export async function revokeActionThroughUi (dashboard: Page, cid: string): Promise<UiRegistryOutcome> {
  return await registryChange(dashboard, async () => {
    await dashboard.locator(`[data-testid="registry-signer"][data-kind="action"][data-cid="${cid}"]`).getByTestId('registry-remove-action').click()
  })
}

export interface UiSigner { kind: string, address: string, cid: string, scope: string }

/** Who the registry panel says may sign (owner, permitted addresses, permitted actions). */
export async function signersShown (dashboard: Page): Promise<UiSigner[]> {
  return await dashboard.getByTestId('registry-signer').evaluateAll(els => els.map(e => ({
    kind: e.getAttribute('data-kind') ?? '',
    address: e.getAttribute('data-address') ?? '',
    cid: e.getAttribute('data-cid') ?? '',
    scope: e.getAttribute('data-scope') ?? ''
  })))
}

export interface UiHistoryRow { nonce: number, kind: string, signer: string, countersigs: number, quorum: number }

/** The history table, in nonce order. */
export async function historyShown (dashboard: Page): Promise<UiHistoryRow[]> {
  const rows = await dashboard.getByTestId('registry-history-row').evaluateAll(els => els.map(e => ({
    nonce: Number(e.getAttribute('data-nonce')),
    kind: e.getAttribute('data-kind') ?? '',
    signer: e.getAttribute('data-signer') ?? '',
    countersigs: Number(e.getAttribute('data-countersigs')),
    quorum: Number(e.getAttribute('data-quorum'))
  })))
  return rows.sort((a, b) => a.nonce - b.nonce)
}

/** Wait until the panel shows `nonce` certified operations and `owner` as the owner. */
export async function expectRegistryShows (dashboard: Page, want: { nonce: number, owner: string }): Promise<void> {
  await expect(dashboard.getByTestId('registry-nonce')).toHaveAttribute('data-nonce', String(want.nonce))
  await expect(dashboard.getByTestId('registry-owner')).toHaveAttribute('data-address', want.owner)
  await expect(dashboard.getByTestId('registry-history-row')).toHaveCount(want.nonce)
}

/** Press Sign and expect a refusal; returns the error's code and the text the page shows. */
export async function signRefusedThroughUi (dashboard: Page, message: string): Promise<{ code: string, text: string }> {
  const { result, error } = await pressSign(dashboard, message)
  expect(await result.count(), 'the page signed where it should have been refused').toBe(0)
  return { code: (await error.getAttribute('data-code')) ?? '', text: await error.innerText() }
}
