import { describe, expect, it } from 'vitest'
import { canTransition, transition, TRANSITIONS, type LifecycleState } from '../../src/node/lifecycle.js'

const STATES = Object.keys(TRANSITIONS) as LifecycleState[]
const ALLOWED: Array<[LifecycleState, LifecycleState]> = [
  ['idle', 'starting'], ['starting', 'running'], ['starting', 'failed'], ['starting', 'stopping'],
  ['running', 'stopping'], ['stopping', 'stopped'], ['failed', 'stopping']
]

describe('node lifecycle transitions', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      const allowed = ALLOWED.some(([f, t]) => f === from && t === to)
      it(`${from} -> ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(allowed)
        if (allowed) expect(transition(from, to)).toBe(to)
        else expect(() => transition(from, to)).toThrowError(expect.objectContaining({ name: 'InvalidTransitionError', code: 'ERR_INVALID_TRANSITION' }))
      })
    }
  }
})
