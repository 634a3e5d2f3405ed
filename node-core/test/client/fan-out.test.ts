/**
 * fanOut over a toy share scheme (a share is one byte; 0xff is a bad share that
 * combining names): who is asked when, what counts as a fault, and the audit of
 * answers that come after the result.
 */
import { describe, expect, it } from 'vitest'
import { fanOut } from '../../src/client/fan-out.js'
import { ShareCollector } from '../../src/client/share-collector.js'
import { LitError } from '../../src/errors.js'

const BAD = 0xff

function collector (nodes: string[], needed: number, extra: { checkUsed?: () => string[], prepare?: () => void } = {}): ShareCollector<number, number> {
  return new ShareCollector<number, number>({
    operation: 'toy',
    expected: new Map(nodes.map((n, i) => [n, i + 1])),
    needed,
    deadlineAt: Date.now() + 10_000,
    settleMs: 0,
    scheme: {
      accept: (_node, _id, answer) => answer[0],
      combine: (shares) => {
        const culprits = [...shares].filter(([, v]) => v === BAD).map(([n]) => n)
        const good = [...shares].filter(([, v]) => v !== BAD)
        return good.length >= needed ? { result: good.reduce((a, [, v]) => a + v, 0), culprits } : { culprits }
      },
      verify: (share) => share !== BAD,
      ...extra
    }
  })
}

type Behaviour = { share: number } | { fail: true } | { hang: true } | { after: number, share: number }

/** A fake network: records who was asked, answers as told. */
function network (behaviour: Record<string, Behaviour>): { asked: string[], ask: (node: string, signal: AbortSignal) => Promise<Uint8Array> } {
  const asked: string[] = []
  return {
    asked,
    ask: async (node, signal) => {
      asked.push(node)
      const b = behaviour[node]
      if ('fail' in b) throw new LitError('refused', 'ERR_UNAVAILABLE')
      if ('hang' in b) return await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(new LitError('aborted', 'ERR_ABORTED')) }) })
      if ('after' in b) await new Promise((resolve) => setTimeout(resolve, b.after))
      return new Uint8Array([b.share])
    }
  }
}

describe('fanOut', () => {
  it('with askFirst asks only that many when they answer well; the others are not faults', async () => {
    const nodes = ['a', 'b', 'c', 'd']
    const net = network({ a: { share: 1 }, b: { share: 2 }, c: { share: 3 }, d: { share: 4 } })
    const done = await fanOut({ collector: collector(nodes, 2), ask: net.ask, operation: 'toy', now: Date.now, askFirst: 2, auditUntil: Date.now() + 5_000 })
    expect(done.result).toBe(3)
    expect(net.asked).toEqual(['a', 'b'])
    expect(done.faults).toEqual([])
    expect(await done.late).toEqual([])
  })

  it('asks another node for each failure and each refused share', async () => {
    const nodes = ['a', 'b', 'c', 'd']
    const net = network({ a: { fail: true }, b: { share: BAD }, c: { share: 3 }, d: { share: 4 } })
    const done = await fanOut({ collector: collector(nodes, 2), ask: net.ask, operation: 'toy', now: Date.now, askFirst: 2 })
    expect(done.result).toBe(7)
    expect(net.asked.sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(done.faults.map((f) => [f.node, f.code]).sort()).toEqual([['a', 'ERR_UNAVAILABLE'], ['b', 'ERR_BAD_SHARE']])
  })

  it('asks the rest after hedgeMs when the first ones do not answer', async () => {
    const nodes = ['a', 'b', 'c']
    const net = network({ a: { hang: true }, b: { share: 2 }, c: { share: 3 } })
    const done = await fanOut({ collector: collector(nodes, 2), ask: net.ask, operation: 'toy', now: Date.now, askFirst: 2, hedgeMs: 50 })
    expect(done.result).toBe(5)
    expect(net.asked).toEqual(['a', 'b', 'c'])
  })

  it('audits answers that come after the result and names the bad ones in `late`', async () => {
    const nodes = ['a', 'b', 'c', 'd']
    const net = network({ a: { share: 1 }, b: { share: 2 }, c: { after: 30, share: BAD }, d: { after: 30, share: 4 } })
    const done = await fanOut({ collector: collector(nodes, 2), ask: net.ask, operation: 'toy', now: Date.now, auditUntil: Date.now() + 5_000 })
    expect(done.result).toBe(3)
    expect(done.faults).toEqual([]) // c and d were still being heard: not faults yet
    expect((await done.late).map((f) => [f.node, f.code])).toEqual([['c', 'ERR_BAD_SHARE']])
  })

  it('prepares while the answers are on their way; checks the used shares where deferCheck says, after answering', async () => {
    const nodes = ['a', 'b', 'c']
    const net = network({ a: { after: 10, share: 1 }, b: { after: 10, share: 2 }, c: { after: 10, share: 3 } })
    let prepared = 0
    let deferred: (() => unknown) | undefined
    const done = await fanOut({
      collector: collector(nodes, 3, { checkUsed: () => ['b'], prepare: () => { prepared++ } }),
      ask: net.ask,
      operation: 'toy',
      now: Date.now,
      deferCheck: async <T>(check: () => T) => await new Promise<T>((resolve) => { deferred = () => { resolve(check()) } })
    })
    expect(done.result).toBe(6)
    expect(prepared).toBe(1) // before the first answer: the answers take 10 ms, the preparation one turn
    expect(deferred).toBeDefined() // the check waits for the caller's idle moment
    let lateSettled = false
    const late = done.late.then((f) => { lateSettled = true; return f })
    await Promise.resolve()
    expect(lateSettled).toBe(false)
    deferred!()
    expect((await late).map((f) => [f.node, f.code])).toEqual([['b', 'ERR_BAD_SHARE']])
  })

  it('without auditUntil the stragglers are cancelled and named as not having answered', async () => {
    const nodes = ['a', 'b', 'c']
    const net = network({ a: { share: 1 }, b: { share: 2 }, c: { hang: true } })
    const done = await fanOut({ collector: collector(nodes, 2), ask: net.ask, operation: 'toy', now: Date.now })
    expect(done.result).toBe(3)
    expect(done.faults.map((f) => [f.node, f.code])).toEqual([['c', 'ERR_NO_ANSWER']])
    expect(await done.late).toEqual([])
  })
})
