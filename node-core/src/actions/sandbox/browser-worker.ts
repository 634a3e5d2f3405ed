/**
 * The browser's sandbox worker factory (docs/actions.md §2.6), in a file of
 * its own so Vite sees the literal `new Worker(new URL(…, import.meta.url),
 * { type: 'module' })` and bundles sandbox-worker.ts (with its .wasm) as a
 * worker chunk. Vite's worker build must emit ES modules (`worker.format:
 * 'es'` in vite.config.ts), since the QuickJS variant loads its parts with
 * dynamic import().
 */
import type { WorkerLike } from './sandbox-pool.js'

export function browserSandboxWorkerFactory (): () => WorkerLike {
  return () => new Worker(new URL('./sandbox-worker.ts', import.meta.url), { type: 'module', name: 'lit-action-sandbox' }) as unknown as WorkerLike
}
