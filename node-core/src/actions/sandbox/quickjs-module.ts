/**
 * Loading the QuickJS WASM module (docs/actions.md §2.2: `RELEASE_SYNC` with a
 * separate .wasm) with a hard memory cap.
 *
 * Why the cap lives here: in the prebuilt 0.32 wasm, `runtime.setMemoryLimit`
 * bounds each single allocation but not the runtime's total (Emscripten's
 * `malloc_usable_size` is 0, so QuickJS's byte counter never grows; measured: a
 * 16 MiB limit let `for(;;) a.push(new Array(1e6).fill(1))` reach 2 GiB, and
 * quickjs-emscripten issues #255/#271). The variant imports its
 * `WebAssembly.Memory`, so we give it one whose `maximum` is the action memory
 * limit (× 1.25, see MemoryCap) plus the module's 16 MiB initial memory: past
 * it, Emscripten's sbrk fails, malloc returns NULL, and QuickJS throws `InternalError: out of memory`
 * (measured: the same bomb stops in ~90 ms, and the module stays usable). One
 * module runs one action at a time, so the cap is the run's cap; the runner
 * still sets `setMemoryLimit` for single huge allocations.
 *
 * In Node and vitest the variant finds its .wasm next to its own file; the
 * browser sandbox worker passes the bundler's URL of the .wasm instead
 * (sandbox-worker.ts), since a dependency pre-bundler may move the variant's
 * JavaScript away from it.
 */
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core'
import releaseSync from '@jitl/quickjs-wasmfile-release-sync'
import { DEFAULT_ACTION_LIMITS } from '../limits.js'

/** The variant's INITIAL_MEMORY (static data, shadow stack, first heap pages). */
export const QUICKJS_INITIAL_MEMORY_BYTES = 16 * 1024 * 1024
const PAGE = 64 * 1024

export interface LoadedQuickJS {
  module: QuickJSWASMModule
  /** The imported memory (its byteLength is the instance's high-water mark: WASM memory never shrinks). */
  memory: WebAssembly.Memory
  /** The action memory limit this module was capped for. */
  memoryBytes: number
}

/**
 * Compiles and instantiates a fresh module (one per sandbox worker; ~40–60 ms
 * in Node 22) whose WASM memory can never exceed 1.25 × `memoryBytes` + 16 MiB.
 */
export async function loadQuickJS (opts: { memoryBytes?: number, wasmLocation?: string } = {}): Promise<LoadedQuickJS> {
  const memoryBytes = opts.memoryBytes ?? DEFAULT_ACTION_LIMITS.memoryBytes
  const memory = new WebAssembly.Memory({
    initial: QUICKJS_INITIAL_MEMORY_BYTES / PAGE,
    maximum: pages(memoryBytes)
  })
  const variant = newVariant(releaseSync, {
    wasmMemory: memory,
    ...(opts.wasmLocation !== undefined ? { wasmLocation: opts.wasmLocation } : {})
  })
  const cap: MemoryCap = { memory, maxBytes: pages(memoryBytes) * PAGE, growFailures: 0 }
  // Emscripten's heap resize calls `memory.grow` on this object; a refusal means the heap hit the cap.
  const grow = memory.grow.bind(memory)
  Object.defineProperty(memory, 'grow', {
    value: (delta: number): number => {
      try {
        return grow(delta)
      } catch (err) {
        cap.growFailures++
        throw err
      }
    }
  })
  const module = await newQuickJSWASMModuleFromVariant(variant)
  caps.set(module, cap)
  return { module, memory, memoryBytes }
}

/**
 * How a module's memory is capped. Emscripten asks for 20 %, 10 %, then 5 %
 * more than the heap it has (or what it needs, if larger); the cap is
 * 1.25 × the limit above the initial memory, so a refused growth always means
 * the heap needs more than the action's limit.
 */
export interface MemoryCap {
  memory: WebAssembly.Memory
  maxBytes: number
  /** Refused `grow` calls since the module was made. */
  growFailures: number
}

const caps = new WeakMap<QuickJSWASMModule, MemoryCap>()

function pages (memoryBytes: number): number {
  return Math.min(32768, Math.ceil((QUICKJS_INITIAL_MEMORY_BYTES + 1.25 * memoryBytes) / PAGE))
}

/**
 * The cap of a module made by `loadQuickJS`. The runner stops a run as
 * `memory` once a growth was refused during that run, even if the action
 * caught QuickJS's out-of-memory error (§2.8 "stopped").
 */
export function memoryCapOf (module: QuickJSWASMModule): MemoryCap | undefined {
  return caps.get(module)
}

/** `loadQuickJS(...).module`, for callers that need only the module. */
export async function loadQuickJSModule (opts: { memoryBytes?: number, wasmLocation?: string } = {}): Promise<QuickJSWASMModule> {
  return (await loadQuickJS(opts)).module
}
