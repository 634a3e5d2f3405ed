/**
 * The registry committee and its quorum (spec: docs/registry.md §2). Pure.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Hex } from 'viem'
import { InvalidArgumentError } from '../errors.js'
import { COMMITTEE_LABEL, MAX_COMMITTEE, MAX_EPOCH_CHARS, MAX_NODE_ID_CHARS } from './constants.js'
import type { Committee } from './types.js'

const NODE_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_NODE_ID_CHARS}}$`)

/** Whether `id` has the syntax of a node id (registry.md §5.3.3). */
export function isNodeId (id: unknown): id is string {
  return typeof id === 'string' && NODE_ID.test(id)
}

/** registry.md §2.2: f = ⌊(n−1)/3⌋ Byzantine members tolerated. */
export function faultTolerance (n: number): number {
  assertSize(n)
  return Math.floor((n - 1) / 3)
}

/** registry.md §2.3: q = ⌊2n/3⌋ + 1 countersignatures make a certificate. */
export function quorumSize (n: number): number {
  assertSize(n)
  return Math.floor((2 * n) / 3) + 1
}

function assertSize (n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_COMMITTEE) throw new InvalidArgumentError('n', `expected 1..${MAX_COMMITTEE} members`)
}

/**
 * Why `members` is not a valid member list (sorted, distinct, 1..64 node ids),
 * or null when it is. Used by the wire parser and by validateCommittee.
 */
export function memberListProblem (members: unknown): string | null {
  if (!Array.isArray(members)) return 'expected an array'
  if (members.length < 1 || members.length > MAX_COMMITTEE) return `expected 1..${MAX_COMMITTEE} members`
  for (let i = 0; i < members.length; i++) {
    if (!isNodeId(members[i])) return `member ${i} is not a node id`
    if (i > 0 && !(members[i - 1] < members[i])) return 'members must be sorted and distinct'
  }
  return null
}

/** Set-up check of a committee handed in by the caller (registry.md §2.1). */
export function validateCommittee (committee: Committee): Committee {
  if (typeof committee !== 'object' || committee === null) throw new InvalidArgumentError('committee', 'expected an object')
  const { epoch, members } = committee
  if (typeof epoch !== 'string' || epoch.length < 1 || epoch.length > MAX_EPOCH_CHARS) throw new InvalidArgumentError('committee.epoch', `expected 1..${MAX_EPOCH_CHARS} characters`)
  const problem = memberListProblem(members)
  if (problem !== null) throw new InvalidArgumentError('committee.members', problem)
  return committee
}

function u32 (n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

function lengthPrefixed (s: string): Uint8Array {
  const bytes = utf8ToBytes(s)
  return concatBytes(u32(bytes.length), bytes)
}

/** registry.md §8.1: sha256(label ‖ u32 len epoch ‖ epoch ‖ u32 n ‖ (u32 len m ‖ m)…). */
export function committeeHashBytes (committee: Committee): Uint8Array {
  validateCommittee(committee)
  return sha256(concatBytes(
    utf8ToBytes(COMMITTEE_LABEL),
    lengthPrefixed(committee.epoch),
    u32(committee.members.length),
    ...committee.members.map(lengthPrefixed)
  ))
}

export function committeeHash (committee: Committee): Hex {
  return `0x${bytesToHex(committeeHashBytes(committee))}`
}

export function sameMembers (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i])
}
