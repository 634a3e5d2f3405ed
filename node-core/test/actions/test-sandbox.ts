/**
 * Test wiring for nodes on the memory transport: a QuickJS sandbox that runs
 * actions in this process (the tab runs the same runner in a Worker), and code
 * stores that fetch from each other like bitswap peers.
 */
import type { QuickJSWASMModule } from 'quickjs-emscripten-core'
import { CodeSwarm, MemoryCodeStore } from '../../src/actions/code-store-memory.js'
import { loadQuickJSModule } from '../../src/actions/sandbox/quickjs-module.js'
import { runAction } from '../../src/actions/sandbox/quickjs-runner.js'
import type { ActionSandbox } from '../../src/node/action-service.js'

let module: Promise<QuickJSWASMModule> | undefined

export function inProcessSandbox (): ActionSandbox {
  return {
    run: async (input, host, options) => await runAction(await (module ??= loadQuickJSModule()), input, host, options.signal)
  }
}

export function memoryCodeStores (): { swarm: CodeSwarm, storeFor: (peer: string) => MemoryCodeStore } {
  const swarm = new CodeSwarm()
  return { swarm, storeFor: () => new MemoryCodeStore({ swarm }) }
}
