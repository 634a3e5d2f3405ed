/**
 * executeJs's errors (docs/actions.md §6.4). Each names what a caller needs to
 * act on: the limit and its maximum, the nodes that reported it, the groups of
 * a disagreement.
 */
import { LitError } from '../errors.js'
import type { ActionNodeAnswer } from './execute-js.js'

/** An action went over a limit (wall time, memory, response, …) on the agreeing nodes, or was refused for its size. */
export class ActionLimitError extends LitError {
  /** Each node's answer (outcome, logs, run time): how fast each stopped the action. */
  answers: readonly ActionNodeAnswer[] = []
  constructor (readonly limit: string, readonly max: number | undefined, readonly nodes: readonly string[], message: string) {
    super(`action stopped at its ${limit} limit${max !== undefined ? ` (${max})` : ''}: ${message}`, 'ERR_ACTION_LIMIT')
  }
}

/** The action threw (or rejected) on the agreeing nodes. */
export class ActionFailedError extends LitError {
  /** Each node's answer (outcome, logs). */
  answers: readonly ActionNodeAnswer[] = []
  constructor (readonly reason: string, readonly nodes: readonly string[]) {
    super(`action failed: ${reason}`, 'ERR_ACTION_FAILED')
  }
}

/** No runner could find the action's code (not uploaded, or no peer has it). */
export class ActionNotFoundError extends LitError {
  constructor (readonly ipfsId: string) {
    super(`action ${ipfsId} was not found on the network`, 'ERR_ACTION_NOT_FOUND')
  }
}

/** A group of nodes that gave the same answer. */
export interface AnswerGroup { value: string, nodes: string[] }

/** No strict majority of runners agreed on the outcome (or `agreement: 'unanimous'` and some disagreed). */
export class ResponseDisagreementError extends LitError {
  constructor (readonly groups: readonly AnswerGroup[]) {
    super(`runners disagree on the action's outcome: ${groups.map((g) => `${g.nodes.length} × ${g.value.slice(0, 80)}`).join(' | ')}`, 'ERR_ACTION_DISAGREEMENT')
  }
}

/** The signers of a sigName did not agree on the hash to sign, so no 2t+1 shares combine. */
export class SignatureDisagreementError extends LitError {
  constructor (readonly sigName: string, readonly groups: readonly AnswerGroup[]) {
    super(`signers of ${sigName} disagree on what to sign: ${groups.map((g) => `${g.nodes.length} × ${g.value.slice(0, 18)}…`).join(' | ')}`, 'ERR_ACTION_DISAGREEMENT')
  }
}

/** A sigName that was asked for but could not be produced (requireSignatures: true). */
export class MissingSignatureError extends LitError {
  constructor (readonly sigName: string, readonly reason: string) {
    super(`no signature for ${sigName}: ${reason}`, 'ERR_MISSING_SIGNATURE')
  }
}
