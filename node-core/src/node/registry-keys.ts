/**
 * The registry's member keys (docs/registry.md §1, §13): a node countersigns
 * with its own libp2p identity key (Ed25519, deterministic: RFC 8032), and
 * anyone verifies a countersignature from the member's PeerId alone (an
 * Ed25519 PeerId embeds its public key).
 */
import type { PrivateKey, PublicKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { InvalidArgumentError } from '../errors.js'
import type { MemberKeys, MemberSigner } from '../registry/index.js'

/** Parsed public keys, by PeerId string (null: not an Ed25519 PeerId). */
const publicKeys = new Map<string, PublicKey | null>()
const MAX_CACHED_KEYS = 4096

function publicKeyOf (nodeId: string): PublicKey | null {
  const cached = publicKeys.get(nodeId)
  if (cached !== undefined) return cached
  let key: PublicKey | null = null
  try {
    const id = peerIdFromString(nodeId)
    // Only Ed25519 identities countersign (their signatures are deterministic, registry.md §7.9).
    if (id.type === 'Ed25519' && id.publicKey !== undefined && id.toString() === nodeId) key = id.publicKey
  } catch {
    key = null
  }
  if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear()
  publicKeys.set(nodeId, key)
  return key
}

/** Whether `nodeId` is an Ed25519 PeerId in canonical text form (one that can countersign). */
export function isEd25519PeerId (nodeId: string): boolean {
  return publicKeyOf(nodeId) !== null
}

/** MemberKeys from PeerIds: false for anything that is not an Ed25519 PeerId or does not verify. */
export function peerIdMemberKeys (): MemberKeys {
  return {
    async verify (nodeId, msg, sig) {
      const key = publicKeyOf(nodeId)
      if (key === null) return false
      try {
        return await key.verify(msg, sig)
      } catch {
        return false
      }
    }
  }
}

/** A MemberSigner over the node's own libp2p identity key; refuses a key that is not `nodeId`'s. */
export function memberSignerFromKey (nodeId: string, privateKey: PrivateKey): MemberSigner {
  if (privateKey?.type !== 'Ed25519') throw new InvalidArgumentError('identityKey', 'expected an Ed25519 libp2p private key')
  if (peerIdFromPrivateKey(privateKey).toString() !== nodeId) throw new InvalidArgumentError('identityKey', `is not the key of ${nodeId}`)
  return {
    nodeId,
    sign: async (msg) => await privateKey.sign(msg)
  }
}
