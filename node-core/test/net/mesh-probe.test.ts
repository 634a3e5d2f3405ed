/**
 * The mesh's dialer choice and its long-lived probe stream (docs/testnet.md §2).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { memory } from '@libp2p/memory'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { echo, ECHO_PROTOCOL, type Echo } from '../../src/net/echo.js'
import { ProbeStream } from '../../src/net/exchange.js'
import { designatedDialer } from '../../src/net/mesh.js'

describe('designatedDialer', () => {
  const ids = Array.from({ length: 40 }, (_, i) => `12D3KooW${String(i).padStart(3, '0')}peer${(i * 7919) % 1000}`)

  it('is one of the pair and the same from both sides', () => {
    for (const a of ids) {
      for (const b of ids) {
        if (a === b) continue
        const d = designatedDialer(a, b)
        expect([a, b]).toContain(d)
        expect(designatedDialer(b, a)).toBe(d)
      }
    }
  })

  it('spreads the dials: not always the lower id', () => {
    let lower = 0
    let pairs = 0
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        pairs++
        if (designatedDialer(ids[i], ids[j]) === (ids[i] < ids[j] ? ids[i] : ids[j])) lower++
      }
    }
    // 780 pairs: a fair coin gives 390 ± 14 (1 sd); far from all or none.
    expect(lower).toBeGreaterThan(pairs * 0.35)
    expect(lower).toBeLessThan(pairs * 0.65)
  })
})

describe('ProbeStream (memory transport)', () => {
  type Peer = Libp2p<{ echo: Echo }>
  let a: Peer
  let b: Peer
  const peer = async (addr: string): Promise<Peer> => await createLibp2p({
    addresses: { listen: [addr] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { echo: echo() }
  })
  beforeAll(async () => {
    a = await peer('/memory/lit-probe-a')
    b = await peer('/memory/lit-probe-b')
  })
  afterAll(async () => { await a?.stop(); await b?.stop() })

  it('does many round trips on one stream', async () => {
    const conn = await a.dial(b.getMultiaddrs()[0])
    const probe = await ProbeStream.open(conn, ECHO_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
    for (let i = 0; i < 20; i++) {
      const ms = await probe.roundTrip(new Uint8Array(32).fill(i), AbortSignal.timeout(5_000))
      expect(ms).toBeGreaterThanOrEqual(0)
    }
    expect(conn.streams.filter(s => s.protocol === ECHO_PROTOCOL)).toHaveLength(1)
    expect(probe.isOpen).toBe(true)
    probe.close()
    expect(probe.isOpen).toBe(false)
    await expect(probe.roundTrip(new Uint8Array(32), AbortSignal.timeout(1_000))).rejects.toMatchObject({ name: 'ExchangeError' })
  })

  it('fails with ExchangeError when the answer differs from the probe', async () => {
    // A responder that answers every chunk with zeros instead of echoing it.
    await b.handle('/lit-test/not-echo/1.0.0', (stream) => {
      stream.addEventListener('message', (evt) => { stream.send(new Uint8Array(evt.data.byteLength)) })
    })
    const conn = await a.dial(b.getMultiaddrs()[0])
    const probe = await ProbeStream.open(conn, '/lit-test/not-echo/1.0.0', { signal: AbortSignal.timeout(5_000) })
    await expect(probe.roundTrip(new Uint8Array(32).fill(9), AbortSignal.timeout(5_000)))
      .rejects.toMatchObject({ name: 'ExchangeError', message: 'probe answered with different bytes' })
    probe.close()
  })

  it('gives up at the deadline when no answer comes', async () => {
    await b.handle('/lit-test/silent/1.0.0', () => {})
    const conn = await a.dial(b.getMultiaddrs()[0])
    const probe = await ProbeStream.open(conn, '/lit-test/silent/1.0.0', { signal: AbortSignal.timeout(5_000) })
    await expect(probe.roundTrip(new Uint8Array(32), AbortSignal.timeout(300))).rejects.toThrow()
    probe.close()
  })
})
