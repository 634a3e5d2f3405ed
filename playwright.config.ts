/**
 * e2e: real Chromium tabs (Debian's /usr/bin/chromium), a real relay and the vite
 * server, started by the suite itself (e2e/harness.ts). Run inside
 * scripts/with-netns.sh so nothing leaves the machine.
 */
import { defineConfig } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PERMISSIONS } from './e2e/harness.js'

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: 'list',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    permissions: CHROMIUM_PERMISSIONS,
    trace: 'off'
  }
})
