/**
 * jsParams keys as globals (docs/actions.md §3.2): each top-level key becomes a
 * global `const`, so a key must be an identifier and must not shadow a global
 * of §3.1. Checked on the node before anything runs (the pool and the runner
 * both call `checkJsParams`); the prelude checks again against the live global
 * object.
 */
import { JsParamsKeyError } from './errors.js'

/** ECMAScript built-ins of QuickJS 0.32's global object (measured with `Object.getOwnPropertyNames(globalThis)`). */
const ENGINE_GLOBALS = [
  'Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError', 'InternalError',
  'AggregateError', 'Array', 'Object', 'Function', 'Iterator', 'parseInt', 'parseFloat', 'isNaN', 'isFinite',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape', 'Infinity', 'NaN',
  'undefined', 'eval', 'Number', 'Boolean', 'String', 'Math', 'Reflect', 'Symbol', 'globalThis', 'BigInt', 'Date',
  'RegExp', 'JSON', 'Proxy', 'Map', 'Set', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'SharedArrayBuffer',
  'Uint8ClampedArray', 'Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'BigInt64Array', 'BigUint64Array', 'Float16Array', 'Float32Array', 'Float64Array', 'DataView', 'Promise',
  'WeakRef', 'FinalizationRegistry'
]

/** What the prelude installs (§3.1). */
export const PRELUDE_GLOBALS = [
  'Lit', 'LitActions', 'jsParams', 'console', 'fetch', 'setTimeout', 'clearTimeout',
  'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'crypto'
]

/** Inherited by the global object from Object.prototype. */
const INHERITED = [
  'constructor', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
  'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', 'toString', 'valueOf'
]

const RESERVED = [
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in',
  'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static',
  'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'arguments'
]

const TAKEN = new Set([...ENGINE_GLOBALS, ...PRELUDE_GLOBALS, ...INHERITED])
const RESERVED_SET = new Set(RESERVED)
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** Throws JsParamsKeyError (ERR_BAD_REQUEST, naming the key) for the first key that cannot be a global. */
export function checkJsParams (jsParams: unknown): void {
  if (jsParams === undefined) return
  if (jsParams === null || typeof jsParams !== 'object' || Array.isArray(jsParams)) {
    throw new JsParamsKeyError('', 'jsParams must be a JSON object')
  }
  for (const key of Object.keys(jsParams)) {
    if (!IDENTIFIER.test(key) || RESERVED_SET.has(key)) throw new JsParamsKeyError(key, 'is not an identifier')
    if (TAKEN.has(key)) throw new JsParamsKeyError(key, 'would shadow a global')
  }
}
