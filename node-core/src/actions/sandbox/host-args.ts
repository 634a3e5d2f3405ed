/**
 * The host side of each Lit.Actions call: the per-method argument rules of
 * docs/actions.md §3.3, §3.4, §3.6, §3.7, applied to the JSON the engine sent
 * (§3.10: `Uint8Array` arrives as `{ "$bytes": hex }`), and the normalised
 * arguments the node's ActionHost receives. A failure is a `GuestError`
 * (`TypeError` naming the field) thrown back into the action, where it is catchable.
 */
import { Secp256k1 } from '../../crypto/group.js'
import { GuestError } from './errors.js'

/** The calls that leave the sandbox for the node (§3.10). */
export const HOST_METHODS = ['signEcdsa', 'ethPersonalSignMessageEcdsa', 'decryptAndCombine', 'fetch'] as const
export type HostMethod = typeof HOST_METHODS[number]

/** §3.10: the JSON of one call's arguments, as the engine serialised it. */
export const MAX_CALL_ARG_BYTES = 64 * 1024
/** §3.4 */
export const MAX_PERSONAL_MESSAGE_BYTES = 16 * 1024
/** §3.7 / §2.7 fetchCount row: a request body. */
export const MAX_FETCH_BODY_BYTES = 64 * 1024
const MAX_URL_CHARS = 2048
const SIG_NAME = /^[A-Za-z0-9._-]{1,64}$/

/** signEcdsa as the host receives it: hex without 0x, lower case; publicKey uncompressed (65 bytes). */
export interface SignEcdsaArgs { toSign: string, publicKey: string, sigName: string }
/** ethPersonalSignMessageEcdsa: the message's bytes (UTF-8 of a string) as hex. */
export interface PersonalSignArgs { message: string, publicKey: string, sigName: string }
export interface FetchArgs { url: string, method: 'GET' | 'HEAD' | 'POST', headers: Record<string, string>, body?: string }
/** What the host answers to fetch (§3.7): the body already read fully, as text. */
export interface FetchResult { status: number, headers: Array<[string, string]>, body: string }

function typeError (message: string): GuestError {
  return new GuestError('TypeError', message)
}

function record (v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw typeError(`${field} must be an object`)
  return v as Record<string, unknown>
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/

function hexToBytes (hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

function bytesToHex (bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** `{ $bytes: hex }` (a Uint8Array in the engine) or an array of integers 0–255; undefined if neither. */
function bytesOf (v: unknown, field: string, maxBytes: number): Uint8Array | undefined {
  if (Array.isArray(v)) {
    if (v.length > maxBytes) throw typeError(`${field} is longer than ${maxBytes} bytes`)
    const out = new Uint8Array(v.length)
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) throw typeError(`${field}[${i}] is not a byte`)
      out[i] = x
    })
    return out
  }
  if (v !== null && typeof v === 'object' && Object.keys(v).length === 1 && typeof (v as { $bytes?: unknown }).$bytes === 'string') {
    const hex = (v as { $bytes: string }).$bytes
    if (!HEX.test(hex)) throw typeError(`${field} is not bytes`)
    if (hex.length / 2 > maxBytes) throw typeError(`${field} is longer than ${maxBytes} bytes`)
    return hexToBytes(hex)
  }
  return undefined
}

/** §3.3: exactly 32 bytes, as bytes, an array, or 0x + 64 hex digits. */
function toSignHex (v: unknown): string {
  let bytes = bytesOf(v, 'toSign', 32)
  if (bytes === undefined && typeof v === 'string' && /^0x[0-9a-fA-F]{64}$/.test(v)) bytes = hexToBytes(v.slice(2))
  if (bytes === undefined) throw typeError('toSign must be 32 bytes (Uint8Array, array of numbers, or 0x-prefixed hex)')
  if (bytes.length !== 32) throw typeError(`toSign must be exactly 32 bytes, got ${bytes.length}`)
  return bytesToHex(bytes)
}

/** §3.3: 65-byte uncompressed or 33-byte compressed secp256k1 key, hex with or without 0x → uncompressed hex. */
export function publicKeyHex (v: unknown): string {
  let bytes: Uint8Array | undefined
  if (typeof v === 'string') {
    const hex = v.startsWith('0x') || v.startsWith('0X') ? v.slice(2) : v
    if (HEX.test(hex) && (hex.length === 130 || hex.length === 66)) bytes = hexToBytes(hex)
  } else {
    bytes = bytesOf(v, 'publicKey', 65)
  }
  if (bytes === undefined || (bytes.length !== 65 && bytes.length !== 33)) {
    throw typeError('publicKey must be a secp256k1 key: 65 bytes uncompressed or 33 compressed, as hex')
  }
  try {
    const p = Secp256k1.Point.fromBytes(bytes)
    p.assertValidity()
    return bytesToHex(p.toBytes(false))
  } catch {
    throw typeError('publicKey is not a point of secp256k1')
  }
}

function sigNameOf (v: unknown): string {
  if (typeof v !== 'string' || !SIG_NAME.test(v)) throw typeError('sigName must be 1–64 characters of [A-Za-z0-9._-]')
  return v
}

export function normaliseSignEcdsa (args: unknown): SignEcdsaArgs {
  const a = record(args, 'signEcdsa argument')
  return { toSign: toSignHex(a.toSign), publicKey: publicKeyHex(a.publicKey), sigName: sigNameOf(a.sigName) }
}

export function normalisePersonalSign (args: unknown): PersonalSignArgs {
  const a = record(args, 'ethPersonalSignMessageEcdsa argument')
  let bytes = bytesOf(a.message, 'message', MAX_PERSONAL_MESSAGE_BYTES)
  if (bytes === undefined && typeof a.message === 'string') bytes = new TextEncoder().encode(a.message)
  if (bytes === undefined) throw typeError('message must be a string or bytes')
  if (bytes.length > MAX_PERSONAL_MESSAGE_BYTES) throw typeError(`message is longer than ${MAX_PERSONAL_MESSAGE_BYTES} bytes`)
  return { message: bytesToHex(bytes), publicKey: publicKeyHex(a.publicKey), sigName: sigNameOf(a.sigName) }
}

/** §3.6: passed through (the node parses the conditions); only its shape as an object is checked here. */
export function normaliseDecrypt (args: unknown): Record<string, unknown> {
  return record(args, 'decryptAndCombine argument')
}

/** §3.7: url string, GET/HEAD/POST, headers content-type/accept only, body a string ≤ 64 KiB. */
export function normaliseFetch (args: unknown): FetchArgs {
  const a = record(args, 'fetch argument')
  for (const k of Object.keys(a)) {
    if (k !== 'url' && k !== 'method' && k !== 'headers' && k !== 'body') throw typeError(`fetch: option ${k.slice(0, 40)} is not supported`)
  }
  if (typeof a.url !== 'string' || a.url.length === 0 || a.url.length > MAX_URL_CHARS) throw typeError(`fetch: url must be a string of 1–${MAX_URL_CHARS} characters`)
  const method = a.method === undefined || a.method === null ? 'GET' : a.method
  if (typeof method !== 'string') throw typeError('fetch: method must be a string')
  const upper = method.toUpperCase()
  if (upper !== 'GET' && upper !== 'HEAD' && upper !== 'POST') throw typeError(`fetch: method ${method.slice(0, 20)} is not allowed (GET, HEAD, POST)`)
  const headers: Record<string, string> = {}
  if (a.headers !== undefined && a.headers !== null) {
    const entries = Array.isArray(a.headers) ? a.headers : Object.entries(record(a.headers, 'fetch: headers'))
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') {
        throw typeError('fetch: headers must map names to strings')
      }
      const name = entry[0].toLowerCase()
      if (name !== 'content-type' && name !== 'accept') throw typeError(`fetch: header ${entry[0].slice(0, 40)} is not allowed (content-type, accept)`)
      if (entry[1].length > 1024) throw typeError(`fetch: header ${name} is too long`)
      headers[name] = entry[1]
    }
  }
  const out: FetchArgs = { url: a.url, method: upper, headers }
  if (a.body !== undefined && a.body !== null) {
    if (typeof a.body !== 'string') throw typeError('fetch: body must be a string')
    if (upper !== 'POST') throw typeError(`fetch: a ${upper} request has no body`)
    if (new TextEncoder().encode(a.body).length > MAX_FETCH_BODY_BYTES) throw typeError(`fetch: body is longer than ${MAX_FETCH_BODY_BYTES} bytes`)
    out.body = a.body
  }
  return out
}

/** The host's fetch answer, checked before the engine sees it. */
export function checkFetchResult (v: unknown): FetchResult {
  const r = record(v, 'fetch result')
  if (typeof r.status !== 'number' || !Number.isInteger(r.status) || r.status < 0 || r.status > 999) throw typeError('fetch: bad status from host')
  if (typeof r.body !== 'string') throw typeError('fetch: bad body from host')
  const headers: Array<[string, string]> = []
  if (r.headers !== undefined) {
    if (!Array.isArray(r.headers)) throw typeError('fetch: bad headers from host')
    for (const h of r.headers) {
      if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string') throw typeError('fetch: bad headers from host')
      headers.push([h[0].toLowerCase(), h[1]])
    }
  }
  return { status: r.status, headers, body: r.body }
}
