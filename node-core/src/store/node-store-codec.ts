/**
 * How NodeStore records become storable rows and back (spec: docs/node-runtime.md §8).
 * Shared by MemoryNodeStore and IdbNodeStore so both exercise the same strict
 * codecs (protocols/dkg/codec.ts, crypto/ecdsa/presignature.ts): a codec bug
 * shows up in the memory-backed tests too.
 *
 * Rows hold only structured-cloneable values (strings, numbers, Uint8Array).
 * Secret bytes (key shares, presignatures) are NOT part of a row: the caller
 * keeps them apart (IdbNodeStore seals them, store/at-rest.ts).
 */
import { InvalidArgumentError } from '../errors.js'
import { BlsG1, Secp256k1, type G1Point, type SecpPoint } from '../crypto/group.js'
import type { KeyShare, PublicKeySet } from '../crypto/key-share.js'
import { Presignature, encodePresignaturePublic, presignatureIdHex, readPresignatureHeader } from '../crypto/ecdsa/index.js'
import { decodeKeyShare, decodePublicKeySet, encodeKeyShare, encodePublicKeySet } from '../protocols/dkg/codec.js'
import { StoreError, type PkpRecord, type PresignatureEntry, type StoredNetworkKey } from './node-store.js'

/** A stored record failed to decode or to open: the database was changed outside this code. */
export class CorruptRecordError extends StoreError {
  constructor (readonly record: string, options?: { cause?: unknown }) {
    super(`stored record ${record} is corrupt`, 'ERR_STORE_CORRUPT', options)
  }
}

/** Ids of nodes (PeerIds) and slots: also part of a database name, so kept to a safe alphabet. */
export function assertNodeId (nodeId: string): void {
  if (typeof nodeId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(nodeId)) {
    throw new InvalidArgumentError('nodeId', 'expected 1-128 characters of [A-Za-z0-9_-]')
  }
}

export function assertName (field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new InvalidArgumentError(field, 'expected a non-empty string of at most 256 characters')
  }
}

function decodeOrCorrupt<T> (record: string, decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    throw new CorruptRecordError(record, { cause: err })
  }
}

// ---------------------------------------------------------------- network key

/** StoredNetworkKey without its share; other (additive) fields are kept as they are. */
export type NetworkKeyRow = Omit<StoredNetworkKey, 'publicKeySet' | 'share'> & {
  publicKeySet: Uint8Array
  hasShare: boolean
}

export function networkKeyToRow (key: StoredNetworkKey): { row: NetworkKeyRow, share?: Uint8Array } {
  assertName('networkKey.genesisId', key.genesisId)
  if (!Array.isArray(key.members) || key.members.length === 0) throw new InvalidArgumentError('networkKey.members', 'expected a non-empty list')
  if (key.publicKeySet.group.name !== BlsG1.name) throw new InvalidArgumentError('networkKey.publicKeySet', 'must be over BLS12-381 G1')
  const { share, publicKeySet, ...rest } = key
  if (share !== undefined && !share.publicKeySet.publicKey.equals(publicKeySet.publicKey)) {
    throw new InvalidArgumentError('networkKey.share', 'belongs to another key')
  }
  return {
    row: { ...rest, members: [...key.members], publicKeySet: encodePublicKeySet(publicKeySet), hasShare: share !== undefined },
    share: share === undefined ? undefined : encodeKeyShare(share)
  }
}

export function networkKeyFromRow (row: NetworkKeyRow, share: Uint8Array | undefined): StoredNetworkKey {
  const { hasShare, publicKeySet, ...rest } = row
  const key: StoredNetworkKey = {
    ...rest,
    publicKeySet: decodeOrCorrupt('networkKey', () => decodePublicKeySet(BlsG1, publicKeySet)) as PublicKeySet<G1Point>
  }
  if (hasShare) {
    if (share === undefined) throw new CorruptRecordError('networkKey.share')
    key.share = decodeOrCorrupt('networkKey.share', () => decodeKeyShare(BlsG1, share)) as KeyShare<G1Point>
  }
  return key
}

// ---------------------------------------------------------------- PKPs

export type PkpRow = Omit<PkpRecord, 'publicKeySet'> & { publicKeySet: Uint8Array }

export function pkpToRow (record: PkpRecord, share: KeyShare<SecpPoint>): { row: PkpRow, share: Uint8Array } {
  assertName('record.tokenId', record.tokenId)
  if (record.publicKeySet.group.name !== Secp256k1.name) throw new InvalidArgumentError('record.publicKeySet', 'must be over secp256k1')
  if (!share.publicKeySet.publicKey.equals(record.publicKeySet.publicKey)) {
    throw new InvalidArgumentError('share', 'belongs to another key than the record')
  }
  const row: PkpRow = { ...record, committee: [...record.committee], publicKeySet: encodePublicKeySet(record.publicKeySet) }
  return { row, share: encodeKeyShare(share) }
}

export function pkpFromRow (row: PkpRow): PkpRecord {
  return {
    ...row,
    committee: [...row.committee],
    publicKeySet: decodeOrCorrupt(`pkp ${row.tokenId}`, () => decodePublicKeySet(Secp256k1, row.publicKeySet)) as PublicKeySet<SecpPoint>
  }
}

export function pkpShareFromBytes (tokenId: string, bytes: Uint8Array): KeyShare<SecpPoint> {
  return decodeOrCorrupt(`key share ${tokenId}`, () => decodeKeyShare(Secp256k1, bytes)) as KeyShare<SecpPoint>
}

// ---------------------------------------------------------------- presignatures

export const PRESIGNATURE_UNUSED = 0
export const PRESIGNATURE_USED = 1

/**
 * Public facts of one presignature. A used one (tombstone) keeps only its
 * identity, so it can never be stored again or taken twice.
 */
export interface PresignatureRow {
  tokenId: string
  id: string
  allocator: string
  createdAt: number
  /** Insertion order within the store: "oldest first" without trusting the clock. */
  seq: number
  /** PRESIGNATURE_UNUSED | PRESIGNATURE_USED (a number: booleans are not IndexedDB keys). */
  state: number
  /** encodePresignaturePublic; absent on tombstones. */
  public?: Uint8Array
}

export function presignatureToRow (tokenId: string, allocator: string, presignature: Presignature, createdAt: number, seq: number): { row: PresignatureRow, secret: Uint8Array } {
  assertName('tokenId', tokenId)
  assertName('allocator', allocator)
  if (!(presignature instanceof Presignature)) throw new InvalidArgumentError('presignature', 'expected a Presignature')
  if (presignature.consumed) throw new InvalidArgumentError('presignature', 'already consumed')
  return {
    row: { tokenId, id: presignature.id, allocator, createdAt, seq, state: PRESIGNATURE_UNUSED, public: encodePresignaturePublic(presignature.public) },
    secret: presignature.toBytes()
  }
}

/** The tombstone of a presignature: its identity only (listed fields, so no secret or public data is carried over). */
export function tombstoneOf (row: PresignatureRow): PresignatureRow {
  return { tokenId: row.tokenId, id: row.id, allocator: row.allocator, createdAt: row.createdAt, seq: row.seq, state: PRESIGNATURE_USED }
}

function header (id: string, bytes: Uint8Array): { degree: number, participants: number[] } {
  const h = decodeOrCorrupt(`presignature ${id}`, () => readPresignatureHeader(bytes))
  if (presignatureIdHex(h) !== id) throw new CorruptRecordError(`presignature ${id}`)
  return { degree: h.degree, participants: h.participants }
}

export function presignatureEntryFromRow (row: PresignatureRow): PresignatureEntry {
  const bytes = row.public
  if (bytes === undefined) throw new CorruptRecordError(`presignature ${row.id}`)
  return {
    tokenId: row.tokenId,
    id: row.id,
    allocator: row.allocator,
    createdAt: row.createdAt,
    ...header(row.id, bytes),
    publicBytes: bytes
  }
}

/** Decode a taken presignature's secret bytes, and check they are the one asked for. */
export function presignatureFromBytes (presignatureId: string, bytes: Uint8Array): Presignature {
  const p = decodeOrCorrupt(`presignature ${presignatureId}`, () => Presignature.fromBytes(bytes, { lazyParties: true }))
  if (p.id !== presignatureId || p.consumed) throw new CorruptRecordError(`presignature ${presignatureId}`)
  return p
}

/** Oldest first: by insertion order. */
export function byAge (a: PresignatureRow, b: PresignatureRow): number {
  return a.seq - b.seq
}
