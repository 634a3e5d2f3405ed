import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes, concatBytes } from '@noble/hashes/utils.js'
import type { Rng } from './random.js'

/** Deterministic stream of bytes from a seed, for reproducible tests. Not for secrets. */
export function seededRng (seed: string | Uint8Array): Rng {
  const key = typeof seed === 'string' ? utf8ToBytes(seed) : seed
  const counterBytes = new Uint8Array(8)
  const counterView = new DataView(counterBytes.buffer)
  let counter = 0n
  let block = new Uint8Array(0)
  let used = 0
  return (bytes) => {
    const out = new Uint8Array(bytes)
    let filled = 0
    while (filled < bytes) {
      if (used === block.length) {
        counterView.setBigUint64(0, counter++)
        block = sha256(concatBytes(key, counterBytes))
        used = 0
      }
      const n = Math.min(bytes - filled, block.length - used)
      out.set(block.subarray(used, used + n), filled)
      filled += n
      used += n
    }
    return out
  }
}
