import { streamPair } from '@libp2p/utils'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MalformedMessageError } from '../../src/errors.js'
import {
  decodeRequestFrame, decodeResponseFrame, encodeErrorFrame, encodeOkFrame, encodeRequestFrame, responseFrameLimit
} from '../../src/net/rpc/envelope.js'
import { encodeFrame, readFrame, writeFrame } from '../../src/net/rpc/frames.js'
import { bytesCodec, defineRpc, jsonCodec, schema } from '../../src/net/rpc/index.js'
import { decodeTopicMessage, defineTopic, encodeTopicMessage } from '../../src/net/broadcast/index.js'

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

describe('envelope', () => {
  it('round-trips request, ok and error frames', () => {
    const body = new Uint8Array([5, 6, 7])
    expect(encodeRequestFrame(body)).toEqual(new Uint8Array([1, 5, 6, 7]))
    expect([...decodeRequestFrame(encodeRequestFrame(body))]).toEqual([5, 6, 7])
    expect(encodeOkFrame(body)).toEqual(new Uint8Array([1, 0, 5, 6, 7]))
    const ok = decodeResponseFrame(encodeOkFrame(body))
    expect(ok.ok && [...ok.body]).toEqual([5, 6, 7])
    expect(decodeResponseFrame(encodeErrorFrame('ERR_NOT_FOUND', 'no such key')))
      .toEqual({ ok: false, code: 'ERR_NOT_FOUND', message: 'no such key' })
    expect(encodeErrorFrame('ERR_X', 'm')).toEqual(new Uint8Array([1, 1, 5, ...new TextEncoder().encode('ERR_Xm')]))
  })

  it('truncates error messages at 512 bytes without splitting a character', () => {
    const frame = encodeErrorFrame('ERR_INTERNAL', 'a' + '€'.repeat(400)) // 1 + 1200 bytes
    const decoded = decodeResponseFrame(frame)
    expect(decoded.ok).toBe(false)
    if (!decoded.ok) {
      expect(new TextEncoder().encode(decoded.message).length).toBe(511)
      expect(decoded.message).toBe('a' + '€'.repeat(170))
    }
    expect(frame.length).toBeLessThanOrEqual(responseFrameLimit(0))
  })

  it('refuses malformed frames with MalformedMessageError', () => {
    const bad: Uint8Array[] = [
      new Uint8Array([]), new Uint8Array([1]), new Uint8Array([2, 0]), new Uint8Array([1, 2]),
      new Uint8Array([1, 1]), new Uint8Array([1, 1, 10, 69]), new Uint8Array([1, 1, 3, 0x61, 0x62, 0x63]),
      new Uint8Array([1, 1, 5, ...new TextEncoder().encode('ERR_X'), 0xff]),
      new Uint8Array([1, 1, 5, ...new TextEncoder().encode('ERR_X'), ...new Uint8Array(513).fill(0x61)])
    ]
    for (const frame of bad) expect(() => decodeResponseFrame(frame)).toThrow(MalformedMessageError)
    expect(() => decodeRequestFrame(new Uint8Array([]))).toThrow(MalformedMessageError)
    expect(() => decodeRequestFrame(new Uint8Array([2, 1]))).toThrow(MalformedMessageError)
    expect(() => encodeErrorFrame('not a code', 'x')).toThrow(MalformedMessageError)
  })

  it('any bytes either decode or throw MalformedMessageError (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try { decodeResponseFrame(bytes) } catch (err) { expect(err).toBeInstanceOf(MalformedMessageError) }
      try { decodeRequestFrame(bytes) } catch (err) { expect(err).toBeInstanceOf(MalformedMessageError) }
    }), { seed: 42, numRuns: 500 })
  })
})

describe('frames on a stream', () => {
  it('encodes minimal varint prefixes', () => {
    expect([...encodeFrame(new Uint8Array(0))]).toEqual([0])
    expect([...encodeFrame(new Uint8Array(127)).subarray(0, 1)]).toEqual([127])
    expect([...encodeFrame(new Uint8Array(300)).subarray(0, 2)]).toEqual([0xac, 0x02])
  })

  it('reads one frame written in pieces', async () => {
    const [out, inn] = await streamPair()
    const reading = readFrame(inn, 1000, signal())
    const bytes = encodeFrame(new Uint8Array(600).fill(7))
    out.send(bytes.subarray(0, 1)); out.send(bytes.subarray(1, 300)); out.send(bytes.subarray(300))
    expect(await reading).toEqual(new Uint8Array(600).fill(7))
  })

  it('refuses from the prefix alone', async () => {
    const [out, inn] = await streamPair()
    const reading = readFrame(inn, 1000, signal())
    out.send(new Uint8Array([0xe9, 0x07])) // 1001, and no body at all
    await expect(reading).rejects.toMatchObject({ name: 'FrameTooLargeError', length: 1001, limit: 1000 })
  })

  it('refuses bad prefixes and early ends', async () => {
    for (const [bytes, name] of [
      [[0x80, 0x00], 'MalformedMessageError'],
      [[0xff, 0xff, 0xff, 0xff, 0x01], 'MalformedMessageError'],
      [[5, 1, 2], 'FrameEndedError']
    ] as const) {
      const [out, inn] = await streamPair()
      const reading = readFrame(inn, 1 << 20, signal())
      out.send(new Uint8Array(bytes))
      await out.close()
      await expect(reading).rejects.toMatchObject({ name })
    }
  })

  it('ends with the signal, and on a reset', async () => {
    const [, inn] = await streamPair()
    const controller = new AbortController()
    const reading = readFrame(inn, 10, controller.signal)
    controller.abort(new Error('stop'))
    await expect(reading).rejects.toThrow('stop')
    const [out2, inn2] = await streamPair()
    const reading2 = readFrame(inn2, 10, signal())
    out2.abort(new Error('peer died'))
    await expect(reading2).rejects.toMatchObject({ name: 'FrameStreamError' })
  })

  it('writeFrame + readFrame round trip a large frame through back-pressure', async () => {
    const [out, inn] = await streamPair()
    const data = crypto.getRandomValues(new Uint8Array(60_000))
    const [, got] = await Promise.all([writeFrame(out, data, signal()), readFrame(inn, 100_000, signal())])
    expect(got).toEqual(data)
  })
})

describe('schema and json codec', () => {
  const s = schema.object({
    id: schema.hex({ bytes: 4 }),
    kind: schema.oneOf(['a', 'b'] as const),
    tags: schema.array(schema.string({ maxLength: 5 }), { maxLength: 3 }),
    ok: schema.boolean(),
    n: schema.optional(schema.int({ min: 1, max: 9 }))
  })
  const codec = jsonCodec(s, 'thing')
  const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

  it('round-trips and infers types', () => {
    const v = { id: '0a0b0c0d', kind: 'a' as const, tags: ['x'], ok: true }
    expect(codec.decode(codec.encode(v))).toEqual(v)
    const withN = codec.decode(enc({ ...v, n: 3 }))
    expect(withN.n).toBe(3)
  })

  it('refuses wrong shapes, naming the field', () => {
    const good = { id: '0a0b0c0d', kind: 'a', tags: [], ok: false }
    const cases: Array<[unknown, string]> = [
      [{ ...good, extra: 1 }, 'thing.extra'],
      [{ ...good, id: '0A0B0C0D' }, 'thing.id'],
      [{ ...good, id: '0a0b0c' }, 'thing.id'],
      [{ ...good, kind: 'c' }, 'thing.kind'],
      [{ ...good, tags: ['toolong'] }, 'thing.tags[0]'],
      [{ ...good, tags: ['a', 'b', 'c', 'd'] }, 'thing.tags'],
      [{ ...good, n: 1.5 }, 'thing.n'],
      [{ ...good, n: null }, 'thing.n'],
      [{ kind: 'a', tags: [], ok: true }, 'thing.id'],
      [[good], 'thing']
    ]
    for (const [value, field] of cases) {
      expect(() => codec.decode(enc(value))).toThrow(MalformedMessageError)
      try { codec.decode(enc(value)) } catch (err) { expect((err as MalformedMessageError).field).toBe(field) }
    }
    expect(() => codec.decode(new TextEncoder().encode('{"__proto__":{"x":1},"id":"0a0b0c0d","kind":"a","tags":[],"ok":true}'))).toThrow(/unknown field/)
    expect(() => codec.decode(new Uint8Array([0xff]))).toThrow(/UTF-8/)
    expect(() => codec.decode(new TextEncoder().encode('{'))).toThrow(/JSON/)
    expect(() => codec.encode({ ...good, kind: 'z' } as any)).toThrow(MalformedMessageError)
  })
})

describe('definitions', () => {
  const base = { name: 'x', version: 1, maxRequestBytes: 1, maxResponseBytes: 1, timeoutMs: 1, request: bytesCodec, response: bytesCodec }
  it('refuse bad parameters with InvalidArgumentError naming the field', () => {
    for (const [patch, field] of [
      [{ name: 'Bad Name' }, 'name'], [{ name: '/lead' }, 'name'], [{ version: 0 }, 'version'], [{ version: 1.5 }, 'version'],
      [{ maxRequestBytes: -1 }, 'maxRequestBytes'], [{ maxResponseBytes: 2 ** 30 }, 'maxResponseBytes'],
      [{ timeoutMs: 0 }, 'timeoutMs'], [{ request: {} }, 'request']
    ] as const) {
      expect(() => defineRpc({ ...base, ...patch } as any)).toThrow(new RegExp(`invalid ${field}`))
    }
    expect(() => defineTopic({ name: 'ok', version: 1, maxBytes: 2 ** 21, codec: bytesCodec })).toThrow(/invalid maxBytes/)
  })

  it('topic payloads: size, then version, then codec', () => {
    const t = defineTopic({ name: 't', version: 2, maxBytes: 4, codec: bytesCodec })
    expect(encodeTopicMessage(t, new Uint8Array([9]))).toEqual(new Uint8Array([1, 9]))
    expect(decodeTopicMessage(t, new Uint8Array([1, 9]))).toEqual(new Uint8Array([9]))
    expect(() => decodeTopicMessage(t, new Uint8Array(6))).toThrow(/exceeds 4 bytes/)
    expect(() => decodeTopicMessage(t, new Uint8Array([2, 1]))).toThrow(/envelope version 2/)
    expect(() => encodeTopicMessage(t, new Uint8Array(5))).toThrow(/exceeds 4 bytes/)
  })
})
