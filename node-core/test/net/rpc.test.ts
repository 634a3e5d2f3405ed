import { lpStream } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bytesCodec, createRpcService, defineRpc, jsonCodec, schema, NotFoundError, UnauthorizedError,
  type HandlerContext, type RpcService
} from '../../src/net/rpc/index.js'
import { decodeResponseFrame, encodeRequestFrame } from '../../src/net/rpc/envelope.js'
import { CHANNEL_PROTOCOL } from '../../src/net/rpc/channel-frames.js'
import { CapturingLogger, connect, createTestNode, type TestNode } from './nodes.js'

const Echo = defineRpc({
  name: 'test/echo',
  version: 1,
  maxRequestBytes: 1024,
  maxResponseBytes: 1024,
  timeoutMs: 5_000,
  request: bytesCodec,
  response: bytesCodec,
  maxInboundStreams: 256,
  maxOutboundStreams: 256
})

const lookupRequest = schema.object({ key: schema.string({ maxLength: 32 }), n: schema.optional(schema.int({ min: 0, max: 10 })) })
const lookupResponse = schema.object({ value: schema.string({ maxLength: 1024 }), from: schema.string({ maxLength: 128 }) })
const Lookup = defineRpc({
  name: 'test/lookup',
  version: 2,
  maxRequestBytes: 256,
  maxResponseBytes: 1024,
  timeoutMs: 5_000,
  request: jsonCodec(lookupRequest, 'lookup request'),
  response: jsonCodec(lookupResponse, 'lookup response')
})

/** Same protocol id as Lookup, but this side believes larger messages are fine. */
const LookupLoose = defineRpc({ ...Lookup, maxRequestBytes: 100_000, maxResponseBytes: 100_000 })

describe('rpc over libp2p', () => {
  let server: TestNode
  let client: TestNode
  let serverRpc: RpcService
  let clientRpc: RpcService
  const slowStarted: Array<() => void> = []
  let lastHandlerSignal: AbortSignal | undefined
  const serverLog = new CapturingLogger()

  beforeAll(async () => {
    [server, client] = await Promise.all([createTestNode(), createTestNode()])
    // Narrow components: only what the service needs, with a logger the test can read.
    serverRpc = createRpcService({
      handle: server.handle.bind(server),
      unhandle: server.unhandle.bind(server),
      dialProtocol: server.dialProtocol.bind(server),
      logger: serverLog
    })
    clientRpc = createRpcService(client)
    await Promise.all([serverRpc.start(), clientRpc.start()])
    await serverRpc.handle(Echo, (req) => req)
    await serverRpc.handle(Lookup, async (req, ctx: HandlerContext) => {
      if (req.key === 'secret') throw new UnauthorizedError('not for you')
      if (req.key === 'missing') throw new NotFoundError()
      if (req.key === 'crash') throw new Error('boom: internal detail that must not leak')
      if (req.key === 'big') return { value: 'x'.repeat(1000), from: 'y'.repeat(100) }
      if (req.key === 'slow') {
        lastHandlerSignal = ctx.signal
        slowStarted.shift()?.()
        await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => { reject(ctx.signal.reason) }))
      }
      return { value: req.key.repeat(req.n ?? 1), from: ctx.remotePeer.toString() }
    })
    await connect(client, server)
  })

  afterAll(async () => {
    await Promise.all([serverRpc.stop(), clientRpc.stop()])
    await Promise.all([server.stop(), client.stop()])
  })

  it('round-trips a request and names the authenticated caller', async () => {
    const res = await clientRpc.request(Lookup, server.peerId, { key: 'ab', n: 3 })
    expect(res).toEqual({ value: 'ababab', from: client.peerId.toString() })
    const echoed = await clientRpc.request(Echo, server.peerId, new Uint8Array([1, 2, 3]))
    expect([...echoed]).toEqual([1, 2, 3])
  })

  it('uses /lit/<name>/<version>.0.0 ids', () => {
    expect(Lookup.protocol).toBe('/lit/test/lookup/2.0.0')
  })

  it('refuses an oversized request before sending it', async () => {
    const err = await clientRpc.request(Echo, server.peerId, new Uint8Array(1025)).catch(e => e)
    expect(err.name).toBe('MessageTooLargeError')
    expect(err.direction).toBe('request')
  })

  it('server refuses an oversized request from its length prefix', async () => {
    const err = await clientRpc.request(LookupLoose, server.peerId, { key: 'a'.repeat(300) } as any).catch(e => e)
    // The loose client encodes it, but the JSON schema on its own side refuses first: bypass with raw bytes below.
    expect(err.name).toBe('MalformedMessageError')

    // A raw stream that only announces a 10 MB frame: the server answers at once, having buffered nothing.
    const stream = await client.dialProtocol(server.peerId, Lookup.protocol)
    stream.send(varint.encode(10_000_000))
    const lp = lpStream(stream)
    const frame = decodeResponseFrame((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray())
    expect(frame).toEqual({ ok: false, code: 'ERR_REQUEST_TOO_LARGE', message: 'request exceeds 256 bytes' })
    await stream.close()
  })

  it('maps the peer\'s request-too-large refusal to MessageTooLargeError', async () => {
    const LooseEcho = defineRpc({ ...Echo, maxRequestBytes: 5_000 })
    const err = await clientRpc.request(LooseEcho, server.peerId, new Uint8Array(2_000)).catch(e => e)
    expect(err.name).toBe('MessageTooLargeError')
    expect(err.direction).toBe('request')
  })

  it('refuses an oversized response on both sides', async () => {
    // Server side: the handler's answer exceeds 1024 bytes, nothing of it is sent.
    const err = await clientRpc.request(Lookup, server.peerId, { key: 'big' }).catch(e => e)
    expect(err.name).toBe('MessageTooLargeError')
    expect(err.direction).toBe('response')

    // Client side: a server that believes big responses are fine; the client refuses from the length prefix.
    const [other, otherRpc] = await startServer(async rpc => {
      await rpc.handle(LookupLoose, () => ({ value: 'z'.repeat(1000), from: 'w'.repeat(100) }))
    })
    try {
      const err2 = await clientRpc.request(Lookup, other.peerId, { key: 'k' }).catch(e => e)
      expect(err2.name).toBe('MessageTooLargeError')
      expect(err2.direction).toBe('response')
      expect(err2.message).toContain('peer announced')
    } finally {
      await otherRpc.stop(); await other.stop()
    }
  })

  it('reports a malformed request as ERR_BAD_REQUEST', async () => {
    const stream = await client.dialProtocol(server.peerId, Lookup.protocol)
    const lp = lpStream(stream)
    await lp.write(encodeRequestFrame(new TextEncoder().encode('{"key":"a","extra":1}')))
    const frame = decodeResponseFrame((await lp.read()).subarray())
    expect(frame.ok).toBe(false)
    expect(frame.ok === false && frame.code).toBe('ERR_BAD_REQUEST')
    expect(frame.ok === false && frame.message).toContain('unknown field')
    await stream.close()
    // Through the client API the same thing arrives as a RemoteError with that code.
    const BadClient = defineRpc({ ...Lookup, request: bytesCodec })
    const err = await clientRpc.request(BadClient, server.peerId, new Uint8Array([0xff])).catch(e => e)
    expect(err.name).toBe('RemoteError')
    expect(err.code).toBe('ERR_BAD_REQUEST')
  })

  it('reports a malformed response as MalformedMessageError', async () => {
    const StrictEcho = defineRpc({ ...Echo, response: jsonCodec(lookupResponse) })
    const err = await clientRpc.request(StrictEcho, server.peerId, new TextEncoder().encode('{"value":1}')).catch(e => e)
    expect(err.name).toBe('MalformedMessageError')
  })

  it('answers UnsupportedProtocolError for an unknown name and for another major version', async () => {
    const Unknown = defineRpc({ ...Echo, name: 'test/nothing-here' })
    const err = await clientRpc.request(Unknown, server.peerId, new Uint8Array(1)).catch(e => e)
    expect(err.name).toBe('UnsupportedProtocolError')
    expect(err.protocol).toBe('/lit/test/nothing-here/1.0.0')
    const V3 = defineRpc({ ...Lookup, version: 3 })
    const err2 = await clientRpc.request(V3, server.peerId, { key: 'a' }).catch(e => e)
    expect(err2.name).toBe('UnsupportedProtocolError')
  })

  it('delivers handler errors as RemoteError with their code, and hides internal ones', async () => {
    const unauthorized = await clientRpc.request(Lookup, server.peerId, { key: 'secret' }).catch(e => e)
    expect(unauthorized.name).toBe('RemoteError')
    expect(unauthorized.code).toBe('ERR_UNAUTHORIZED')
    expect(unauthorized.message).toBe('not for you')
    expect(unauthorized.remotePeer).toBe(server.peerId.toString())
    const missing = await clientRpc.request(Lookup, server.peerId, { key: 'missing' }).catch(e => e)
    expect(missing.code).toBe('ERR_NOT_FOUND')
    const crash = await clientRpc.request(Lookup, server.peerId, { key: 'crash' }).catch(e => e)
    expect(crash.code).toBe('ERR_INTERNAL')
    expect(crash.message).toBe('internal error')
    expect(String(crash.stack)).not.toContain('boom')
  })

  it('times out with RpcTimeoutError and the handler sees its signal abort', async () => {
    const started = new Promise<void>(resolve => slowStarted.push(resolve))
    const call = clientRpc.request(Lookup, server.peerId, { key: 'slow' }, { timeoutMs: 300 }).catch(e => e)
    await started
    const err = await call
    expect(err.name).toBe('RpcTimeoutError')
    // The client reset the stream, so the server's handler is cancelled too.
    await waitForAbort(lastHandlerSignal!)
  })

  it('aborts with RpcAbortedError', async () => {
    const started = new Promise<void>(resolve => slowStarted.push(resolve))
    const controller = new AbortController()
    const call = clientRpc.request(Lookup, server.peerId, { key: 'slow' }, { signal: controller.signal }).catch(e => e)
    await started
    controller.abort()
    const err = await call
    expect(err.name).toBe('RpcAbortedError')
    await waitForAbort(lastHandlerSignal!)
    const already = await clientRpc.request(Echo, server.peerId, new Uint8Array(1), { signal: AbortSignal.abort() }).catch(e => e)
    expect(already.name).toBe('RpcAbortedError')
  })

  it('survives garbage on a raw stream; the same connection keeps serving', async () => {
    const connectionsBefore = client.getConnections(server.peerId)
    expect(connectionsBefore).toHaveLength(1)
    const refusedBefore = serverLog.count(/refused/)
    const resetBefore = serverLog.count(/reset/)
    const badBefore = serverLog.count(/refused.*ERR_BAD_REQUEST/)
    const garbage: Uint8Array[] = [
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // endless varint
      new Uint8Array([3, 9, 9, 9]), // wrong envelope version
      new Uint8Array([0]), // empty frame
      new Uint8Array(4000).fill(0x42) // a frame of 66 bytes with envelope version 0x42, then more junk
    ]
    for (const bytes of garbage) {
      const stream = await client.dialProtocol(server.peerId, Echo.protocol)
      stream.send(bytes)
      await stream.close().catch(() => {})
      // Wait for the server to end the stream (an error frame, or a reset).
      await new Promise<void>(resolve => {
        if (stream.status !== 'open') { resolve(); return }
        stream.addEventListener('close', () => { resolve() }, { once: true })
        stream.addEventListener('message', () => {}) // drain whatever the server answers
      })
    }
    // A stream aborted mid-request by the client does not hurt either.
    const half = await client.dialProtocol(server.peerId, Echo.protocol)
    half.send(varint.encode(100))
    half.abort(new Error('client gave up'))
    // Every bad stream left a log line: four refusals with ERR_BAD_REQUEST, and a reset for the abandoned stream.
    await serverLog.waitFor(/refused|reset/, refusedBefore + resetBefore + 5)
    expect(serverLog.count(/refused.*ERR_BAD_REQUEST/) - badBefore).toBe(4)

    const res = await clientRpc.request(Echo, server.peerId, new Uint8Array([42]))
    expect([...res]).toEqual([42])
    expect(client.getConnections(server.peerId)).toEqual(connectionsBefore)
    expect(connectionsBefore[0].status).toBe('open')
  })

  it('runs 200 concurrent requests on one connection', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const payload = new Uint8Array([i & 0xff, i >> 8])
      return await clientRpc.request(Echo, server.peerId, payload)
    }))
    results.forEach((r, i) => { expect([...r]).toEqual([i & 0xff, i >> 8]) })
    expect(client.getConnections(server.peerId)).toHaveLength(1)
  })

  it('leaves no streams open after calls but the one channel', async () => {
    await Promise.all(Array.from({ length: 20 }, async () => await clientRpc.request(Echo, server.peerId, new Uint8Array([1]))))
    const [conn] = client.getConnections(server.peerId)
    await until(() => conn.streams.filter(s => s.protocol.startsWith('/lit/') && s.protocol !== CHANNEL_PROTOCOL).length === 0)
    expect(conn.streams.filter(s => s.protocol === CHANNEL_PROTOCOL).length).toBeLessThanOrEqual(2)
  })

  it('a service without channels uses a stream per call and leaves none open', async () => {
    const plain = createRpcService({ handle: client.handle.bind(client), unhandle: client.unhandle.bind(client), dialProtocol: client.dialProtocol.bind(client), logger: client.logger }, { channels: false })
    await plain.start()
    try {
      expect([...await plain.request(Echo, server.peerId, new Uint8Array([7]))]).toEqual([7])
      const [conn] = client.getConnections(server.peerId)
      const channelsBefore = conn.streams.filter(s => s.protocol === CHANNEL_PROTOCOL).length
      await plain.request(Echo, server.peerId, new Uint8Array([8]))
      expect(conn.streams.filter(s => s.protocol === CHANNEL_PROTOCOL).length).toBe(channelsBefore)
      await until(() => conn.streams.filter(s => s.protocol === Echo.protocol).length === 0)
    } finally {
      await plain.stop()
    }
  })

  it('PeerUnreachableError for a peer that cannot be dialled', async () => {
    const gone = await createTestNode()
    const id = gone.peerId
    const addrs = gone.getMultiaddrs()
    await gone.stop()
    const err = await clientRpc.request(Echo, addrs, new Uint8Array(1)).catch(e => e)
    expect(err.name).toBe('PeerUnreachableError')
    expect(id).toBeDefined()
  })

  it('stop() ends calls in flight with RpcAbortedError and unregisters handlers', async () => {
    const [other, otherRpc] = await startServer(async rpc => {
      await rpc.handle(Lookup, async (_req, ctx) => await new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => { reject(ctx.signal.reason) })
        slowStarted.shift()?.()
      }))
    })
    const caller = createRpcService(client)
    await caller.start()
    try {
      const started = new Promise<void>(resolve => slowStarted.push(resolve))
      const call = caller.request(Lookup, other.peerId, { key: 'k' }).catch(e => e)
      await started
      await caller.stop()
      expect((await call).name).toBe('RpcAbortedError')
      await otherRpc.stop()
      const err = await clientRpc.request(Lookup, other.peerId, { key: 'k' }).catch(e => e)
      expect(err.name).toBe('UnsupportedProtocolError')
      expect((await caller.request(Echo, server.peerId, new Uint8Array(1)).catch(e => e)).name).toBe('RpcNotStartedError')
    } finally {
      await other.stop()
    }
  })

  async function startServer (setup: (rpc: RpcService) => Promise<void>): Promise<[TestNode, RpcService]> {
    const node = await createTestNode()
    const rpc = createRpcService(node)
    await rpc.start()
    await setup(rpc)
    await connect(client, node)
    return [node, rpc]
  }
})

async function waitForAbort (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => signal.addEventListener('abort', () => { resolve() }, { once: true }))
}

/** Poll a condition that has no event (stream bookkeeping inside libp2p). */
async function until (condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
