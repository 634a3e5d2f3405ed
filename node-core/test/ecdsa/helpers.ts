import { Secp256k1 } from '../../src/crypto/group.js'
import { dealKeyShares, type KeyShare } from '../../src/crypto/key-share.js'
import { seededRng, type Rng } from '../../src/crypto/random.js'
import type { SecpPoint } from '../../src/crypto/group.js'
import type { SignRequest } from '../../src/crypto/ecdsa/index.js'
import { keccak_256 } from '@noble/hashes/sha3.js'

export const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

export function keyFor (n: number, t: number, seed = `key-${n}-${t}`): Array<KeyShare<SecpPoint>> {
  return dealKeyShares(Secp256k1, t, ids(n), { rng: seededRng(seed) })
}

export function requestFor (message: string, signers: readonly number[], rng: Rng = seededRng(`entropy-${message}`)): SignRequest {
  return { messageHash: keccak_256(new TextEncoder().encode(message)), signers: [...signers].sort((a, b) => a - b), entropy: rng(32) }
}

/** Catch a thrown value (or fail). */
export function caught (f: () => unknown): any {
  try { f() } catch (err) { return err }
  throw new Error('expected a throw')
}
