/**
 * Base64 of ciphertexts (Lit's `ciphertext` field), shared by the client SDK and the
 * node's action runs. Strict: anything but the standard alphabet is InvalidArgumentError.
 */
import { InvalidArgumentError } from './errors.js'

export function toBase64 (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

export function fromBase64 (text: string, field = 'ciphertext'): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new InvalidArgumentError(field, 'expected base64')
  let bin: string
  try { bin = atob(text) } catch { throw new InvalidArgumentError(field, 'expected base64') }
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
