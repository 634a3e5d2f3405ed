/**
 * The node runtime's lifecycle as one state machine. Allowed transitions are
 * listed in one place ({@link TRANSITIONS}); anything else is a bug and throws.
 */
import { LitError } from '../errors.js'

export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

export const TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  idle: ['starting'],
  starting: ['running', 'failed', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
  failed: ['stopping']
}

export class InvalidTransitionError extends LitError {
  constructor (readonly from: LifecycleState, readonly to: LifecycleState) {
    super(`node lifecycle: ${from} -> ${to} is not allowed`, 'ERR_INVALID_TRANSITION')
  }
}

export function canTransition (from: LifecycleState, to: LifecycleState): boolean {
  return TRANSITIONS[from].includes(to)
}

/** Returns `to`, or throws {@link InvalidTransitionError}. */
export function transition (from: LifecycleState, to: LifecycleState): LifecycleState {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to)
  return to
}
