import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CHANNEL_PROTOCOL, FrameSplitter, decodeChannelFrame, encodeChannelCancel, encodeChannelRequest, encodeChannelResponse
} from '../../src/net/rpc/channel-frames.js'
import { encodeFrame } from '../../src/net/rpc/frames.js'
import { bytesCodec, createRpcService, defineRpc, type RpcService } from '../../src/net/rpc/index.js'
import { CapturingLogger, connect, createTestNode, type TestNode } from './nodes.js'

describe('channel frames', () => {
  it('splits frames across chunk boundaries and several per chunk', () => {
    const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(200).fill(7), new Uint8Array(0)]
    const wire = new Uint8Array(frames.reduce((n, f) => n + encodeFrame(f).length, 0))
    let at = 0
    for (const f of frames) { const e = encodeFrame(f); wire.set(e, at); at += e.length }
    for (const cut of [1, 2, 3, 7, 150, wire.length]) {
      const splitter = new FrameSplitter(1024)
      const out: Uint8Array[] = []
      for (let i = 0; i < wire.length; i += cut) out.push(...splitter.push(wire.subarray(i, i + cut)))
      expect(out.map((f) => [...f])).toEqual(frames.map((f) => [...f]))
      expect(splitter.idle).toBe(true)
    }
  })

  it('refuses a prefix over the limit before buffering, and bad varints', () => {
    expect(() => new FrameSplitter(100).push(encodeFrame(new Uint8Array(101)).subarray(0, 2))).toThrow(/exceeds 100/)
    expect(() => new FrameSplitter(100).push(new Uint8Array([0x80, 0x00]))).toThrow(/non-minimal/)
    expect(() => new FrameSplitter(100).push(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(/longer than 4 bytes/)
  })

  it('round-trips request, response and cancel frames', () => {
    const req = decodeChannelFrame(encodeChannelRequest(77, '/lit/test/1.0.0', new Uint8Array([1, 9])))
    expect(req).toEqual({ kind: 'request', callId: 77, protocol: '/lit/test/1.0.0', envelope: new Uint8Array([1, 9]) })
    const res = decodeChannelFrame(encodeChannelResponse(0xffffffff, new Uint8Array([1, 0, 5])))
    expect(res).toEqual({ kind: 'response', callId: 0xffffffff, envelope: new Uint8Array([1, 0, 5]) })
    expect(decodeChannelFrame(encodeChannelCancel(3))).toEqual({ kind: 'cancel', callId: 3 })
  })

  it('refuses malformed frames with the field named', () => {
    expect(() => decodeChannelFrame(new Uint8Array([1, 0, 0]))).toThrow(/shorter than 5/)
    expect(() => decodeChannelFrame(new Uint8Array([9, 0, 0, 0, 1]))).toThrow(/unknown kind 9/)
    expect(() => decodeChannelFrame(new Uint8Array([2, 0, 0, 0, 0]))).toThrow(/callId/)
    expect(() => decodeChannelFrame(new Uint8Array([3, 0, 0, 0, 1, 0]))).toThrow(/trailing/)
    expect(() => decodeChannelFrame(new Uint8Array([1, 0, 0, 0, 1, 10, 0x2f]))).toThrow(/cut short/)
    expect(() => decodeChannelFrame(new Uint8Array([1, 0, 0, 0, 1, 2, 0x61, 0x0a]))).toThrow(/protocol/)
    expect(() => encodeChannelRequest(0, '/x', new Uint8Array())).toThrow(/callId/)
    expect(() => encodeChannelRequest(1, 'no-slash', new Uint8Array())).toThrow(/protocol/)
  })
})

const Echo = defineRpc({ name: 'test/channel-echo', version: 1, maxRequestBytes: 4096, maxResponseBytes: 4096, timeoutMs: 5_000, request: bytesCodec, response: bytesCodec })
const Hang = defineRpc({ name: 'test/channel-hang', version: 1, maxRequestBytes: 64, maxResponseBytes: 64, timeoutMs: 5_000, request: bytesCodec, response: bytesCodec })

describe('channels over libp2p', () => {
  let server: TestNode
  let client: TestNode
  let serverRpc: RpcService
  let clientRpc: RpcService
  const serverLog = new CapturingLogger()
  const hangStarted: Array<(signal: AbortSignal) => void> = []

  beforeAll(async () => {
    [server, client] = await Promise.all([createTestNode(), createTestNode()])
    serverRpc = createRpcService({ handle: server.handle.bind(server), unhandle: server.unhandle.bind(server), dialProtocol: server.dialProtocol.bind(server), logger: serverLog })
    clientRpc = createRpcService(client)
    await Promise.all([serverRpc.start(), clientRpc.start()])
    await serverRpc.handle(Echo, (req) => req)
    await serverRpc.handle(Hang, async (_req, ctx) => {
      hangStarted.shift()?.(ctx.signal)
      return await new Promise((_resolve, reject) => { ctx.signal.addEventListener('abort', () => { reject(ctx.signal.reason) }) })
    })
    await connect(client, server)
  })

  afterAll(async () => {
    await Promise.all([serverRpc.stop(), clientRpc.stop()])
    await Promise.all([server.stop(), client.stop()])
  })

  const channelStreams = (): number => client.getConnections(server.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === CHANNEL_PROTOCOL).length
  const perCallStreams = (): number => client.getConnections(server.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === Echo.protocol).length

  it('carries many calls, concurrent and sequential, on one stream', async () => {
    const concurrent = await Promise.all(Array.from({ length: 100 }, async (_, i) => await clientRpc.request(Echo, server.peerId, new Uint8Array([i]))))
    concurrent.forEach((r, i) => { expect([...r]).toEqual([i]) })
    for (let i = 0; i < 20; i++) expect([...await clientRpc.request(Echo, server.peerId, new Uint8Array([i, i]))]).toEqual([i, i])
    expect(channelStreams()).toBe(1)
    expect(perCallStreams()).toBe(0)
  })

  it('an aborted call cancels the handler on the server, and the channel goes on', async () => {
    const started = new Promise<AbortSignal>((resolve) => hangStarted.push(resolve))
    const controller = new AbortController()
    const call = clientRpc.request(Hang, server.peerId, new Uint8Array(1), { signal: controller.signal }).catch((e) => e)
    const handlerSignal = await started
    controller.abort()
    expect((await call).name).toBe('RpcAbortedError')
    if (!handlerSignal.aborted) await new Promise((resolve) => handlerSignal.addEventListener('abort', resolve, { once: true }))
    expect(handlerSignal.aborted).toBe(true)
    expect([...await clientRpc.request(Echo, server.peerId, new Uint8Array([5]))]).toEqual([5])
    expect(channelStreams()).toBe(1)
  })

  it('a call timing out on the caller cancels it on the server', async () => {
    const started = new Promise<AbortSignal>((resolve) => hangStarted.push(resolve))
    const call = clientRpc.request(Hang, server.peerId, new Uint8Array(1), { timeoutMs: 200 }).catch((e) => e)
    const handlerSignal = await started
    expect((await call).name).toBe('RpcTimeoutError')
    if (!handlerSignal.aborted) await new Promise((resolve) => handlerSignal.addEventListener('abort', resolve, { once: true }))
    expect(handlerSignal.aborted).toBe(true)
  })

  it('garbage on a channel resets that channel only; other channels and the connection keep serving', async () => {
    const connections = client.getConnections(server.peerId)
    const before = serverLog.count(/channel from .* reset/)
    for (const bytes of [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]), encodeFrame(new Uint8Array([9, 0, 0, 0, 1])), encodeFrame(encodeChannelResponse(1, new Uint8Array([1, 0])))]) {
      const raw = await client.dialProtocol(server.peerId, CHANNEL_PROTOCOL)
      const closed = new Promise<void>((resolve) => { raw.addEventListener('close', () => { resolve() }, { once: true }) })
      raw.send(bytes)
      await closed
    }
    expect(serverLog.count(/channel from .* reset/) - before).toBe(3)
    expect([...await clientRpc.request(Echo, server.peerId, new Uint8Array([6]))]).toEqual([6])
    expect(client.getConnections(server.peerId)).toEqual(connections)
  })

  it('answers a call for an unknown protocol on a raw channel with an error frame, not a reset', async () => {
    const raw = await client.dialProtocol(server.peerId, CHANNEL_PROTOCOL)
    const answer = new Promise<Uint8Array>((resolve) => {
      const splitter = new FrameSplitter(4096)
      raw.addEventListener('message', (evt) => {
        const data = evt.data
        for (const chunk of data instanceof Uint8Array ? [data] : [...data]) for (const f of splitter.push(chunk)) resolve(f)
      })
    })
    raw.send(encodeFrame(encodeChannelRequest(4, '/lit/nobody/1.0.0', new Uint8Array([1]))))
    const frame = decodeChannelFrame(await answer)
    expect(frame.kind).toBe('response')
    expect(new TextDecoder().decode(frame.kind === 'response' ? frame.envelope : new Uint8Array())).toContain('ERR_UNSUPPORTED_PROTOCOL')
    await raw.close()
  })

  it('a channel that dies fails its calls in flight, and the next call opens a new one', async () => {
    const started = new Promise<AbortSignal>((resolve) => hangStarted.push(resolve))
    const call = clientRpc.request(Hang, server.peerId, new Uint8Array(1)).catch((e) => e)
    await started
    const [channel] = client.getConnections(server.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === CHANNEL_PROTOCOL && s.direction === 'outbound')
    channel.abort(new Error('test kills the channel'))
    expect((await call).name).toBe('RpcStreamError')
    expect([...await clientRpc.request(Echo, server.peerId, new Uint8Array([8]))]).toEqual([8])
    expect(channelStreams()).toBe(1)
  })

  it('falls back to a stream per call with a peer that has no channels', async () => {
    const plain = await createTestNode()
    const plainRpc = createRpcService(plain, { channels: false })
    await plainRpc.start()
    await plainRpc.handle(Echo, (req) => req)
    try {
      await connect(client, plain)
      expect([...await clientRpc.request(Echo, plain.peerId, new Uint8Array([3]))]).toEqual([3])
      expect([...await clientRpc.request(Echo, plain.peerId, new Uint8Array([4]))]).toEqual([4])
      expect(client.getConnections(plain.peerId).flatMap((c) => c.streams).filter((s) => s.protocol === CHANNEL_PROTOCOL)).toHaveLength(0)
    } finally {
      await plainRpc.stop()
      await plain.stop()
    }
  })
})
