/**
 * The only source of secret randomness in node-core. Every randomised function
 * takes an injectable `Rng` so tests can replay vectors; the default draws from
 * `crypto.getRandomValues` (WebCrypto, in browsers and Node alike).
 */
export type Rng = (bytes: number) => Uint8Array

export const secureRng: Rng = (bytes) => {
  const out = new Uint8Array(bytes)
  // getRandomValues refuses more than 65536 bytes at once.
  for (let i = 0; i < bytes; i += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(bytes, i + 65536)))
  }
  return out
}

/**
 * A deterministic Rng for tests only (ChaCha-free: sha256 in counter mode over
 * a seed). Never used by production code paths.
 */
export { seededRng } from './seeded-rng.js'
