/**
 * The browser entry of a sandbox worker (docs/actions.md §2.2, §2.6): a
 * dedicated module Worker of the node's origin that only ever runs action code
 * inside QuickJS. Started by browser-worker.ts.
 *
 * The .wasm is imported with Vite's `?url`, so Vite copies it into the build
 * and hands the worker its final URL; the variant is told to load it from
 * there (`wasmLocation`) instead of next to its own JavaScript, which the dev
 * server's dependency pre-bundling moves to .vite/deps without the .wasm.
 */
import wasmLocation from '@jitl/quickjs-wasmfile-release-sync/wasm?url'
import { loadQuickJS } from './quickjs-module.js'
import { serveSandbox, type SandboxScope } from './worker-main.js'

serveSandbox(self as unknown as SandboxScope, async ({ memoryBytes }) => await loadQuickJS({ memoryBytes, wasmLocation }))
