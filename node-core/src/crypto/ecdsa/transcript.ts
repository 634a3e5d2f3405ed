/**
 * Fiat–Shamir transcripts and domain-separated hashes for threshold ECDSA.
 * Every label carries the protocol version so transcripts of different
 * versions can never collide. Fields are length-prefixed (u32) so the
 * encoding is injective.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { mod, Secp256k1, type SecpPoint } from '../group.js'

/** Version tag of every hash label in this module (bump on any transcript change). */
export const ECDSA_TRANSCRIPT_VERSION = 'lit-ecdsa-djnpo20/v3'

export class Transcript {
  private readonly parts: Uint8Array[] = []

  constructor (label: string) {
    this.bytes('label', utf8ToBytes(`${ECDSA_TRANSCRIPT_VERSION}/${label}`))
  }

  bytes (label: string, data: Uint8Array): this {
    const l = utf8ToBytes(label)
    this.parts.push(u32(l.length), l, u32(data.length), data)
    return this
  }

  u32 (label: string, v: number): this { return this.bytes(label, u32(v)) }

  /** Compressed SEC1; the identity (which has no SEC1 form) as 33 zero bytes. */
  point (label: string, p: SecpPoint): this {
    return this.bytes(label, p.equals(Secp256k1.ZERO) ? new Uint8Array(33) : p.toBytes(true))
  }

  scalar (label: string, k: bigint): this { return this.bytes(label, scalarBytes(k)) }

  ids (label: string, ids: readonly number[]): this {
    const b = new Uint8Array(2 * ids.length)
    ids.forEach((id, i) => { b[2 * i] = id >> 8; b[2 * i + 1] = id & 0xff })
    return this.bytes(label, b)
  }

  /** 32-byte digest. */
  digest (): Uint8Array { return sha256(this.concat()) }

  /** A scalar mod the secp256k1 order from 64 hash bytes (bias < 2^-250). May be zero. */
  challenge (): bigint { return mod(bytesToNumberBE(sha512(this.concat())), Secp256k1.order) }

  private concat (): Uint8Array {
    let len = 0
    for (const p of this.parts) len += p.length
    const out = new Uint8Array(len)
    let off = 0
    for (const p of this.parts) { out.set(p, off); off += p.length }
    return out
  }
}

function u32 (v: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, v)
  return b
}

function scalarBytes (k: bigint): Uint8Array {
  const out = new Uint8Array(32)
  let x = k
  for (let i = 31; i >= 0; i--) { out[i] = Number(x & 0xffn); x >>= 8n }
  return out
}
