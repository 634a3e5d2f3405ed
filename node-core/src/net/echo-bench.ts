/**
 * Request round trips and throughput over the direct link to one peer, with the
 * echo protocol. Used by bench:net through the page's test hook.
 */
import type { Connection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { LitError } from '../errors.js'
import { ECHO_PROTOCOL } from './echo.js'
import type { BrowserLibp2p } from './libp2p-browser.js'

export interface EchoBenchResult {
  requests: number
  payloadBytes: number
  /** Sequential requests, each on a fresh stream: round-trip times (ms). */
  p50Ms: number
  p99Ms: number
  meanMs: number
  /** Requests per second with `concurrency` requests in flight on the same connection. */
  concurrency: number
  requestsPerSecond: number
  /** The same number of round trips ping-ponged on ONE open stream: the link's own latency (ms). */
  oneStream: { p50Ms: number, p99Ms: number }
}

export async function runEchoBench (
  libp2p: BrowserLibp2p, peer: string, opts: { requests: number, payloadBytes: number, concurrency: number }
): Promise<EchoBenchResult> {
  const conn = libp2p.getConnections(peerIdFromString(peer))
    .find(c => c.status === 'open' && c.remoteAddr.toString().includes('/webrtc'))
  if (conn == null) throw new LitError(`no direct connection to ${peer}`, 'ERR_NO_DIRECT_LINK')
  const payload = crypto.getRandomValues(new Uint8Array(opts.payloadBytes))
  const signal = (): AbortSignal => AbortSignal.timeout(10_000)
  const times: number[] = []
  for (let i = 0; i < opts.requests; i++) times.push(await libp2p.services.echo.echo(conn, payload, signal()))
  times.sort((a, b) => a - b)
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]

  let next = 0
  const start = performance.now()
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (next < opts.requests) {
      next++
      await libp2p.services.echo.echo(conn, payload, signal())
    }
  }))
  const seconds = (performance.now() - start) / 1000

  const oneStream = (await pingPong(conn, opts.payloadBytes, opts.requests)).sort((a, b) => a - b)
  const qs = (p: number): number => oneStream[Math.min(oneStream.length - 1, Math.floor(p * oneStream.length))]
  return {
    oneStream: { p50Ms: round3(qs(0.5)), p99Ms: round3(qs(0.99)) },
    requests: opts.requests,
    payloadBytes: opts.payloadBytes,
    p50Ms: round3(q(0.5)),
    p99Ms: round3(q(0.99)),
    meanMs: round3(times.reduce((a, b) => a + b, 0) / times.length),
    concurrency: opts.concurrency,
    requestsPerSecond: Math.round(opts.requests / seconds)
  }
}

/** `count` round trips of `bytes` on one echo stream; returns each round trip's time (ms). */
async function pingPong (conn: Connection, bytes: number, count: number): Promise<number[]> {
  const stream = await conn.newStream(ECHO_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const times: number[] = []
  let pending = 0
  let wake: (() => void) | undefined
  stream.addEventListener('message', (evt) => {
    pending -= evt.data.byteLength
    if (pending <= 0) wake?.()
  })
  try {
    const payload = crypto.getRandomValues(new Uint8Array(bytes))
    for (let i = 0; i < count; i++) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const done = new Promise<void>((resolve, reject) => {
        wake = () => { clearTimeout(timer); resolve() }
        timer = setTimeout(() => { reject(new LitError('echo round trip timed out', 'ERR_TIMEOUT')) }, 10_000)
      })
      pending = bytes
      const t0 = performance.now()
      stream.send(payload)
      await done
      times.push(performance.now() - t0)
    }
    await stream.close()
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error('ping-pong failed'))
    throw err
  }
  return times
}

function round3 (x: number): number {
  return Math.round(x * 1000) / 1000
}
