/**
 * A tiny structural checker for JSON control messages (no dependency). Each
 * schema's `parse(value, path)` returns the value typed, or throws
 * MalformedMessageError naming the offending path. Objects are strict:
 * unknown keys are refused, so a field cannot be smuggled past the check.
 */
import { MalformedMessageError } from '../../errors.js'

export interface Schema<T> {
  parse(value: unknown, path: string): T
}

export type Infer<S> = S extends Schema<infer T> ? T : never

function fail (path: string, reason: string): never {
  throw new MalformedMessageError(path, reason)
}

export function string (opts: { minLength?: number, maxLength: number, pattern?: RegExp }): Schema<string> {
  return {
    parse (value, path) {
      if (typeof value !== 'string') fail(path, 'expected a string')
      if (value.length > opts.maxLength) fail(path, `longer than ${opts.maxLength}`)
      if (value.length < (opts.minLength ?? 0)) fail(path, `shorter than ${opts.minLength ?? 0}`)
      if (opts.pattern != null && !opts.pattern.test(value)) fail(path, 'does not match the expected pattern')
      return value
    }
  }
}

/** A safe integer in [min, max]. */
export function int (opts: { min: number, max: number }): Schema<number> {
  return {
    parse (value, path) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(path, 'expected an integer')
      if (value < opts.min || value > opts.max) fail(path, `outside [${opts.min}, ${opts.max}]`)
      return value
    }
  }
}

export function boolean (): Schema<boolean> {
  return {
    parse (value, path) {
      if (typeof value !== 'boolean') fail(path, 'expected a boolean')
      return value
    }
  }
}

/** One of the listed string values. */
export function oneOf<const T extends readonly string[]> (values: T): Schema<T[number]> {
  const allowed = new Set<string>(values)
  return {
    parse (value, path) {
      if (typeof value !== 'string' || !allowed.has(value)) fail(path, `expected one of ${values.join(', ')}`)
      return value as T[number]
    }
  }
}

/** Lower-case hex of exactly `bytes` bytes (or any even length up to `maxBytes`), optional 0x prefix refused. */
export function hex (opts: { bytes?: number, maxBytes?: number }): Schema<string> {
  return {
    parse (value, path) {
      if (typeof value !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(value)) fail(path, 'expected lower-case hex')
      const n = value.length / 2
      if (opts.bytes != null && n !== opts.bytes) fail(path, `expected ${opts.bytes} bytes`)
      if (opts.maxBytes != null && n > opts.maxBytes) fail(path, `more than ${opts.maxBytes} bytes`)
      return value
    }
  }
}

export function array<T> (item: Schema<T>, opts: { minLength?: number, maxLength: number }): Schema<T[]> {
  return {
    parse (value, path) {
      if (!Array.isArray(value)) fail(path, 'expected an array')
      if (value.length > opts.maxLength) fail(path, `more than ${opts.maxLength} items`)
      if (value.length < (opts.minLength ?? 0)) fail(path, `fewer than ${opts.minLength ?? 0} items`)
      return value.map((v, i) => item.parse(v, `${path}[${i}]`))
    }
  }
}

const OPTIONAL = Symbol('optional')
interface OptionalSchema<T> extends Schema<T | undefined> { [OPTIONAL]: true }

/** A field that may be absent (but not null). */
export function optional<T> (inner: Schema<T>): OptionalSchema<T> {
  return {
    [OPTIONAL]: true,
    parse (value, path) {
      return value === undefined ? undefined : inner.parse(value, path)
    }
  }
}

type Shape = Record<string, Schema<unknown>>
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<any> ? never : K }[keyof S]
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>
export type ObjectOf<S extends Shape> =
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }

/** A plain object with exactly these fields (optional ones may be missing); unknown keys are refused. */
export function object<S extends Shape> (shape: S): Schema<{ [K in keyof ObjectOf<S>]: ObjectOf<S>[K] }> {
  const keys = Object.keys(shape)
  return {
    parse (value, path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected an object')
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) fail(path, 'expected a plain object')
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(shape, key)) fail(`${path}.${key}`, 'unknown field')
      }
      const out: Record<string, unknown> = {}
      for (const key of keys) {
        const field = (value as Record<string, unknown>)[key]
        const parsed = shape[key].parse(field, `${path}.${key}`)
        if (parsed !== undefined) out[key] = parsed
      }
      return out as any
    }
  }
}
