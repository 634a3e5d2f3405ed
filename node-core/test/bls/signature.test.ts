import { describe, expect, it } from 'vitest'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { numberToBytesBE } from '@noble/curves/utils.js'
import { BlsG1, BlsG2 } from '../../src/crypto/group.js'
import { defaultBlsDegree } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'
import {
  BLS_SIGNATURE_DST,
  NotEnoughSharesError,
  blsSignShare,
  combineBlsSignatureShares,
  findInvalidBlsSignatureShares,
  hashMessageToG2,
  verifyBlsSignature,
  verifyBlsSignatureShare,
  type BlsSignatureShare
} from '../../src/crypto/bls/index.js'
import { ProtocolAbortError } from '../../src/errors.js'
import { dealBls, g2PointOutsideSubgroup, pick, utf8 } from './helpers.js'

const noble = bls12_381.longSignatures
const rng = (): ReturnType<typeof seededRng> => seededRng('batch')

describe('threshold BLS signatures', () => {
  it('uses the IETF basic-scheme DST, which is noble longSignatures default', () => {
    const m = utf8('dst')
    expect(BLS_SIGNATURE_DST).toBe('BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_')
    expect(hashMessageToG2(m).equals(noble.hash(m))).toBe(true)
  })

  for (const n of [3, 4, 5, 7, 10]) {
    it(`any ceil(2n/3) of n = ${n} shares form a signature noble verifies`, () => {
      const shares = dealBls(n)
      const t1 = defaultBlsDegree(n) + 1
      expect(t1).toBe(Math.ceil(2 * n / 3))
      const pks = shares[0].publicKeySet
      const message = utf8(`message for n=${n}`)
      const signers = pick(shares, t1, `subset-${n}`)
      const sigShares = signers.map((ks) => blsSignShare(ks, message))
      const { signature, culprits } = combineBlsSignatureShares(pks, message, sigShares, { rng: rng() })
      expect(culprits).toEqual([])
      // Independent check: noble's own verifier, hashing with its default DST.
      expect(noble.verify(signature, noble.hash(message), pks.publicKey)).toBe(true)
      expect(noble.verify(signature.toBytes(), noble.hash(message), pks.publicKey.toBytes())).toBe(true)
      expect(verifyBlsSignature(pks.publicKey, message, signature)).toBe(true)
      expect(verifyBlsSignature(pks.publicKey, utf8('another message'), signature)).toBe(false)
    })
  }

  it('equals the single-key BLS signature of the dealt secret, whichever subset signs', () => {
    const secret = 0x1234567890abcdefn
    const shares = dealBls(5, 'fixed-secret', secret)
    const pks = shares[0].publicKeySet
    const message = utf8('same signature from any subset')
    const expected = noble.sign(noble.hash(message), numberToBytesBE(secret, 32))
    for (const subset of [[0, 1, 2, 3], [1, 2, 3, 4], [0, 2, 3, 4]]) {
      const { signature } = combineBlsSignatureShares(pks, message, subset.map((i) => blsSignShare(shares[i], message)), { rng: rng() })
      expect(signature.equals(expected)).toBe(true)
    }
    // All five shares: still t+1 used, same result.
    expect(combineBlsSignatureShares(pks, message, shares.map((ks) => blsSignShare(ks, message)), { rng: rng() }).signature.equals(expected)).toBe(true)
  })

  it('verifies single shares and refuses wrong message, wrong id and wrong point', () => {
    const shares = dealBls(4)
    const pks = shares[0].publicKeySet
    const m = utf8('share check')
    const s = blsSignShare(shares[1], m)
    expect(verifyBlsSignatureShare(pks, m, s)).toBe(true)
    expect(verifyBlsSignatureShare(pks, utf8('other'), s)).toBe(false)
    expect(verifyBlsSignatureShare(pks, m, { id: 3, point: s.point })).toBe(false)
    expect(verifyBlsSignatureShare(pks, m, { id: 99, point: s.point })).toBe(false)
    expect(verifyBlsSignatureShare(pks, m, { id: s.id, point: s.point.add(BlsG2.BASE) })).toBe(false)
    expect(verifyBlsSignatureShare(pks, m, { id: s.id, point: BlsG2.ZERO })).toBe(false)
    // A curve point outside the subgroup, handed in as an object (never decoded): refused, not paired.
    expect(verifyBlsSignatureShare(pks, m, { id: s.id, point: g2PointOutsideSubgroup() })).toBe(false)
    const all = shares.map((ks) => blsSignShare(ks, m))
    const { culprits } = combineBlsSignatureShares(pks, m, [{ id: 1, point: g2PointOutsideSubgroup() }, ...all.slice(1)], { rng: rng() })
    expect(culprits).toEqual([1])
  })

  it('names a wrong share and still forms the signature from enough good ones', () => {
    const n = 7
    const shares = dealBls(n)
    const pks = shares[0].publicKeySet
    const m = utf8('robust combine')
    const sig = shares.map((ks) => blsSignShare(ks, m))
    const bad: BlsSignatureShare[] = sig.map((s) => s.id === 2 || s.id === 6 ? { id: s.id, point: s.point.add(hashMessageToG2(m)) } : s)
    expect(findInvalidBlsSignatureShares(pks, m, bad, { rng: rng() })).toEqual([2, 6])
    const { signature, culprits } = combineBlsSignatureShares(pks, m, bad, { rng: rng() })
    expect(culprits).toEqual([2, 6])
    expect(noble.verify(signature, noble.hash(m), pks.publicKey)).toBe(true)
  })

  it('names non-participants, conflicting duplicates, foreign-key and wrong-message shares', () => {
    const shares = dealBls(10)
    const other = dealBls(10, 'another key')
    const pks = shares[0].publicKeySet // 7 of 10
    const m = utf8('sanitise')
    const good = shares.map((ks) => blsSignShare(ks, m))
    const mixed: BlsSignatureShare[] = [
      good[0], good[0], // exact duplicate: kept once, not a culprit
      good[1], { id: 2, point: good[2].point }, // conflicting duplicates of id 2: both dropped
      blsSignShare(other[2], m), // id 3 signing with a foreign key
      blsSignShare(shares[3], utf8('something else')), // id 4, wrong message
      { id: 42, point: good[4].point }, // not a participant
      ...good.slice(4) // ids 5..10
    ]
    const { signature, culprits } = combineBlsSignatureShares(pks, m, mixed, { rng: rng() })
    expect(culprits).toEqual([2, 3, 4, 42])
    expect(noble.verify(signature, noble.hash(m), pks.publicKey)).toBe(true)
    // One good share fewer: 6 valid < 7, and the culprits are still named.
    let err: unknown
    try { combineBlsSignatureShares(pks, m, mixed.slice(0, -1), { rng: rng() }) } catch (e) { err = e }
    expect(err).toBeInstanceOf(NotEnoughSharesError)
    expect((err as NotEnoughSharesError).culprits).toEqual([2, 3, 4, 42])
  })

  it('fails with a typed error below the threshold, carrying the culprits', () => {
    const n = 10
    const shares = dealBls(n)
    const pks = shares[0].publicKeySet
    const t = pks.degree
    const m = utf8('too few')
    const sig = shares.map((ks) => blsSignShare(ks, m))
    let err: unknown
    try { combineBlsSignatureShares(pks, m, sig.slice(0, t), { rng: rng() }) } catch (e) { err = e }
    expect(err).toBeInstanceOf(NotEnoughSharesError)
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect((err as NotEnoughSharesError).code).toBe('ERR_NOT_ENOUGH_SHARES')
    expect((err as NotEnoughSharesError).name).toBe('NotEnoughSharesError')
    expect((err as NotEnoughSharesError).culprits).toEqual([])
    expect((err as NotEnoughSharesError).needed).toBe(t + 1)
    // t+1 shares of which one is bad: not enough, and the bad one is named.
    const withBad = sig.slice(0, t + 1).map((s, i) => i === 0 ? { id: s.id, point: BlsG2.BASE } : s)
    err = undefined
    try { combineBlsSignatureShares(pks, m, withBad, { rng: rng() }) } catch (e) { err = e }
    expect(err).toBeInstanceOf(NotEnoughSharesError)
    expect((err as NotEnoughSharesError).culprits).toEqual([1])
    expect((err as NotEnoughSharesError).valid).toBe(t)
  })

  it('rejects signatures that are the identity, off-key, or for the identity public key', () => {
    const shares = dealBls(3)
    const pks = shares[0].publicKeySet
    const m = utf8('verify edge cases')
    const { signature } = combineBlsSignatureShares(pks, m, shares.map((ks) => blsSignShare(ks, m)), { rng: rng() })
    expect(verifyBlsSignature(pks.publicKey, m, BlsG2.ZERO)).toBe(false)
    expect(verifyBlsSignature(BlsG1.ZERO, m, signature)).toBe(false)
    expect(verifyBlsSignature(pks.publicKey.add(BlsG1.BASE), m, signature)).toBe(false)
  })
})
