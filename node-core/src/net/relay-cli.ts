/**
 * Run the testnet relay: `tsx node-core/src/net/relay-cli.ts [--port N] [--out file.json]`.
 * Prints one line of JSON ({@link RelayInfo}) on stdout and, with --out, writes it
 * to that file (the web server serves it at /relay.json). Stops on SIGINT/SIGTERM.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DEFAULT_RELAY_PORT } from './config.js'
import { startRelay } from './relay.js'

function arg (name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const port = Number(arg('port') ?? process.env.RELAY_PORT ?? DEFAULT_RELAY_PORT)
const out = arg('out') ?? process.env.RELAY_INFO_FILE
const relay = await startRelay({ port })
if (out != null) {
  await mkdir(dirname(out), { recursive: true })
  // Write then rename would be atomic; a single small write is enough for a poller.
  await writeFile(out, JSON.stringify(relay.info))
}
process.stdout.write(JSON.stringify(relay.info) + '\n')

let stopping = false
async function stop (): Promise<void> {
  if (stopping) return
  stopping = true
  if (out != null) await rm(out, { force: true })
  await relay.stop()
  process.exit(0)
}
process.on('SIGINT', () => { void stop() })
process.on('SIGTERM', () => { void stop() })
