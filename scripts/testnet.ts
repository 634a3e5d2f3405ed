/**
 * `npm start`: a local testnet — the relay, the web server and N headless
 * Chromium node tabs (default 5). Prints the dashboard URL; Ctrl-C / SIGTERM
 * stops everything. Open more node tabs from any browser on this machine.
 *
 *   tsx scripts/testnet.ts [--nodes N] [--web-port P] [--relay-port P] [--verbose]
 *   (env: NODES, WEB_PORT, RELAY_PORT)
 */
import { chromium, type Browser } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PERMISSIONS, runDir, startRelayProc, startWebProc, type Proc } from '../e2e/harness.js'

function arg (name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const nodes = Number(arg('nodes') ?? process.env.NODES ?? 5)
const webPort = Number(arg('web-port') ?? process.env.WEB_PORT ?? 5173)
const relayPort = Number(arg('relay-port') ?? process.env.RELAY_PORT ?? 9090)
const verbose = process.argv.includes('--verbose')
if (!Number.isInteger(nodes) || nodes < 0 || nodes > 30) throw new Error('--nodes: expected 0..30')

const say = (msg: string): void => { process.stderr.write(`testnet: ${msg}\n`) }
const procs: Proc[] = []
let browser: Browser | undefined
let stopping = false

async function stop (code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    say('stopping…')
    await browser?.close().catch(() => {})
    for (const p of procs.reverse()) await p.stop().catch(() => {})
  }
  process.exit(code)
}
process.on('SIGINT', () => { void stop(0) })
process.on('SIGTERM', () => { void stop(0) })

try {
  const dir = runDir('testnet')
  const relayFile = `${dir}/relay.json`
  const relay = await startRelayProc(relayPort, relayFile, verbose)
  procs.push(relay)
  say(`relay ${relay.info.multiaddrs.join(' ')}`)
  const web = await startWebProc(webPort, relayFile, `${dir}/dist`, verbose)
  procs.push(web)

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const context = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  const started = Date.now()
  const pages = await Promise.all(Array.from({ length: nodes }, async (_, i) => {
    const page = await context.newPage()
    await page.goto(`${web.url}/node.html?node=testnet-${i}`)
    return page
  }))
  say(`${nodes} node tabs opened`)
  process.stdout.write(`\nDashboard: ${web.url}/\nAdd a node: ${web.url}/node.html\n(Ctrl-C to stop)\n\n`)

  // Report when the headless tabs have formed their full mesh (informational).
  if (pages.length > 1) {
    for (;;) {
      if (stopping) break
      const counts = await Promise.all(pages.map(async p => await p.evaluate(() =>
        window.__litTest?.snapshot()?.links.filter(l => l.kind === 'direct').length ?? 0).catch(() => 0)))
      if (counts.every(c => c >= nodes - 1)) {
        say(`full mesh of ${nodes} tabs after ${((Date.now() - started) / 1000).toFixed(1)} s`)
        break
      }
      if (Date.now() - started > 120_000) { say(`no full mesh after 120 s (direct links per tab: ${counts.join(', ')})`); break }
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }
} catch (err) {
  say(`failed: ${err instanceof Error ? err.message : String(err)}`)
  await stop(1)
}
