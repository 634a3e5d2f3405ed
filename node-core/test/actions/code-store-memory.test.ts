/**
 * MemoryCodeStore (docs/actions.md §1.5–1.6): the store of in-memory nodes, with
 * an optional swarm standing in for bitswap; and the UTF-8 rule of §1.6 step 4.
 */
import { describe, expect, it } from 'vitest'
import { actionCid } from '../../src/actions/cid.js'
import { decodeActionCode } from '../../src/actions/code-store.js'
import { CodeSwarm, MemoryCodeStore } from '../../src/actions/code-store-memory.js'

async function caught (p: Promise<unknown>): Promise<Error & { code?: string, max?: number }> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

async function started (swarm?: CodeSwarm): Promise<MemoryCodeStore> {
  const s = new MemoryCodeStore(swarm !== undefined ? { swarm } : {})
  await s.start()
  return s
}

describe('MemoryCodeStore', () => {
  it('put returns the §1.2 CID; get finds it by either CID form', async () => {
    const s = await started()
    const stored = await s.put('hello')
    expect(stored).toEqual(await actionCid('hello'))
    expect(await s.get(stored.ipfsId, {})).toEqual({ code: 'hello', source: 'cache' })
    expect(await s.get(stored.cidV1, {})).toEqual({ code: 'hello', source: 'cache' })
    expect(await s.has(stored.ipfsId)).toBe(true)
  })

  it('without a swarm an unknown CID is ERR_ACTION_NOT_FOUND', async () => {
    const s = await started()
    const err = await caught(s.get((await actionCid('absent')).ipfsId, { timeoutMs: 10 }))
    expect(err.name).toBe('ActionNotFoundError')
    expect(err.code).toBe('ERR_ACTION_NOT_FOUND')
  })

  it('swarm members fetch from each other (source peer), then hold the code', async () => {
    const swarm = new CodeSwarm()
    const [a, b, c] = [await started(swarm), await started(swarm), await started(swarm)]
    const { ipfsId } = await a.put('shared code')
    expect(await b.get(ipfsId, {})).toEqual({ code: 'shared code', source: 'peer' })
    expect(await b.get(ipfsId, {})).toEqual({ code: 'shared code', source: 'cache' })
    await a.stop()
    expect(await c.get(ipfsId, {})).toEqual({ code: 'shared code', source: 'peer' }) // from b
  })

  it('a stopped member is not asked', async () => {
    const swarm = new CodeSwarm()
    const [a, b] = [await started(swarm), await started(swarm)]
    const { ipfsId } = await a.put('offline')
    await a.stop()
    expect((await caught(b.get(ipfsId, {}))).name).toBe('ActionNotFoundError')
  })

  it('a peer serving other code under a CID is ignored (the hash check)', async () => {
    const swarm = new CodeSwarm()
    const [liar, b] = [await started(swarm), await started(swarm)]
    const { ipfsId } = await actionCid('the real code')
    liar.plantForTest(ipfsId, 'evil code')
    expect((await caught(b.get(ipfsId, {}))).name).toBe('ActionNotFoundError')
    const honest = await started(swarm)
    await honest.put('the real code')
    expect(await b.get(ipfsId, {})).toEqual({ code: 'the real code', source: 'peer' })
  })

  it('refuses code over 512 KiB, a mismatching ipfsId and a malformed CID', async () => {
    const s = await started()
    const big = await caught(s.put('q'.repeat(512 * 1024 + 1)))
    expect(big.name).toBe('ActionCodeLimitError')
    expect(big.code).toBe('ERR_ACTION_LIMIT')
    expect(big.max).toBe(512 * 1024)
    expect((await caught(s.put('a', (await actionCid('b')).ipfsId))).name).toBe('BadRequestError')
    expect(await s.has((await actionCid('a')).ipfsId)).toBe(false)
    expect((await caught(s.get('Qm-not-a-cid', {}))).name).toBe('BadRequestError')
  })

  it('exactly 512 KiB of multi-byte code is accepted', async () => {
    const s = await started()
    const code = '€'.repeat(100_000) + 'é'.repeat(100_000) // 300 000 + 200 000 bytes, then ASCII to the byte
    const bytes = new TextEncoder().encode(code).length
    const exact = code + 'x'.repeat(512 * 1024 - bytes)
    expect(new TextEncoder().encode(exact).length).toBe(512 * 1024)
    expect((await s.put(exact)).bytes).toBe(512 * 1024)
  })
})

describe('decodeActionCode (actions.md §1.6 step 4)', () => {
  it('refuses invalid UTF-8 with ERR_BAD_REQUEST', () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80] /* a lone surrogate */, [0xc0, 0xaf]]) {
      let err: unknown
      try {
        decodeActionCode(new Uint8Array(bad))
      } catch (e) {
        err = e
      }
      expect((err as Error).name).toBe('BadRequestError')
    }
  })

  it('round-trips what the §1.2 encoder wrote, a leading BOM included', () => {
    for (const code of ['', 'hello\n', '\uFEFFhello', 'é€😀']) {
      expect(decodeActionCode(new TextEncoder().encode(code))).toBe(code)
    }
  })
})
