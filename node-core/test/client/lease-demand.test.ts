/** LeaseDemand: hold about as many leases as the last burst used, within bounds. */
import { describe, expect, it } from 'vitest'
import { LeaseDemand } from '../../src/client/lease-demand.js'

describe('LeaseDemand', () => {
  it('follows the uses of the last window, bounded by min and max', () => {
    const d = new LeaseDemand({ windowMs: 10_000, min: 3, max: 18 })
    expect(d.target('a', 0)).toBe(3)
    for (let i = 0; i < 7; i++) d.record('a', 1_000 + i)
    expect(d.target('a', 2_000)).toBe(7)
    expect(d.target('b', 2_000)).toBe(3) // per PKP
    for (let i = 0; i < 30; i++) d.record('a', 3_000 + i)
    expect(d.target('a', 4_000)).toBe(18)
    // Uses age out of the window.
    expect(d.target('a', 3_029 + 10_000)).toBe(3)
  })
})
