/**
 * Web server for the testnet pages: the dashboard (/) and the node page
 * (/node.html). In dev and preview it also serves /relay.json from the file the relay writes
 * (RELAY_INFO_FILE, default .testnet/relay.json), so pages find the relay
 * without copying its address. Port: WEB_PORT (default 5173), host 127.0.0.1.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig, type Connect, type Plugin } from 'vite'
import type { IncomingMessage, ServerResponse } from 'node:http'

const relayInfoFile = resolve(process.env.RELAY_INFO_FILE ?? '.testnet/relay.json')

function relayInfo (): Plugin {
  return {
    name: 'lit-relay-info',
    configureServer (server) { serve(server.middlewares) },
    configurePreviewServer (server) { serve(server.middlewares) }
  }
}

/** Serve the relay's current addresses; 503 while no relay runs. */
function serve (middlewares: Connect.Server): void {
  middlewares.use('/relay.json', (_req: IncomingMessage, res: ServerResponse) => {
    readFile(relayInfoFile, 'utf8').then((body) => {
      res.setHeader('content-type', 'application/json')
      res.setHeader('cache-control', 'no-store')
      res.end(body)
    }, () => {
      res.statusCode = 503
      res.setHeader('cache-control', 'no-store')
      res.end(JSON.stringify({ error: 'relay not running' }))
    })
  })
}

export default defineConfig({
  plugins: [react(), relayInfo()],
  preview: {
    host: process.env.WEB_HOST ?? '127.0.0.1',
    port: Number(process.env.WEB_PORT ?? 4173),
    strictPort: true
  },
  server: {
    host: process.env.WEB_HOST ?? '127.0.0.1',
    port: Number(process.env.WEB_PORT ?? 5173),
    strictPort: true,
    // Watching node_modules and test output on a busy 2-core machine only costs CPU.
    watch: { ignored: ['**/test-results/**', '**/.testnet/**', '**/playwright-report/**'] }
  },
  optimizeDeps: {
    entries: ['index.html', 'node.html']
  },
  // The action sandbox worker (node-core/src/actions/sandbox/sandbox-worker.ts) is a module
  // worker: the QuickJS variant loads its parts with dynamic import().
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: { dashboard: resolve('index.html'), node: resolve('node.html') },
      // Error classes keep their names (LitError sets `name` from the class): the pages show typed errors by name.
      output: { keepNames: true }
    }
  }
})
