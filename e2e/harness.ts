/**
 * Processes of a local testnet, shared by the e2e suite, the launcher
 * (scripts/testnet.ts) and bench/net.ts: the relay and the vite web server as
 * child processes, and the Chromium flags that let tabs form WebRTC links on
 * this machine. See docs/testnet.md.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = resolve(ROOT, 'node_modules/.bin')

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Quiet Chromium on a closed network, with plain (not mDNS) ICE candidates. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns',
  // Loopback-only namespaces: gather 127.0.0.1 candidates (needs media permission, below).
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  // Background tabs must keep their timers running (status, pings, dials).
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'
]

/** Without media permission Chromium gathers no WebRTC candidate at all on loopback. */
export const CHROMIUM_PERMISSIONS = ['camera', 'microphone']

export async function freePort (): Promise<number> {
  const srv = createServer()
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const addr = srv.address()
  const port = typeof addr === 'object' && addr != null ? addr.port : 0
  srv.close()
  await once(srv, 'close')
  return port
}

export interface Proc {
  child: ChildProcess
  stop (): Promise<void>
}

function log (prefix: string, verbose: boolean, child: ChildProcess): void {
  if (!verbose) return
  child.stdout?.on('data', (b: Buffer) => { process.stderr.write(`[${prefix}] ${b.toString()}`) })
  child.stderr?.on('data', (b: Buffer) => { process.stderr.write(`[${prefix}] ${b.toString()}`) })
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 5_000)
  await exited
  clearTimeout(timer)
}

export interface RelayProc extends Proc {
  info: { peerId: string, multiaddrs: string[] }
}

/** Start the relay on 127.0.0.1:`port`; it writes its addresses to `infoFile`. */
export async function startRelayProc (port: number, infoFile: string, verbose = false): Promise<RelayProc> {
  mkdirSync(dirname(infoFile), { recursive: true })
  const child = spawn(resolve(BIN, 'tsx'), ['node-core/src/net/relay-cli.ts', '--port', String(port), '--out', infoFile], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}` }
  })
  log('relay', verbose, child)
  const info = await new Promise<RelayProc['info']>((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => { reject(new Error('relay did not start in 30 s')) }, 30_000)
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString()
      const line = buf.split('\n').find(l => l.startsWith('{'))
      if (line != null) { clearTimeout(timer); resolve(JSON.parse(line)) }
    })
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited with ${code}`)) })
  })
  return { child, info, stop: async () => { await stopChild(child) } }
}

/**
 * Build the pages (with the test hook on) into `outDir` and serve them with
 * `vite preview` on 127.0.0.1:`port`, serving `relayInfoFile` at /relay.json.
 * A build loads in tabs several times faster than the dev server's many modules,
 * which matters with many tabs on two cores.
 */
export async function startWebProc (port: number, relayInfoFile: string, outDir: string, verbose = false): Promise<Proc & { url: string }> {
  const env = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}`, RELAY_INFO_FILE: relayInfoFile, WEB_PORT: String(port), VITE_LIT_TEST: '1' }
  const build = spawn(resolve(BIN, 'vite'), ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env })
  log('build', verbose, build)
  const [code] = await once(build, 'exit') as [number | null]
  if (code !== 0) throw new Error(`vite build exited with ${code}`)
  const child = spawn(resolve(BIN, 'vite'), ['preview', '--outDir', outDir, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env
  })
  log('web', verbose, child)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode != null) throw new Error(`vite preview exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/node.html`)
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) { await stopChild(child); throw new Error('vite preview did not start in 60 s') }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return { child, url, stop: async () => { await stopChild(child) } }
}

/** A scratch directory for one testnet run (relay.json lives there). */
export function runDir (name: string): string {
  const dir = resolve(ROOT, '.testnet', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return dir
}
