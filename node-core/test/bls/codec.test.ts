import { describe, expect, it } from 'vitest'
import { BlsG1, BlsG2, type G1Point } from '../../src/crypto/group.js'
import type { PublicKeySet } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'
import { WireKind, Writer } from '../../src/crypto/wire.js'
import { MalformedMessageError } from '../../src/errors.js'
import {
  blsSignShare,
  blsSignatureFromBytes,
  blsSignatureToBytes,
  combineBlsSignatureShares,
  decodeBlsDecryptionShare,
  decodeBlsPublicKeySet,
  decodeBlsSignatureShare,
  decodeIbeCiphertext,
  encodeBlsDecryptionShare,
  encodeBlsPublicKeySet,
  encodeBlsSignatureShare,
  encodeIbeCiphertext,
  ibeDecryptionShare,
  ibeEncrypt,
  isConsistentBlsPublicKeySet,
  verifyBlsSignatureShare
} from '../../src/crypto/bls/index.js'
import { dealBls, g1OffCurve, g1OutsideSubgroup, g2OffCurve, g2OutsideSubgroup, identityBytes, utf8 } from './helpers.js'

const shares = dealBls(5, 'codec')
const pks = shares[0].publicKeySet
const message = utf8('codec')

function expectMalformed (f: () => unknown): void {
  expect(f).toThrow(MalformedMessageError)
}

/** Truncations (every length, or those given) and one trailing byte are refused. */
function expectStrictLength (bytes: Uint8Array, decode: (b: Uint8Array) => unknown, lengths?: number[]): void {
  for (const len of lengths ?? Array.from({ length: bytes.length }, (_, i) => i)) expectMalformed(() => decode(bytes.slice(0, len)))
  expectMalformed(() => decode(Uint8Array.of(...bytes, 0)))
}

function shareBytes (kind: number, id: number, point: Uint8Array): Uint8Array {
  return new Writer().header(kind).u16(id).raw(point).finish()
}

describe('threshold BLS codecs', () => {
  it('round-trips signature and decryption shares, refusing each other’s kind', () => {
    const s = blsSignShare(shares[2], message)
    const d = ibeDecryptionShare(shares[3], 'identity')
    const sb = encodeBlsSignatureShare(s)
    const db = encodeBlsDecryptionShare(d)
    expect(sb.length).toBe(3 + 2 + 96)
    const s2 = decodeBlsSignatureShare(sb)
    expect(s2.id).toBe(3)
    expect(s2.point.equals(s.point)).toBe(true)
    const d2 = decodeBlsDecryptionShare(db)
    expect(d2.id).toBe(4)
    expect(d2.point.equals(d.point)).toBe(true)
    expectMalformed(() => decodeBlsSignatureShare(db))
    expectMalformed(() => decodeBlsDecryptionShare(sb))
    expectStrictLength(sb, decodeBlsSignatureShare)
    expectStrictLength(db, decodeBlsDecryptionShare)
  })

  it('refuses identity, off-curve and wrong-subgroup share points, and id 0', () => {
    const good = blsSignShare(shares[0], message)
    for (const kind of [WireKind.BlsSignatureShare, WireKind.BlsDecryptionShare]) {
      const decode = kind === WireKind.BlsSignatureShare ? decodeBlsSignatureShare : decodeBlsDecryptionShare
      expectMalformed(() => decode(shareBytes(kind, 1, identityBytes(96))))
      expectMalformed(() => decode(shareBytes(kind, 1, g2OffCurve())))
      expectMalformed(() => decode(shareBytes(kind, 1, g2OutsideSubgroup())))
      expectMalformed(() => decode(shareBytes(kind, 1, g1OutsideSubgroup()))) // a G1 length
      expectMalformed(() => decode(shareBytes(kind, 0, good.point.toBytes())))
    }
  })

  it('every single-byte mutation of a share is refused or changes the share (and then fails verification)', () => {
    const s = blsSignShare(shares[1], message)
    const bytes = encodeBlsSignatureShare(s)
    let verified = 0
    for (let pos = 0; pos < bytes.length; pos++) {
      const bad = bytes.slice()
      bad[pos] ^= pos === 5 ? 0x20 : 0x01 // byte 5 carries the point's flags: flip the sign bit there
      let decoded
      try { decoded = decodeBlsSignatureShare(bad) } catch (e) { expect(e).toBeInstanceOf(MalformedMessageError); continue }
      expect(decoded.id !== s.id || !decoded.point.equals(s.point)).toBe(true)
      if (pos >= 5 && verified++ < 2) expect(verifyBlsSignatureShare(pks, message, decoded)).toBe(false)
    }
  })

  it('round-trips combined signatures in the standard 96-byte format', () => {
    const { signature } = combineBlsSignatureShares(pks, message, shares.map((ks) => blsSignShare(ks, message)), { rng: seededRng('c') })
    const bytes = blsSignatureToBytes(signature)
    expect(bytes.length).toBe(96)
    expect(blsSignatureFromBytes(bytes).equals(signature)).toBe(true)
    expectMalformed(() => blsSignatureFromBytes(bytes.slice(0, 95)))
    expectMalformed(() => blsSignatureFromBytes(identityBytes(96)))
    expectMalformed(() => blsSignatureFromBytes(g2OutsideSubgroup()))
  })

  it('round-trips public key sets and checks their consistency', () => {
    for (const n of [3, 10]) {
      const set = dealBls(n, `pks-${n}`)[0].publicKeySet
      const bytes = encodeBlsPublicKeySet(set)
      expect(bytes.length).toBe(3 + 2 + 4 + 48 + 2 + n * 50)
      const back = decodeBlsPublicKeySet(bytes)
      expect(back.degree).toBe(set.degree)
      expect(back.epoch).toBe(set.epoch)
      expect(back.participants).toEqual(set.participants)
      expect(back.publicKey.equals(set.publicKey)).toBe(true)
      for (const id of set.participants) expect(back.verificationShares.get(id)!.equals(set.verificationShares.get(id)!)).toBe(true)
      expect(isConsistentBlsPublicKeySet(set)).toBe(true)
    }
    // Every header/fixed-field length, then both sides of each participant entry boundary.
    const bytes = encodeBlsPublicKeySet(pks)
    const boundaries = pks.participants.flatMap((_, i) => [59 + 50 * i + 1, 59 + 50 * i + 2, 59 + 50 * (i + 1) - 1])
    expectStrictLength(bytes, decodeBlsPublicKeySet, [...Array.from({ length: 60 }, (_, i) => i), ...boundaries])
  })

  it('refuses inconsistent, unsorted, duplicated, under-populated and malformed public key sets', () => {
    const encode = (p: { degree: number, epoch?: number, publicKey: Uint8Array, entries: Array<[number, Uint8Array]> }): Uint8Array =>
      new Writer().header(WireKind.BlsPublicKeySet).u16(p.degree).u32(p.epoch ?? 0).raw(p.publicKey)
        .list(p.entries, (w, [id, x]) => w.u16(id).raw(x)).finish()
    const entries = pks.participants.map((id) => [id, pks.verificationShares.get(id)!.toBytes()] as [number, Uint8Array])
    const pk = pks.publicKey.toBytes()
    // Sanity: the hand-made encoder matches.
    expect(encode({ degree: pks.degree, publicKey: pk, entries })).toEqual(encodeBlsPublicKeySet(pks))
    // A verification share moved off the polynomial.
    const moved = entries.map(([id, x]) => [id, id === 2 ? BlsG1.Point.fromBytes(x).add(BlsG1.BASE).toBytes() : x] as [number, Uint8Array])
    expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: pks.degree, publicKey: pk, entries: moved })))
    // The wrong public key, and a lower stated degree than the sharing has.
    expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: pks.degree, publicKey: BlsG1.BASE.toBytes(), entries })))
    expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: pks.degree - 1, publicKey: pk, entries })))
    // Structure.
    expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: pks.degree, publicKey: pk, entries: [entries[1], entries[0], ...entries.slice(2)] })))
    expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: pks.degree, publicKey: pk, entries: [entries[0], ...entries] })))
    expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: 5, publicKey: pk, entries })))
    expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: 0, publicKey: pk, entries: [] })))
    // Points.
    for (const bad of [identityBytes(48), g1OffCurve(), g1OutsideSubgroup()]) {
      expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: pks.degree, publicKey: bad, entries })))
      expectMalformed(() => decodeBlsPublicKeySet(encode({ degree: pks.degree, publicKey: pk, entries: [[entries[0][0], bad], ...entries.slice(1)] })))
    }
  })

  it('in-memory consistency check catches a tampered key set', () => {
    const tampered: PublicKeySet<G1Point> = { ...pks, verificationShares: new Map([...pks.verificationShares].map(([id, x]) => [id, id === 5 ? x.double() : x])) }
    expect(isConsistentBlsPublicKeySet(tampered)).toBe(false)
  })

  it('round-trips IBE ciphertexts and refuses bad fields', () => {
    const bytes = ibeEncrypt(pks.publicKey, 'id', utf8('payload'), { rng: seededRng('ct') })
    const ct = decodeIbeCiphertext(bytes)
    expect(encodeIbeCiphertext(ct)).toEqual(bytes)
    expectStrictLength(bytes, decodeIbeCiphertext)
    const withU = (u: Uint8Array): Uint8Array => { const b = bytes.slice(); b.set(u, 4); return b }
    for (const bad of [identityBytes(48), g1OffCurve(), g1OutsideSubgroup()]) expectMalformed(() => decodeIbeCiphertext(withU(bad)))
    const badSuite = bytes.slice(); badSuite[3] = 2
    expectMalformed(() => decodeIbeCiphertext(badSuite))
    const badKind = bytes.slice(); badKind[2] = WireKind.BlsSignatureShare
    expectMalformed(() => decodeIbeCiphertext(badKind))
    const badVersion = bytes.slice(); badVersion[1] = 2
    expectMalformed(() => decodeIbeCiphertext(badVersion))
    // A sealed payload shorter than the AEAD tag.
    const short = new Writer().header(WireKind.IbeCiphertext).u8(1).point(BlsG1, ct.u).raw(ct.v).bytes(new Uint8Array(15)).finish()
    expectMalformed(() => decodeIbeCiphertext(short))
    // A length prefix claiming more than the limit.
    const huge = new Writer().header(WireKind.IbeCiphertext).u8(1).point(BlsG1, ct.u).raw(ct.v).u32(0xffffffff).finish()
    expectMalformed(() => decodeIbeCiphertext(huge))
  })

  it('refuses to encode invalid shares', () => {
    expect(() => encodeBlsSignatureShare({ id: 1, point: BlsG2.ZERO })).toThrow()
    expect(() => encodeBlsSignatureShare({ id: 0, point: BlsG2.BASE })).toThrow()
  })
})
