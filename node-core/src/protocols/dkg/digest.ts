/** Transcript digests for the echo checks (docs/dkg.md, "Hashes"). */
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { DIGEST_BYTES, LABEL_DIGEST } from './constants.js'

/** The digest that stands for "nothing acceptable was received". */
export const NO_DIGEST: Uint8Array = new Uint8Array(DIGEST_BYTES)

/** Digest of one encoded message (the encoding already carries kind, protocol and sessionId). */
export function messageDigest (encoded: Uint8Array): Uint8Array {
  return sha256(lengthPrefixed([new TextEncoder().encode(LABEL_DIGEST), encoded]))
}

export function isNoDigest (d: Uint8Array): boolean {
  return equalBytes(d, NO_DIGEST)
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

export function u16Bytes (v: number): Uint8Array {
  return Uint8Array.of((v >> 8) & 0xff, v & 0xff)
}

/** Unambiguous concatenation: each part preceded by its u32 length. */
export function lengthPrefixed (parts: readonly Uint8Array[]): Uint8Array {
  const out: Uint8Array[] = []
  for (const p of parts) {
    const len = new Uint8Array(4)
    new DataView(len.buffer).setUint32(0, p.length)
    out.push(len, p)
  }
  return concatBytes(...out)
}
