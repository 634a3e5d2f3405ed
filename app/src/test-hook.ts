/**
 * State for Playwright, only in dev/test builds (vite dev server, or a build with
 * VITE_LIT_TEST=1). Read-only views plus the echo bench; never a secret.
 */
import { runEchoBench, type EchoBenchResult, type PeerRuntime, type PeerRuntimeSnapshot } from '../../node-core/src/browser.js'

export interface LitTestHook {
  snapshot (): PeerRuntimeSnapshot | null
  echoBench (peer: string, opts: { requests: number, payloadBytes: number, concurrency: number }): Promise<EchoBenchResult>
}

declare global {
  interface Window { __litTest?: LitTestHook }
}

export function installTestHook (peer: PeerRuntime): void {
  if (!(import.meta.env.DEV || import.meta.env.VITE_LIT_TEST === '1')) return
  window.__litTest = {
    snapshot: () => peer.snapshot(),
    echoBench: async (remote, opts) => await runEchoBench(peer.libp2p, remote, opts)
  }
}
