/**
 * Ed25519 public keys from 32-byte seeds (RFC 8032 §5.1.5), for deterministic
 * node identities in memory networks (node/memory-transport.ts). The libp2p
 * key objects are built from these bytes by the caller.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { InvalidArgumentError } from '../errors.js'

/** The 32-byte public key of an Ed25519 seed. */
export function ed25519PublicKeyFromSeed (seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new InvalidArgumentError('seed', 'expected 32 bytes')
  return ed25519.getPublicKey(seed)
}
