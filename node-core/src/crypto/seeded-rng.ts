import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes, concatBytes } from '@noble/hashes/utils.js'
import type { Rng } from './random.js'

/** Deterministic stream of bytes from a seed, for reproducible tests. Not for secrets. */
export function seededRng (seed: string | Uint8Array): Rng {
  const key = typeof seed === 'string' ? utf8ToBytes(seed) : seed
  let counter = 0
  let buffer = new Uint8Array(0)
  return (bytes) => {
    while (buffer.length < bytes) {
      const c = new Uint8Array(8)
      new DataView(c.buffer).setBigUint64(0, BigInt(counter++))
      buffer = concatBytes(buffer, sha256(concatBytes(key, c)))
    }
    const out = buffer.slice(0, bytes)
    buffer = buffer.slice(bytes)
    return out
  }
}
