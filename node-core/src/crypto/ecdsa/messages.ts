/**
 * Presign protocol messages and their strict codecs (spec: docs/ecdsa.md §3,
 * wire layout in §7). Every message starts with the wire header and carries
 * the session id; the sender is never in the body (it comes from the
 * authenticated connection). Decoders know the key degree t, so every list
 * has its exact length.
 */
import { normalizeZ } from '@noble/curves/abstract/curve.js'
import { MalformedMessageError } from '../../errors.js'
import { Secp256k1, type SecpPoint } from '../group.js'
import { Reader, WireKind, Writer } from '../wire.js'
import type { OpeningProof } from './opening-proof.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { p, red } from '../secp256k1/jacobian.js'

export const MAX_SESSION_ID_BYTES = 64

/** Round 1, broadcast: Feldman commitments of the dealer's four polynomials. */
export interface PresignRound1Message {
  readonly sessionId: Uint8Array
  /** k_i(X), degree t: t+1 points. */
  readonly k: readonly SecpPoint[]
  /** a_i(X), degree t: t+1 points. */
  readonly a: readonly SecpPoint[]
  /** b_i(X), degree 2t, b_i(0) = 0: 2t+1 points, the first the identity. */
  readonly b: readonly SecpPoint[]
  /** e_i(X), degree 2t, e_i(0) = 0: 2t+1 points, the first the identity. */
  readonly e: readonly SecpPoint[]
}

/** Round 1, private to one recipient j: the dealer's four polynomials evaluated at j. */
export interface PresignRound1Share {
  readonly sessionId: Uint8Array
  readonly k: bigint
  readonly a: bigint
  readonly b: bigint
  readonly e: bigint
}

/** Round 2, broadcast: the opened w_j, Y_j = x_j·A_j and one proof for both. */
export interface PresignRound2Message {
  readonly sessionId: Uint8Array
  /** Hash of every round-1 broadcast as this sender saw them (echo check). */
  readonly round1Digest: Uint8Array
  readonly w: bigint
  readonly Y: SecpPoint
  readonly proof: OpeningProof
}

export function assertSessionId (sessionId: Uint8Array, field = 'sessionId'): void {
  if (!(sessionId instanceof Uint8Array) || sessionId.length < 1 || sessionId.length > MAX_SESSION_ID_BYTES) {
    throw new MalformedMessageError(field, `must be 1..${MAX_SESSION_ID_BYTES} bytes`)
  }
}

/**
 * Encodings are canonical (decode∘encode is the identity on accepted bytes), so
 * the bytes of a message, once known, are remembered for hashing transcripts
 * without re-serialising every point.
 */
const encoded = new WeakMap<object, Uint8Array>()
function remember<T extends object> (m: T, bytes: Uint8Array): T { encoded.set(m, bytes.slice()); return m }

/**
 * Presign messages carry points UNCOMPRESSED (SEC1 0x04 ‖ x ‖ y, 65 bytes):
 * decompressing costs a square root (~0.07 ms), checking an uncompressed
 * point is on the curve ~0.004 ms, and a party decodes ~15·n points per
 * presign. The price is 32 more bytes per point. Stored objects stay compressed.
 */
export const UNCOMPRESSED_POINT_BYTES = 65
const IDENTITY_BYTES = new Uint8Array(UNCOMPRESSED_POINT_BYTES)

function writePoint (w: Writer, p: SecpPoint): void {
  w.raw(p.toBytes(false))
}

/**
 * Strict: prefix 0x04, coordinates canonical (< p), on the curve (y² = x³ + 7; the
 * group has prime order, so on the curve is in the group); never the identity,
 * which has no affine form. Checked here once with the field's fast reduction
 * (noble's fromBytes checks the equation twice, with generic reductions).
 */
function readPoint (r: Reader, what: string, field: string): SecpPoint {
  const b = r.raw(UNCOMPRESSED_POINT_BYTES, field)
  if (b[0] !== 0x04) throw new MalformedMessageError(`${what}.${field}`, 'point must be uncompressed SEC1 (prefix 0x04)')
  const x = bytesToNumberBE(b.subarray(1, 33))
  const y = bytesToNumberBE(b.subarray(33, 65))
  if (x >= p || y >= p) throw new MalformedMessageError(`${what}.${field}`, 'not a valid secp256k1 point: coordinate not below p')
  if (red(y * y) !== red(red(x * x) * x + 7n)) throw new MalformedMessageError(`${what}.${field}`, 'not a valid secp256k1 point: not on the curve')
  return Secp256k1.Point.fromAffine({ x, y })
}

function writeCommitment (w: Writer, c: readonly SecpPoint[], zeroConstant: boolean): void {
  w.u16(c.length)
  // One batched inversion makes every point affine before encoding.
  const affine = normalizeZ(Secp256k1.Point, zeroConstant ? c.slice(1) : [...c])
  if (zeroConstant) w.raw(IDENTITY_BYTES)
  for (const p of affine) writePoint(w, p)
}

function readCommitment (r: Reader, field: string, degree: number, zeroConstant: boolean): SecpPoint[] {
  const len = r.u16(`${field}.length`)
  if (len !== degree + 1) throw new MalformedMessageError(`PresignRound1.${field}`, `expected ${degree + 1} coefficients, got ${len}`)
  const out: SecpPoint[] = []
  for (let i = 0; i < len; i++) {
    if (zeroConstant && i === 0) {
      // Spec 3.1: a zero sharing commits to the identity as its constant term.
      const b = r.raw(UNCOMPRESSED_POINT_BYTES, `${field}[0]`)
      if (!b.every((x) => x === 0)) throw new MalformedMessageError(`PresignRound1.${field}[0]`, 'constant term of a zero sharing must be the identity')
      out.push(Secp256k1.ZERO)
    } else {
      out.push(readPoint(r, 'PresignRound1', `${field}[${i}]`))
    }
  }
  return out
}

export function encodeRound1 (m: PresignRound1Message): Uint8Array {
  const known = encoded.get(m)
  if (known !== undefined) return known.slice()
  const w = new Writer().header(WireKind.PresignRound1).bytes(m.sessionId)
  writeCommitment(w, m.k, false)
  writeCommitment(w, m.a, false)
  writeCommitment(w, m.b, true)
  writeCommitment(w, m.e, true)
  const bytes = w.finish()
  remember(m, bytes)
  return bytes
}

export function decodeRound1 (bytes: Uint8Array, degree: number): PresignRound1Message {
  const r = new Reader(bytes, 'PresignRound1').header(WireKind.PresignRound1)
  const sessionId = r.bytes('sessionId', MAX_SESSION_ID_BYTES)
  assertSessionId(sessionId, 'PresignRound1.sessionId')
  const k = readCommitment(r, 'k', degree, false)
  const a = readCommitment(r, 'a', degree, false)
  const b = readCommitment(r, 'b', 2 * degree, true)
  const e = readCommitment(r, 'e', 2 * degree, true)
  r.end()
  return remember({ sessionId, k, a, b, e }, bytes)
}

export function encodeRound1Share (m: PresignRound1Share): Uint8Array {
  return new Writer().header(WireKind.PresignRound1Share).bytes(m.sessionId)
    .scalar(Secp256k1, m.k).scalar(Secp256k1, m.a).scalar(Secp256k1, m.b).scalar(Secp256k1, m.e).finish()
}

export function decodeRound1Share (bytes: Uint8Array): PresignRound1Share {
  const r = new Reader(bytes, 'PresignRound1Share').header(WireKind.PresignRound1Share)
  const sessionId = r.bytes('sessionId', MAX_SESSION_ID_BYTES)
  assertSessionId(sessionId, 'PresignRound1Share.sessionId')
  // Shares are field elements; zero is a legitimate (if unlikely) value.
  const z = { allowZero: true }
  const k = r.scalar(Secp256k1, 'k', z)
  const a = r.scalar(Secp256k1, 'a', z)
  const b = r.scalar(Secp256k1, 'b', z)
  const e = r.scalar(Secp256k1, 'e', z)
  r.end()
  return { sessionId, k, a, b, e }
}

export function encodeRound2 (m: PresignRound2Message): Uint8Array {
  if (m.proof.T.length !== 2) throw new RangeError('round-2 proof needs two commitments')
  const known = encoded.get(m)
  if (known !== undefined) return known.slice()
  const bytes = new Writer().header(WireKind.PresignRound2).bytes(m.sessionId).raw(m.round1Digest)
    .scalar(Secp256k1, m.w).raw(m.Y.toBytes(false))
    .raw(m.proof.T[0].toBytes(false)).raw(m.proof.T[1].toBytes(false))
    .scalar(Secp256k1, m.proof.z).finish()
  remember(m, bytes)
  return bytes
}

export function decodeRound2 (bytes: Uint8Array): PresignRound2Message {
  const r = new Reader(bytes, 'PresignRound2').header(WireKind.PresignRound2)
  const sessionId = r.bytes('sessionId', MAX_SESSION_ID_BYTES)
  assertSessionId(sessionId, 'PresignRound2.sessionId')
  const round1Digest = r.raw(32, 'round1Digest')
  const z = { allowZero: true }
  const w = r.scalar(Secp256k1, 'w', z)
  const Y = readPoint(r, 'PresignRound2', 'Y')
  // Spec 3.6: the proof has one commitment per base (G, U = K_j + γ·X_j).
  const T = [readPoint(r, 'PresignRound2', 'proof.T[0]'), readPoint(r, 'PresignRound2', 'proof.T[1]')] as const
  const proof = { T, z: r.scalar(Secp256k1, 'proof.z', z) }
  r.end()
  return remember({ sessionId, round1Digest, w, Y, proof }, bytes)
}

/** The kind byte of an encoded message (after checking the magic/version header exists). */
export function peekKind (bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array) || bytes.length < 3) throw new MalformedMessageError('message', 'too short for a header')
  return bytes[2]
}
