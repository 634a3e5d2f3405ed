/**
 * The bytes a member countersigns (spec: docs/registry.md §8.1).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { getAddress, type Hex } from 'viem'
import { InvalidArgumentError } from '../errors.js'
import { committeeHashBytes } from './committee.js'
import { COUNTERSIGN_LABEL } from './constants.js'
import type { Committee } from './types.js'

/** registry.md §8.1: sha256(label ‖ opHash ‖ signer ‖ committeeHash). */
export function countersignMessage (opHash: Hex, signer: string, committee: Committee): Uint8Array {
  const hash = hexToBytes(opHash.slice(2))
  const addr = hexToBytes(getAddress(signer).slice(2))
  if (hash.length !== 32) throw new InvalidArgumentError('opHash', 'expected 32 bytes')
  return sha256(concatBytes(utf8ToBytes(COUNTERSIGN_LABEL), hash, addr, committeeHashBytes(committee)))
}
