/**
 * libp2p private keys from an {@link IdentityStore}: load the slot's key, or make
 * one from the injected rng and store it.
 */
import { generateKeyPairFromSeed, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { secureRng, type Rng } from '../crypto/random.js'
import type { IdentityStore } from '../store/identity.js'

/** A fresh Ed25519 libp2p key whose seed comes from `rng`. */
export async function newPeerKey (rng: Rng = secureRng): Promise<PrivateKey> {
  const seed = rng(32)
  try {
    return await generateKeyPairFromSeed('Ed25519', seed)
  } finally {
    seed.fill(0)
  }
}

/** The key stored for `slot`, created and stored on first use. */
export async function loadOrCreatePeerKey (store: IdentityStore, slot: string, rng: Rng = secureRng): Promise<PrivateKey> {
  const stored = await store.get(slot)
  if (stored != null) return privateKeyFromProtobuf(stored)
  const key = await newPeerKey(rng)
  await store.put(slot, privateKeyToProtobuf(key))
  return key
}
