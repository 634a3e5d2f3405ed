/**
 * Limits configuration (docs/actions.md §2.7) and the jsParams key rules (§3.2).
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_ACTION_LIMITS, resolveLimits } from '../../src/actions/limits.js'
import { checkJsParams } from '../../src/actions/sandbox/js-params.js'

describe('resolveLimits', () => {
  it('fills the §2.7 defaults', () => {
    expect(resolveLimits()).toEqual({
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
    expect(resolveLimits({ wallTimeMs: 3000 })).toEqual({ ...DEFAULT_ACTION_LIMITS, wallTimeMs: 3000 })
  })

  for (const bad of [0, -1, 1.5, Number.NaN, Infinity, '10' as unknown as number, 2 ** 60]) {
    it(`refuses ${String(bad)} naming the field`, () => {
      expect(() => resolveLimits({ signCount: bad })).toThrow(/actionLimits\.signCount/)
    })
  }

  it('refuses an unknown limit', () => {
    expect(() => resolveLimits({ wallTime: 1 } as never)).toThrow(/actionLimits\.wallTime: unknown limit/)
  })
})

describe('checkJsParams', () => {
  it('accepts identifiers that shadow nothing', () => {
    expect(() => checkJsParams({ toSign: [1], publicKey: 'x', $a: 1, _b: 2, maxPrice: 3 })).not.toThrow()
    expect(() => checkJsParams(undefined)).not.toThrow()
  })
  for (const key of ['1a', 'a-b', '', 'a b', 'ünï', 'class', 'await', 'Lit', 'LitActions', 'jsParams', 'console', 'fetch', 'Object', 'undefined', 'globalThis', 'toString', '__proto__', 'crypto']) {
    it(`refuses ${JSON.stringify(key)} with ERR_BAD_REQUEST naming it`, () => {
      expect(() => checkJsParams(JSON.parse(`{${JSON.stringify(key)}: 1}`))).toThrow(expect.objectContaining({ name: 'JsParamsKeyError', code: 'ERR_BAD_REQUEST', key }))
    })
  }
  it('refuses a jsParams that is not an object', () => {
    expect(() => checkJsParams([1])).toThrow(/must be a JSON object/)
  })
})
