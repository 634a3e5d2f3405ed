/** IdleWork: deferred checks run between operations, never later than maxDelayMs. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IdleWork } from '../../src/client/idle-work.js'

describe('IdleWork', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  const make = (): IdleWork => new IdleWork(() => Date.now(), { settleMs: 20, maxDelayMs: 2_000 })

  it('runs a job once the client has been idle for settleMs, and resolves with its result', async () => {
    const work = make()
    const job = vi.fn(() => 42)
    const result = work.run(job)
    await vi.advanceTimersByTimeAsync(19)
    expect(job).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(job).toHaveBeenCalledTimes(1)
    await expect(result).resolves.toBe(42)
  })

  it('waits while an operation is in flight and runs as soon as it ends', async () => {
    const work = make()
    const release = work.busy()
    const job = vi.fn()
    void work.run(job)
    await vi.advanceTimersByTimeAsync(500)
    expect(job).not.toHaveBeenCalled()
    release()
    release() // idempotent: a second call must not make the count negative
    await vi.advanceTimersByTimeAsync(20)
    expect(job).toHaveBeenCalledTimes(1)
    // The count is back at zero, not below it: a new operation holds jobs back again.
    const again = work.busy()
    const next = vi.fn()
    void work.run(next)
    await vi.advanceTimersByTimeAsync(100)
    expect(next).not.toHaveBeenCalled()
    again()
    await vi.advanceTimersByTimeAsync(20)
    expect(next).toHaveBeenCalledTimes(1)
  })

  it('under steady load runs each job by its deadline, one per turn', async () => {
    const work = make()
    work.busy() // never released
    const order: number[] = []
    for (let i = 0; i < 3; i++) void work.run(() => { order.push(i) })
    await vi.advanceTimersByTimeAsync(1_999)
    expect(order).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(order).toEqual([0])
    await vi.runOnlyPendingTimersAsync()
    expect(order).toEqual([0, 1])
    await vi.runOnlyPendingTimersAsync()
    expect(order).toEqual([0, 1, 2])
    expect(work.pending).toBe(0)
  })

  it('a failing job rejects its own promise and the queue goes on', async () => {
    const work = make()
    const failing = work.run(() => { throw new Error('boom') })
    const fine = work.run(() => 'ok')
    const failed = expect(failing).rejects.toThrow('boom')
    await vi.advanceTimersByTimeAsync(40)
    await failed
    await expect(fine).resolves.toBe('ok')
  })

  it('whenIdle jobs run only at an idle moment, after the owed checks, one per key', async () => {
    const work = make()
    const release = work.busy()
    const order: string[] = []
    work.whenIdle('k', () => { order.push('first') })
    work.whenIdle('k', () => { order.push('replaced') })
    void work.run(() => { order.push('check') })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(order).toEqual(['check']) // the check was due after 2 s; the idle-only job never is
    release()
    await vi.advanceTimersByTimeAsync(20)
    expect(order).toEqual(['check', 'replaced'])
    expect(work.pending).toBe(0)
  })

  it('flush runs what is queued at once, and later jobs run immediately', async () => {
    const work = make()
    work.busy()
    const job = vi.fn(() => 1)
    const queued = work.run(job)
    work.flush()
    expect(job).toHaveBeenCalledTimes(1)
    await expect(queued).resolves.toBe(1)
    await expect(work.run(() => 2)).resolves.toBe(2)
  })
})
