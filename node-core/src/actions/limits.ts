/**
 * The limits of one Lit Action run (docs/actions.md §2.7), their defaults, and
 * the names a stopped run reports them under (§2.8: `limit`, `used`, `max`).
 * Every node may configure them (`LitNodeInit.actionLimits`); `resolveLimits`
 * fills the defaults and refuses anything that is not a positive integer.
 */
import { InvalidArgumentError } from '../errors.js'

/** actions.md §2.7: one field per limit, all positive integers. */
export interface ActionLimits {
  /** Wall time from the start of evaluation, ms. */
  wallTimeMs: number
  /** QuickJS heap (setMemoryLimit), bytes. */
  memoryBytes: number
  /** Code size (inline or by CID), bytes of UTF-8. */
  codeBytes: number
  /** jsParams as JSON, bytes. */
  jsParamsBytes: number
  /** UTF-8 bytes of the string given to setResponse. */
  responseBytes: number
  /** fetch calls per run. */
  fetchCount: number
  /** UTF-8 bytes of console output per run. */
  consoleBytes: number
  /** signEcdsa + ethPersonalSignMessageEcdsa calls per run. */
  signCount: number
  /** decryptAndCombine calls per run. */
  decryptCount: number
  /** How long a node looks for code by CID, ms (§1.6). */
  codeFetchMs: number
}

export const DEFAULT_ACTION_LIMITS: Readonly<ActionLimits> = Object.freeze({
  wallTimeMs: 30_000,
  memoryBytes: 128 * 1024 * 1024,
  codeBytes: 512 * 1024,
  jsParamsBytes: 64 * 1024,
  responseBytes: 512 * 1024,
  fetchCount: 10,
  consoleBytes: 64 * 1024,
  signCount: 10,
  decryptCount: 10,
  codeFetchMs: 5_000
})

/**
 * The name a stopped or refused run reports (actions.md §2.8, §1.6 `limit: 'code'`,
 * §9.1 `wallTime`): the field name without its unit suffix.
 */
export type ActionLimitName =
  'wallTime' | 'memory' | 'code' | 'jsParams' | 'response' | 'fetchCount' | 'console' | 'signCount' | 'decryptCount' | 'codeFetch'

/** Field of ActionLimits → reported name. */
export const LIMIT_NAMES: Readonly<Record<keyof ActionLimits, ActionLimitName>> = Object.freeze({
  wallTimeMs: 'wallTime',
  memoryBytes: 'memory',
  codeBytes: 'code',
  jsParamsBytes: 'jsParams',
  responseBytes: 'response',
  fetchCount: 'fetchCount',
  consoleBytes: 'console',
  signCount: 'signCount',
  decryptCount: 'decryptCount',
  codeFetchMs: 'codeFetch'
})

const KEYS = Object.keys(DEFAULT_ACTION_LIMITS) as Array<keyof ActionLimits>

/**
 * Defaults overridden by `partial`; every given value must be a positive safe
 * integer, and unknown keys are refused (a typo must not silently keep a default).
 */
export function resolveLimits (partial: Partial<ActionLimits> = {}): ActionLimits {
  if (partial === null || typeof partial !== 'object') throw new InvalidArgumentError('actionLimits', 'expected an object')
  const out: ActionLimits = { ...DEFAULT_ACTION_LIMITS }
  for (const [key, value] of Object.entries(partial)) {
    if (!(KEYS as string[]).includes(key)) throw new InvalidArgumentError(`actionLimits.${key}`, 'unknown limit')
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidArgumentError(`actionLimits.${key}`, 'must be a positive integer')
    }
    out[key as keyof ActionLimits] = value
  }
  return out
}
