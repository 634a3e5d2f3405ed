/**
 * Applying certified operations (spec: docs/registry.md §9). Pure: the
 * functions return new frozen values and never change their inputs.
 */
import type { Hex } from 'viem'
import { InvalidArgumentError } from '../errors.js'
import { isCertified } from './certificate.js'
import { committeeHash } from './committee.js'
import { InvalidTransitionError, NeedsCatchUpError, SafetyViolationError, UnverifiedCertificateError } from './errors.js'
import { nextState } from './transitions.js'
import type { CertifiedOperation, TokenState } from './types.js'

/**
 * The state after `certified` (registry.md §9.2): a no-op for an op already in
 * the history, NeedsCatchUpError for a nonce ahead, SafetyViolationError for a
 * certified op that contradicts the history or is not the owner's.
 */
export function applyCertified (state: TokenState | undefined, certified: CertifiedOperation): TokenState {
  // §9.1
  if (!isCertified(certified)) throw new UnverifiedCertificateError()
  const op = certified.certificate.op
  if (state !== undefined && state.tokenId !== op.tokenId) throw new InvalidArgumentError('certified', `certificate is for token ${op.tokenId}, state is of ${state.tokenId}`)
  // §9.2
  const next = state?.nonce ?? 0
  if (op.nonce < next) {
    const past = state!.history[op.nonce]
    if (past.opHash === certified.opHash && past.signer === certified.signer) return state!
    throw new SafetyViolationError(op.tokenId, op.nonce, `certified ${certified.opHash} (signer ${certified.signer}) but ${past.opHash} (signer ${past.signer}) is in the history`)
  }
  if (op.nonce > next) throw new NeedsCatchUpError(op.tokenId, next, op.nonce)
  if (state !== undefined) {
    // §9.2.3
    if (certified.committeeHash !== committeeHash(state.committee)) throw new SafetyViolationError(op.tokenId, op.nonce, 'certificate verified against another committee than the mint\'s')
    if (certified.signer !== state.owner) throw new SafetyViolationError(op.tokenId, op.nonce, `certified op signed by ${certified.signer}, not by the owner ${state.owner}`)
  }
  // §9.3
  try {
    return nextState(state, certified)
  } catch (err) {
    if (err instanceof InvalidTransitionError) throw new SafetyViolationError(op.tokenId, op.nonce, `certified op does not apply (${err.message})`)
    throw err
  }
}

/** A view of many tokens, as permission checks need it. */
export interface RegistryView {
  token(tokenId: Hex): TokenState | undefined
}

/** An immutable map tokenId → TokenState; apply returns a new RegistryState (registry.md §9). */
export class RegistryState implements RegistryView {
  private constructor (private readonly tokensById: ReadonlyMap<Hex, TokenState>) {}

  static empty (): RegistryState { return new RegistryState(new Map()) }

  static of (states: Iterable<TokenState>): RegistryState {
    return new RegistryState(new Map([...states].map((s) => [s.tokenId, s])))
  }

  token (tokenId: Hex): TokenState | undefined { return this.tokensById.get(tokenId) }

  tokens (): TokenState[] { return [...this.tokensById.values()] }

  get size (): number { return this.tokensById.size }

  /** Apply one certified operation (applyCertified); returns this when nothing changed. */
  apply (certified: CertifiedOperation): RegistryState {
    const tokenId = certified.certificate?.op?.tokenId
    const before = this.tokensById.get(tokenId)
    const after = applyCertified(before, certified)
    return after === before ? this : this.with(after)
  }

  /** Replace one token's state (e.g. with a catch-up result). */
  with (state: TokenState): RegistryState {
    const m = new Map(this.tokensById)
    m.set(state.tokenId, state)
    return new RegistryState(m)
  }
}
