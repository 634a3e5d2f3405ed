/**
 * State for Playwright, only in dev/test builds (vite dev server, or a build with
 * VITE_LIT_TEST=1). Read-only views, the echo bench, and on the dashboard the
 * client bench loops (bench:network); never a secret.
 */
import { runEchoBench, type EchoBenchResult, type LitNodeSnapshot, type PeerRuntime, type PeerRuntimeSnapshot } from '../../node-core/src/browser.js'
import type { DashboardClient } from './client-api.js'
import { ClientBench } from './client-bench.js'

export interface LitTestHook {
  snapshot (): PeerRuntimeSnapshot | null
  echoBench (peer: string, opts: { requests: number, payloadBytes: number, concurrency: number }): Promise<EchoBenchResult>
  /** A node tab's service state (network key, PKPs, pool levels, recent operations). */
  node?: () => LitNodeSnapshot
  /** The dashboard's client SDK, driven by bench:network. */
  client?: ClientBench
}

declare global {
  interface Window { __litTest?: LitTestHook }
}

/** Dev server or a build with VITE_LIT_TEST=1: test hooks and test-only node faults are allowed. */
export function isTestBuild (): boolean {
  return import.meta.env.DEV || import.meta.env.VITE_LIT_TEST === '1'
}

export function installTestHook (peer: PeerRuntime, extra: { client?: DashboardClient, node?: { snapshot: () => LitNodeSnapshot } } = {}): void {
  if (!isTestBuild()) return
  const { client, node } = extra
  window.__litTest = {
    snapshot: () => peer.snapshot(),
    echoBench: async (remote, opts) => await runEchoBench(peer.libp2p, remote, opts),
    node: node == null ? undefined : () => node.snapshot(),
    client: client == null ? undefined : new ClientBench(client)
  }
}
