/**
 * A node's durable registry state (spec: docs/registry.md §7.8, §13 and the
 * wiring section): its votes — at most one operation hash per (tokenId, nonce),
 * ever — and the certificates of each token it follows, in nonce order. The
 * certified state is not stored: it is rebuilt from the certificates at start.
 *
 * Implementations: IdbRegistryStore (browser: its own IndexedDB database per
 * node, `lit-registry/<nodeId>`) and MemoryRegistryStore (tests). Both pass the
 * contract tests in node-core/test/store/registry-store.test.ts. A stored
 * record that does not parse is a CorruptRecordError (ERR_STORE_CORRUPT),
 * never a crash and never silently used.
 */
import type { Hex } from 'viem'
import { InvalidArgumentError } from '../errors.js'
import { parseCertificate, type Certificate, type VoteStore } from '../registry/index.js'
import { CorruptRecordError } from './node-store-codec.js'
import { StoreError } from './node-store.js'

/** Most certificates one `certificates()` call returns. */
export const MAX_CERTIFICATES_PER_READ = 1024

export interface RegistryStore extends VoteStore {
  /** The node id this store belongs to. */
  readonly nodeId: string

  /**
   * Store the certificate of (tokenId, nonce) = (certificate.op.tokenId,
   * certificate.op.nonce). The first one stored for a slot stays: storing one
   * for the same operation again is a no-op (another quorum's copy of the same
   * op), one for another operation is refused (StoreError
   * ERR_REGISTRY_CERTIFICATE_CONFLICT). A corrupt record in the slot is replaced.
   * The caller stores only certificates it verified and applied.
   */
  putCertificate(certificate: Certificate): Promise<void>
  /** Certificates of `tokenId` with nonce ≥ fromNonce, in nonce order, at most `limit` (default and cap 1024). */
  certificates(tokenId: Hex, fromNonce?: number, limit?: number): Promise<Certificate[]>
  /** Token ids with at least one stored certificate, sorted. */
  tokens(): Promise<Hex[]>

  close(): Promise<void>
}

const TOKEN_ID = /^0x[0-9a-f]{64}$/
const OP_HASH = /^0x[0-9a-f]{64}$/

export function assertTokenId (tokenId: unknown): asserts tokenId is Hex {
  if (typeof tokenId !== 'string' || !TOKEN_ID.test(tokenId)) throw new InvalidArgumentError('tokenId', 'expected 0x and 64 lower-case hex digits')
}

export function assertNonce (nonce: unknown, field = 'nonce'): asserts nonce is number {
  if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0) throw new InvalidArgumentError(field, 'expected a non-negative safe integer')
}

export function assertOpHash (opHash: unknown): asserts opHash is Hex {
  if (typeof opHash !== 'string' || !OP_HASH.test(opHash)) throw new InvalidArgumentError('opHash', 'expected 0x and 64 lower-case hex digits')
}

export function readLimit (limit: number | undefined): number {
  if (limit === undefined) return MAX_CERTIFICATES_PER_READ
  if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidArgumentError('limit', 'expected a positive integer')
  return Math.min(limit, MAX_CERTIFICATES_PER_READ)
}

/** A stored vote, checked. */
export function voteFromRow (tokenId: Hex, nonce: number, value: unknown): Hex | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !OP_HASH.test(value)) throw new CorruptRecordError(`registry vote ${tokenId}/${nonce}`)
  return value as Hex
}

/** What a certificate row holds: the wire form (JSON-shaped, structured-cloneable). */
export interface CertificateRow {
  tokenId: string
  nonce: number
  certificate: unknown
}

export function certificateToRow (certificate: Certificate): CertificateRow {
  // Parse on the way in too: what is stored is exactly the strict wire form, as a fresh plain copy.
  const parsed = parseCertificate(JSON.parse(JSON.stringify(certificate)))
  return { tokenId: parsed.op.tokenId, nonce: parsed.op.nonce, certificate: JSON.parse(JSON.stringify(parsed)) }
}

/** A stored certificate row, checked: it parses strictly and sits under its own (tokenId, nonce). */
export function certificateFromRow (tokenId: Hex, nonce: number, row: unknown): Certificate {
  const where = `registry certificate ${tokenId}/${nonce}`
  if (typeof row !== 'object' || row === null) throw new CorruptRecordError(where)
  const r = row as Partial<CertificateRow>
  let cert: Certificate
  try {
    cert = parseCertificate(r.certificate)
  } catch (err) {
    throw new CorruptRecordError(where, { cause: err })
  }
  if (r.tokenId !== tokenId || r.nonce !== nonce || cert.op.tokenId !== tokenId || cert.op.nonce !== nonce) throw new CorruptRecordError(where)
  return cert
}

/** Whether two certificates carry the same signed operation (countersignatures may differ). */
export function sameOperation (a: Certificate, b: Certificate): boolean {
  return JSON.stringify(a.op) === JSON.stringify(b.op)
}

export class CertificateConflictError extends StoreError {
  constructor (tokenId: string, nonce: number) {
    super(`a certificate of another operation is stored for token ${tokenId} nonce ${nonce}`, 'ERR_REGISTRY_CERTIFICATE_CONFLICT')
  }
}
