/**
 * Sealing of secret records at rest (spec: docs/node-runtime.md §8):
 * AES-256-GCM under a non-extractable WebCrypto key, a fresh random 96-bit IV
 * per seal, and additional data binding the value to its place (store name and
 * record key), so a sealed value copied to another record does not open.
 *
 * Why a non-extractable key kept in the same IndexedDB: page script can use it
 * but cannot export it, so a copy of the database files (or of its values) is
 * useless without the browser's own key storage. It does not protect against
 * script running in the page; nothing in the page could.
 *
 * Works wherever `crypto.subtle` exists (browsers in secure contexts, Node 22).
 */
import { StoreError } from './node-store.js'

/** Format tag of a sealed value; bump on any change of the layout or of the AAD. */
export const SEALED_VERSION = 1
export const SEAL_IV_BYTES = 12
const AAD_LABEL = 'lit/at-rest/v1'

/** What is stored in place of a secret. */
export interface SealedValue {
  v: typeof SEALED_VERSION
  /** 12 random bytes (crypto.getRandomValues); never reused with one key (2^-32 collision bound holds far beyond our record counts). */
  iv: Uint8Array
  /** AES-GCM ciphertext followed by its 16-byte tag. */
  ct: Uint8Array
}

/** A sealed value did not open: tampered, moved to another record, or sealed under another key. */
export class SealedValueError extends StoreError {
  constructor (readonly place: string, options?: { cause?: unknown }) {
    super(`sealed value at ${place} does not open (tampered, moved, or another key)`, 'ERR_SEALED_VALUE', options)
  }
}

function subtle (): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (s === undefined) throw new StoreError('WebCrypto (crypto.subtle) is not available: sealing needs a secure context', 'ERR_NO_WEBCRYPTO')
  return s
}

/** A fresh AES-256-GCM key that can encrypt and decrypt but never be exported. */
export async function generateSealingKey (): Promise<CryptoKey> {
  return await subtle().generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

/**
 * Additional data = label ‖ store name ‖ record key parts, each length-prefixed
 * (u32 big-endian) so that ("ab", "c") and ("a", "bc") differ.
 */
export function sealingAad (storeName: string, ...recordKey: string[]): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder()
  const parts = [AAD_LABEL, storeName, ...recordKey].map((p) => enc.encode(p))
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0))
  const view = new DataView(out.buffer)
  let at = 0
  for (const p of parts) {
    view.setUint32(at, p.length)
    out.set(p, at + 4)
    at += 4 + p.length
  }
  return out
}

/** Human-readable place of a record, for errors (no secrets in it). */
function placeOf (aad: Uint8Array): string {
  const dec = new TextDecoder()
  const parts: string[] = []
  const view = new DataView(aad.buffer, aad.byteOffset, aad.byteLength)
  for (let at = 0; at + 4 <= aad.length;) {
    const n = view.getUint32(at)
    parts.push(dec.decode(aad.subarray(at + 4, at + 4 + n)))
    at += 4 + n
  }
  return parts.slice(1).join('/')
}

export async function seal (key: CryptoKey, plaintext: Uint8Array, aad: Uint8Array): Promise<SealedValue> {
  const iv = crypto.getRandomValues(new Uint8Array(SEAL_IV_BYTES))
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: new Uint8Array(aad), tagLength: 128 }, key, new Uint8Array(plaintext))
  return { v: SEALED_VERSION, iv, ct: new Uint8Array(ct) }
}

function isSealedValue (value: unknown): value is SealedValue {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<SealedValue>
  return v.v === SEALED_VERSION && v.iv instanceof Uint8Array && v.iv.length === SEAL_IV_BYTES &&
    v.ct instanceof Uint8Array && v.ct.length >= 16
}

/** Open a sealed value; SealedValueError when it is malformed or does not authenticate under `aad`. */
export async function open (key: CryptoKey, sealed: unknown, aad: Uint8Array): Promise<Uint8Array> {
  if (!isSealedValue(sealed)) throw new SealedValueError(placeOf(aad))
  try {
    const pt = await subtle().decrypt({ name: 'AES-GCM', iv: new Uint8Array(sealed.iv), additionalData: new Uint8Array(aad), tagLength: 128 }, key, new Uint8Array(sealed.ct))
    return new Uint8Array(pt)
  } catch (err) {
    throw new SealedValueError(placeOf(aad), { cause: err })
  }
}
