import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { memory } from '@libp2p/memory'
import { ping } from '@libp2p/ping'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { echo, ECHO_MAX_BYTES, type Echo } from '../../src/net/echo.js'
import { exchange } from '../../src/net/exchange.js'

type Peer = Libp2p<{ echo: Echo }>

async function peer (addr: string): Promise<Peer> {
  return await createLibp2p({
    addresses: { listen: [addr] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { echo: echo(), ping: ping() }
  })
}

describe('echo service and exchange (memory transport)', () => {
  let a: Peer
  let b: Peer
  beforeAll(async () => {
    a = await peer('/memory/lit-echo-a')
    b = await peer('/memory/lit-echo-b')
  })
  afterAll(async () => { await a?.stop(); await b?.stop() })

  it('echoes a request on a fresh stream and times it', async () => {
    const conn = await a.dial(b.getMultiaddrs()[0])
    const ms = await a.services.echo.echo(conn, new Uint8Array(64).fill(7), AbortSignal.timeout(5_000))
    expect(ms).toBeGreaterThan(0)
  })

  it('pings one specific connection with the libp2p ping protocol', async () => {
    const conn = await a.dial(b.getMultiaddrs()[0])
    const payload = new Uint8Array(32).map((_, i) => i)
    const { response } = await exchange(conn, '/ipfs/ping/1.0.0', payload, 32, { signal: AbortSignal.timeout(5_000) })
    expect(response).toEqual(payload)
  })

  it('fails with ExchangeError when the responder sends less than expected', async () => {
    const conn = await a.dial(b.getMultiaddrs()[0])
    await expect(exchange(conn, '/ipfs/ping/1.0.0', new Uint8Array(32), 64, { signal: AbortSignal.timeout(2_000) }))
      .rejects.toMatchObject({ name: 'ExchangeError', code: 'ERR_EXCHANGE' })
  })

  it('refuses a stream larger than ECHO_MAX_BYTES', async () => {
    const conn = await a.dial(b.getMultiaddrs()[0])
    const big = new Uint8Array(ECHO_MAX_BYTES + 1)
    await expect(exchange(conn, '/lit-testnet/echo/1.0.0', big, big.byteLength, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
  })
})
