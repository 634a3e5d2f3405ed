/**
 * Versioned binary encoding for protocol messages and shares. Spec: docs/wire.md.
 *
 * Every encoded object starts with a header: magic byte 0x4c ('L'), a format
 * version, and a one-byte kind tag naming what follows. Readers are strict:
 * wrong lengths, unknown versions or kinds, non-canonical scalars, invalid
 * points and trailing bytes are all refused with MalformedMessageError.
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { MalformedMessageError } from '../errors.js'
import { type Group, pointFromBytes, scalarFromBytes, scalarToBytes } from './group.js'

export const WIRE_MAGIC = 0x4c
export const WIRE_VERSION = 1

/** Upper bound on any list in a message (participants, commitments): n ≤ 256. */
export const MAX_LIST = 1024

export class Writer {
  private readonly chunks: Uint8Array[] = []
  private length = 0

  header (kind: number): this {
    return this.u8(WIRE_MAGIC).u8(WIRE_VERSION).u8(kind)
  }

  u8 (v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`u8 out of range: ${v}`)
    return this.raw(Uint8Array.of(v))
  }

  u16 (v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`u16 out of range: ${v}`)
    return this.raw(Uint8Array.of(v >> 8, v & 0xff))
  }

  u32 (v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 out of range: ${v}`)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, v)
    return this.raw(b)
  }

  /** Fixed-length bytes (the reader must know the length). */
  raw (b: Uint8Array): this {
    this.chunks.push(b)
    this.length += b.length
    return this
  }

  /** u32 length prefix, then bytes. */
  bytes (b: Uint8Array): this {
    return this.u32(b.length).raw(b)
  }

  string (s: string): this {
    return this.bytes(new TextEncoder().encode(s))
  }

  scalar (group: { scalarBytes: number }, k: bigint): this {
    return this.raw(scalarToBytes(group, k))
  }

  point<P extends CurvePoint<any, P>> (_group: Group<P>, p: P): this {
    return this.raw(p.toBytes())
  }

  list<T> (items: readonly T[], each: (w: this, item: T) => void): this {
    this.u16(items.length)
    for (const item of items) each(this, item)
    return this
  }

  finish (): Uint8Array {
    const out = new Uint8Array(this.length)
    let off = 0
    for (const c of this.chunks) { out.set(c, off); off += c.length }
    return out
  }
}

export class Reader {
  private off = 0

  constructor (private readonly buf: Uint8Array, private readonly what: string) {
    if (!(buf instanceof Uint8Array)) throw new MalformedMessageError(what, 'not bytes')
  }

  /** Reads and checks the header; returns nothing, throws on mismatch. */
  header (kind: number): this {
    const magic = this.u8('magic')
    if (magic !== WIRE_MAGIC) throw new MalformedMessageError(this.what, `bad magic byte 0x${magic.toString(16)}`)
    const version = this.u8('version')
    if (version !== WIRE_VERSION) throw new MalformedMessageError(this.what, `unsupported wire version ${version} (this build speaks ${WIRE_VERSION})`)
    const k = this.u8('kind')
    if (k !== kind) throw new MalformedMessageError(this.what, `expected kind ${kind}, got ${k}`)
    return this
  }

  private take (n: number, field: string): Uint8Array {
    if (this.off + n > this.buf.length) throw new MalformedMessageError(`${this.what}.${field}`, `truncated: need ${n} bytes, ${this.buf.length - this.off} left`)
    const out = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return out
  }

  u8 (field: string): number { return this.take(1, field)[0] }

  u16 (field: string): number {
    const b = this.take(2, field)
    return (b[0] << 8) | b[1]
  }

  u32 (field: string): number {
    const b = this.take(4, field)
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0)
  }

  raw (n: number, field: string): Uint8Array { return this.take(n, field).slice() }

  bytes (field: string, maxLength = 1 << 20): Uint8Array {
    const n = this.u32(field)
    if (n > maxLength) throw new MalformedMessageError(`${this.what}.${field}`, `length ${n} exceeds ${maxLength}`)
    return this.raw(n, field)
  }

  string (field: string, maxLength = 1 << 16): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(field, maxLength))
    } catch (err) {
      if (err instanceof MalformedMessageError) throw err
      throw new MalformedMessageError(`${this.what}.${field}`, 'not valid UTF-8')
    }
  }

  scalar (group: { order: bigint, scalarBytes: number }, field: string, opts?: { allowZero?: boolean }): bigint {
    return scalarFromBytes(group, this.take(group.scalarBytes, field), `${this.what}.${field}`, opts)
  }

  point<P extends CurvePoint<any, P>> (group: Group<P>, field: string, opts?: { allowIdentity?: boolean }): P {
    return pointFromBytes(group, this.take(group.pointBytes, field), `${this.what}.${field}`, opts)
  }

  list<T> (field: string, each: (r: this, index: number) => T, opts: { min?: number, max?: number } = {}): T[] {
    const n = this.u16(field)
    const max = opts.max ?? MAX_LIST
    if (n > max) throw new MalformedMessageError(`${this.what}.${field}`, `list of ${n} exceeds ${max}`)
    if (n < (opts.min ?? 0)) throw new MalformedMessageError(`${this.what}.${field}`, `list of ${n} is shorter than ${opts.min ?? 0}`)
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(each(this, i))
    return out
  }

  /** Participant id: u16, 1..65535. */
  participant (field: string): number {
    const id = this.u16(field)
    if (id === 0) throw new MalformedMessageError(`${this.what}.${field}`, 'participant id 0 is not allowed')
    return id
  }

  /** Refuse trailing bytes. */
  end (): void {
    if (this.off !== this.buf.length) throw new MalformedMessageError(this.what, `${this.buf.length - this.off} trailing bytes`)
  }
}

/** Kind tags, one per encoded object type. Append only; never reuse a number. */
export const WireKind = {
  DkgRound1: 1,
  DkgRound2Share: 2,
  DkgComplaint: 3,
  DkgComplaintAnswer: 4,
  DkgResult: 5,
  KeyShare: 6,
  PublicKeySet: 7,
  PresignRound1: 10,
  PresignRound2: 11,
  PresignRound3: 12,
  Presignature: 13,
  SignatureShare: 14,
  PresignPublic: 15,
  /** Presign round 1, the private part: one dealer's shares for one recipient. */
  PresignRound1Share: 16,
  BlsSignatureShare: 20,
  BlsDecryptionShare: 21,
  IbeCiphertext: 22,
  BlsPublicKeySet: 23
} as const
