/** How a PKP's ids follow from its public key (as Lit derives them). */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { publicKeyToAddress } from 'viem/accounts'
import type { SecpPoint } from '../crypto/group.js'

/** keccak256 of the uncompressed (65-byte) public key, lower-case hex without 0x. */
export function tokenIdOf (publicKey: SecpPoint): string {
  return bytesToHex(keccak_256(publicKey.toBytes(false)))
}

/** EIP-55 address of the key. */
export function ethAddressOf (publicKey: SecpPoint): string {
  return publicKeyToAddress(`0x${bytesToHex(publicKey.toBytes(false))}`)
}

/** Uncompressed public key, lower-case hex without 0x (pkp/list's form). */
export function uncompressedHex (publicKey: SecpPoint): string {
  return bytesToHex(publicKey.toBytes(false))
}
