/**
 * The prelude: JavaScript evaluated first in every fresh QuickJS context
 * (docs/actions.md §3.1, §3.10). It is a function expression; the runner calls
 * it with the one host function, the jsParams JSON and the auth JSON, and keeps
 * the `dispatch` function it returns (timers, end-of-run checks).
 *
 * §3.10 says the prelude "holds the one host function `__host(method, json)`
 * and deletes it from the global object". Here it is stronger: the host
 * function is passed as an argument and never is a global at all, so no action
 * can observe it even before the prelude ran. The prelude captures `JSON`,
 * `Promise.prototype.then` and friends first, so an action that replaces them
 * only corrupts its own arguments (§3.10).
 *
 * Host protocol (what the runner implements, quickjs-runner.ts):
 * - sync methods (`log`, `setResponse`, `setTimeout`, `clearTimeout`,
 *   `getRandomValues`) return a JSON envelope `{"ok": value}` or
 *   `{"err": {"name", "message"}}`;
 * - async methods (`signEcdsa`, `ethPersonalSignMessageEcdsa`,
 *   `decryptAndCombine`, `fetch`) return a promise of the result's JSON, or
 *   rejected with the JSON `{"name", "message"}`.
 * Arguments are JSON with `Uint8Array` (and other views, ArrayBuffer) as
 * `{ "$bytes": hex }`.
 *
 * Unhandled rejections: QuickJS's rejection tracker is not exposed by
 * quickjs-emscripten 0.32, so the prelude tracks the promises the API itself
 * returns: each has its own `then` (marking it observed) and a `constructor`
 * that is not %Promise% (so `await p` and `Promise.resolve(p)` go through that
 * `then`). A host promise that rejected and was never observed fails the run
 * (§3.9). Rejections of promises the action creates itself are not seen.
 */

// Plain ES2020 inside; no template literals (the file is one String.raw).
export const PRELUDE_SOURCE = String.raw`(function (host, paramsJson, authJson) {
  'use strict'
  var G = globalThis
  var parse = JSON.parse
  var stringify = JSON.stringify
  var define = Object.defineProperty
  var freeze = Object.freeze
  var keys = Object.keys
  var then = Promise.prototype.then
  var reject = Promise.reject.bind(Promise)
  var isView = ArrayBuffer.isView
  var fromCodePoint = String.fromCodePoint
  var U8 = Uint8Array
  var HEXD = '0123456789abcdef'

  function toHex (u8) {
    var s = ''
    for (var i = 0; i < u8.length; i++) s += HEXD[u8[i] >> 4] + HEXD[u8[i] & 15]
    return s
  }
  function fromHex (h) {
    var out = new U8(h.length >> 1)
    for (var i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16)
    return out
  }
  function replacer (k, v) {
    if (v instanceof U8) return { $bytes: toHex(v) }
    if (v instanceof ArrayBuffer) return { $bytes: toHex(new U8(v)) }
    if (isView(v)) return { $bytes: toHex(new U8(v.buffer, v.byteOffset, v.byteLength)) }
    return v
  }
  function enc (v) {
    var s = stringify(v === undefined ? null : v, replacer)
    return s === undefined ? 'null' : s
  }
  function guestError (o) {
    if (o === null || typeof o !== 'object') o = { name: 'Error', message: String(o) }
    var name = String(o.name)
    var C = name === 'TypeError' ? TypeError : name === 'RangeError' ? RangeError : Error
    var err = new C(String(o.message))
    if (C === Error && name !== 'Error') define(err, 'name', { value: name, writable: true, configurable: true })
    return err
  }
  function describe (e) {
    try {
      if (e instanceof Error) return String(e.name) + ': ' + String(e.message)
      return 'Uncaught ' + String(e)
    } catch (_) { return 'Uncaught exception' }
  }

  // A synchronous host call: the envelope's value, or its error thrown here.
  function call (method, args) {
    var env = parse(host(method, enc(args)))
    if (env.err !== undefined) throw guestError(env.err)
    return env.ok
  }

  // An asynchronous host call, tracked for the unhandled-rejection check.
  var records = []
  var NOT_PROMISE = freeze({})
  function callAsync (method, args, map) {
    var rec = { rejected: false, handled: false, error: undefined }
    records.push(rec)
    var p
    try { p = host(method, enc(args)) } catch (e) { p = reject(e) }
    var q = then.call(p, function (json) {
      var v = parse(json)
      return map === undefined ? v : map(v)
    }, function (e) {
      if (typeof e === 'string') {
        var o
        try { o = parse(e) } catch (_) { o = e }
        throw guestError(o)
      }
      throw e
    })
    then.call(q, undefined, function (e) { rec.rejected = true; rec.error = e })
    define(q, 'then', {
      value: function (a, b) { rec.handled = true; return then.call(this, a, b) },
      writable: true,
      configurable: true
    })
    define(q, 'constructor', { value: NOT_PROMISE, writable: true, configurable: true })
    return q
  }

  // console (§3.8): one line per call; the runner adds the level prefix and counts bytes.
  function fmt (a) {
    if (typeof a === 'string') return a
    if (a instanceof Error) return String(a.name) + ': ' + String(a.message)
    if (a === undefined || typeof a === 'function' || typeof a === 'symbol' || typeof a === 'bigint') return String(a)
    try {
      var s = stringify(a)
      return s === undefined ? String(a) : s
    } catch (_) { return String(a) }
  }
  function logger (level) {
    return function () {
      var parts = []
      for (var i = 0; i < arguments.length; i++) parts.push(fmt(arguments[i]))
      call('log', { level: level, text: parts.join(' ') })
    }
  }
  var console = freeze({ log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error'), debug: logger('debug') })

  // Timers (§3.1): real timers in the runner; callbacks stay in here.
  var timers = new Map()
  function setTimeout (fn, ms) {
    if (typeof fn !== 'function') throw new TypeError('setTimeout: the callback must be a function')
    var args = []
    for (var i = 2; i < arguments.length; i++) args.push(arguments[i])
    var delay = Number(ms)
    var id = call('setTimeout', { ms: delay > 0 ? delay : 0 })
    timers.set(id, { fn: fn, args: args })
    return id
  }
  function clearTimeout (id) {
    if (timers.delete(id)) call('clearTimeout', { id: id })
  }

  // UTF-8 (§3.1: TextEncoder/TextDecoder, UTF-8 only; WHATWG decoding with U+FFFD replacement).
  function encodeUtf8 (str) {
    str = String(str)
    var buf = new U8(str.length * 3)
    var n = 0
    for (var i = 0; i < str.length; i++) {
      var c = str.charCodeAt(i)
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        var d = str.charCodeAt(i + 1)
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++ } else c = 0xfffd
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
      if (c < 0x80) buf[n++] = c
      else if (c < 0x800) { buf[n++] = 0xc0 | (c >> 6); buf[n++] = 0x80 | (c & 63) } else if (c < 0x10000) {
        buf[n++] = 0xe0 | (c >> 12); buf[n++] = 0x80 | ((c >> 6) & 63); buf[n++] = 0x80 | (c & 63)
      } else {
        buf[n++] = 0xf0 | (c >> 18); buf[n++] = 0x80 | ((c >> 12) & 63); buf[n++] = 0x80 | ((c >> 6) & 63); buf[n++] = 0x80 | (c & 63)
      }
    }
    return buf.slice(0, n)
  }
  function decodeUtf8 (bytes, fatal) {
    var out = ''
    var chunk = []
    function push (cp) {
      chunk.push(cp)
      if (chunk.length >= 4096) { out += fromCodePoint.apply(null, chunk); chunk = [] }
    }
    function bad () {
      if (fatal) throw new TypeError('The encoded data was not valid for encoding utf-8')
      push(0xfffd)
    }
    var cp = 0; var need = 0; var seen = 0; var lower = 0x80; var upper = 0xbf
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes[i]
      if (need === 0) {
        if (b <= 0x7f) push(b)
        else if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0
          if (b === 0xed) upper = 0x9f
          need = 2; cp = b & 0xf
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90
          if (b === 0xf4) upper = 0x8f
          need = 3; cp = b & 7
        } else bad()
        continue
      }
      if (b < lower || b > upper) {
        cp = 0; need = 0; seen = 0; lower = 0x80; upper = 0xbf
        bad()
        i--
        continue
      }
      lower = 0x80; upper = 0xbf
      cp = (cp << 6) | (b & 0x3f)
      if (++seen === need) { push(cp); cp = 0; need = 0; seen = 0 }
    }
    if (need !== 0) bad()
    if (chunk.length > 0) out += fromCodePoint.apply(null, chunk)
    return out
  }
  function viewBytes (input) {
    if (input === undefined) return new U8(0)
    if (input instanceof ArrayBuffer) return new U8(input)
    if (isView(input)) return new U8(input.buffer, input.byteOffset, input.byteLength)
    throw new TypeError('TextDecoder.decode: expected an ArrayBuffer or a view')
  }
  class TextEncoder {
    get encoding () { return 'utf-8' }
    encode (input) { return encodeUtf8(input === undefined ? '' : input) }
  }
  class TextDecoder {
    constructor (label, options) {
      var l = label === undefined ? 'utf-8' : String(label).trim().toLowerCase()
      if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') throw new RangeError('TextDecoder: only utf-8 is supported')
      define(this, 'fatal', { value: !!(options && options.fatal) })
      define(this, 'ignoreBOM', { value: !!(options && options.ignoreBOM) })
    }
    get encoding () { return 'utf-8' }
    decode (input) {
      var s = decodeUtf8(viewBytes(input), this.fatal)
      return !this.ignoreBOM && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s
    }
  }

  // atob/btoa (forgiving base64, Latin-1 strings).
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  function invalidChar (what) {
    var e = new Error(what)
    define(e, 'name', { value: 'InvalidCharacterError', writable: true, configurable: true })
    return e
  }
  function btoa (input) {
    var s = String(input)
    var out = ''
    for (var i = 0; i < s.length; i += 3) {
      var a = s.charCodeAt(i); var b = s.charCodeAt(i + 1); var c = s.charCodeAt(i + 2)
      if (a > 255 || b > 255 || c > 255) throw invalidChar('btoa: the string contains characters outside Latin-1')
      var n = (a << 16) | ((b || 0) << 8) | (c || 0)
      out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '=')
    }
    return out
  }
  function atob (input) {
    var s = String(input).replace(/[\t\n\f\r ]/g, '')
    if (s.length % 4 === 0) s = s.replace(/==?$/, '')
    if (s.length % 4 === 1 || /[^A-Za-z0-9+\/]/.test(s)) throw invalidChar('atob: the string is not valid base64')
    var out = ''
    var bits = 0; var n = 0
    for (var i = 0; i < s.length; i++) {
      n = (n << 6) | B64.indexOf(s[i]); bits += 6
      if (bits >= 8) { bits -= 8; out += String.fromCharCode((n >> bits) & 255) }
    }
    return out
  }

  // crypto.getRandomValues from the host's CSPRNG (§3.1).
  function getRandomValues (ta) {
    if (!isView(ta) || ta instanceof DataView || ta instanceof Float32Array || ta instanceof Float64Array ||
        (typeof Float16Array === 'function' && ta instanceof Float16Array)) {
      throw new TypeError('getRandomValues: an integer typed array is required')
    }
    if (ta.byteLength > 65536) {
      var e = new Error('getRandomValues: at most 65536 bytes per call')
      define(e, 'name', { value: 'QuotaExceededError', writable: true, configurable: true })
      throw e
    }
    if (ta.byteLength > 0) new U8(ta.buffer, ta.byteOffset, ta.byteLength).set(fromHex(call('getRandomValues', { n: ta.byteLength })))
    return ta
  }

  // fetch (§3.7): a Response-like object over a body the host read fully.
  function makeResponse (r) {
    var hs = r.headers
    var body = r.body
    var headers = freeze({
      get: function (name) {
        var k = String(name).toLowerCase()
        for (var i = 0; i < hs.length; i++) if (hs[i][0] === k) return hs[i][1]
        return null
      },
      has: function (name) { return headers.get(name) !== null },
      forEach: function (fn) { for (var i = 0; i < hs.length; i++) fn(hs[i][1], hs[i][0], headers) }
    })
    return freeze({
      ok: r.status >= 200 && r.status < 300,
      status: r.status,
      statusText: '',
      headers: headers,
      text: function () { return Promise.resolve(body) },
      json: function () { return new Promise(function (resolve) { resolve(parse(body)) }) },
      arrayBuffer: function () { return Promise.resolve(encodeUtf8(body).buffer) }
    })
  }
  function fetch (input, init) {
    var o = init === undefined || init === null ? {} : init
    return callAsync('fetch', { url: String(input), method: o.method, headers: o.headers, body: o.body }, makeResponse)
  }

  // Lit.Actions (§3.3–§3.6) and the frozen Lit.Auth (§3.1).
  function field (p, name) { return p === null || p === undefined ? undefined : p[name] }
  var Actions = freeze({
    signEcdsa: function signEcdsa (p) {
      return callAsync('signEcdsa', { toSign: field(p, 'toSign'), publicKey: field(p, 'publicKey'), sigName: field(p, 'sigName') })
    },
    ethPersonalSignMessageEcdsa: function ethPersonalSignMessageEcdsa (p) {
      return callAsync('ethPersonalSignMessageEcdsa', { message: field(p, 'message'), publicKey: field(p, 'publicKey'), sigName: field(p, 'sigName') })
    },
    setResponse: function setResponse (p) { call('setResponse', { response: field(p, 'response') }) },
    decryptAndCombine: function decryptAndCombine (p) { return callAsync('decryptAndCombine', p) }
  })
  var auth = parse(authJson)
  var Auth = freeze({ actionIpfsIds: freeze(auth.actionIpfsIds.slice()), authSigAddress: auth.authSigAddress })
  var Lit = freeze({ Actions: Actions, Auth: Auth })

  function constant (name, value) { define(G, name, { value: value, writable: false, enumerable: false, configurable: false }) }
  function builtin (name, value) { define(G, name, { value: value, writable: true, enumerable: false, configurable: true }) }
  constant('Lit', Lit)
  constant('LitActions', Actions)
  builtin('console', console)
  builtin('fetch', fetch)
  builtin('setTimeout', setTimeout)
  builtin('clearTimeout', clearTimeout)
  builtin('TextEncoder', TextEncoder)
  builtin('TextDecoder', TextDecoder)
  builtin('atob', atob)
  builtin('btoa', btoa)
  builtin('crypto', freeze({ getRandomValues: getRandomValues }))

  // jsParams (§3.2): the object, and each top-level key as a global const.
  var params = parse(paramsJson)
  constant('jsParams', params)
  var names = keys(params)
  for (var i = 0; i < names.length; i++) {
    var k = names[i]
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)) throw new TypeError('jsParams key ' + k + ' is not an identifier')
    if (k in G) throw new TypeError('jsParams key ' + k + ' would shadow a global')
    constant(k, params[k])
  }

  // What the runner calls later: fire a timer; report an unobserved host rejection.
  return function dispatch (kind, arg) {
    if (kind === 'timer') {
      var t = timers.get(arg)
      if (t === undefined) return
      timers.delete(arg)
      t.fn.apply(undefined, t.args)
      return
    }
    if (kind === 'unhandled') {
      for (var j = 0; j < records.length; j++) if (records[j].rejected && !records[j].handled) return describe(records[j].error)
      return ''
    }
  }
})`
