import { describe, expect, it } from 'vitest'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { BlsG1, BlsG2 } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { LitError, MalformedMessageError } from '../../src/errors.js'
import {
  DecryptionFailedError,
  IBE_SUITE_BLS12381_CHACHA20POLY1305,
  NotEnoughSharesError,
  blsSignShare,
  combineAndDecrypt,
  combineBlsDecryptionShares,
  decodeIbeCiphertext,
  encodeIbeCiphertext,
  hashIdentityToG2,
  ibeDecrypt,
  ibeDecryptionShare,
  ibeEncrypt,
  verifyBlsDecryptionShare,
  type BlsDecryptionShare
} from '../../src/crypto/bls/index.js'
import { ibeCiphertextAad } from '../../src/crypto/bls/codec.js'
import { IBE_IDENTITY_DST, IDENTITY_CACHE_SIZE, aeadKey, gtMask, hashMessageToG2 } from '../../src/crypto/bls/hash.js'
import type { G2Point as BlsG2Point } from '../../src/crypto/group.js'
import { dealBls, pick, utf8 } from './helpers.js'
import { interpolateG2AtZero } from '../../src/crypto/bls/partials.js'
import { lagrangeCoefficients } from '../../src/crypto/shares.js'

const ID = 'lit-accesscontrolcondition://aaaa/bbbb'
const opts = (): { rng: ReturnType<typeof seededRng> } => ({ rng: seededRng('ibe-batch') })

/** Deterministic test bytes: a ChaCha20 keystream (seededRng is quadratic for megabytes). */
function bytesOf (n: number, seed: string): Uint8Array {
  return chacha20(seededRng(seed)(32), new Uint8Array(12), new Uint8Array(n))
}

/** The test's "does not return plaintext" oracle: any throw must be a typed project error. */
function expectTypedFailure (f: () => unknown): LitError {
  let err: unknown
  let result: unknown
  try { result = f() } catch (e) { err = e }
  expect(result).toBeUndefined()
  expect(err).toBeInstanceOf(LitError)
  expect(err instanceof DecryptionFailedError || err instanceof MalformedMessageError).toBe(true)
  return err as LitError
}

describe('threshold IBE (Boneh–Franklin + FO)', () => {
  it('round-trips empty, small and 1 MiB payloads at 2 of 3', () => {
    const shares = dealBls(3)
    const pks = shares[0].publicKeySet
    const dec = pick(shares, 2, 'ibe-3').map((ks) => ibeDecryptionShare(ks, ID))
    const { key } = combineBlsDecryptionShares(pks, ID, dec, opts())
    for (const [label, pt] of [['empty', new Uint8Array(0)], ['small', utf8('hello, threshold world')], ['1 MiB', bytesOf(1 << 20, 'big')]] as const) {
      const ct = ibeEncrypt(pks.publicKey, ID, pt, { rng: seededRng(label) })
      expect(ct.length, label).toBe(3 + 1 + 48 + 32 + 4 + pt.length + 16)
      expect(ibeDecrypt(key, ct), label).toEqual(pt)
      if (pt.length < 1000) expect(combineAndDecrypt(pks, ID, ct, dec, opts()), label).toEqual({ plaintext: pt, culprits: [] })
    }
  })

  for (const n of [4, 5, 7, 10]) {
    it(`round-trips at ceil(2n/3) of n = ${n}`, () => {
      const shares = dealBls(n)
      const pks = shares[0].publicKeySet
      const pt = utf8(`secret for n=${n}`)
      const ct = ibeEncrypt(pks.publicKey, ID, pt, { rng: seededRng(`ct-${n}`) })
      const dec = pick(shares, pks.degree + 1, `ibe-${n}`).map((ks) => ibeDecryptionShare(ks, ID))
      for (const s of dec.slice(0, 1)) expect(verifyBlsDecryptionShare(pks, ID, s)).toBe(true)
      expect(combineAndDecrypt(pks, ID, ct, dec, opts()).plaintext).toEqual(pt)
    })
  }

  it('is deterministic given the rng, and randomised across draws', () => {
    const pks = dealBls(3)[0].publicKeySet
    const a = ibeEncrypt(pks.publicKey, ID, utf8('x'), { rng: seededRng('same') })
    const b = ibeEncrypt(pks.publicKey, ID, utf8('x'), { rng: seededRng('same') })
    const c = ibeEncrypt(pks.publicKey, ID, utf8('x'), { rng: seededRng('other') })
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
  })

  it('decrypts with the single-key identity key x·H1(id) of the dealt secret', () => {
    const secret = 0xfeedfacecafebeefn
    const pks = dealBls(4, 'fixed', secret)[0].publicKeySet
    const ct = ibeEncrypt(pks.publicKey, ID, utf8('independent'), { rng: seededRng('k') })
    expect(ibeDecrypt(hashIdentityToG2(ID).multiply(secret), ct)).toEqual(utf8('independent'))
    // e(P, Q) = e(G1, xQ): the identity key is a BLS signature on the identity under the IBE DST.
    const Fp12 = bls12_381.fields.Fp12
    expect(Fp12.eql(bls12_381.pairing(pks.publicKey, hashIdentityToG2(ID)), bls12_381.pairing(BlsG1.BASE, hashIdentityToG2(ID).multiply(secret)))).toBe(true)
  })

  it('interpolates the identity key from any t+1 shares: small integer coefficients, and the MSM when they are large', () => {
    // n = 10: every subset tried uses small integers; n = 40 (27 shares of ids up to 40) exceeds 64-bit numerators.
    for (const [n, tries] of [[10, 6], [40, 1]] as const) {
      const shares = dealBls(n, `interp-${n}`, 987654321n)
      const pks = shares[0].publicKeySet
      const key = hashIdentityToG2(ID).multiply(987654321n)
      const ct = ibeEncrypt(pks.publicKey, ID, utf8(`n=${n}`), opts())
      for (let k = 0; k < tries; k++) {
        const subset = pick(shares, pks.degree + 1, `interp-${n}-${k}`).map((ks) => ibeDecryptionShare(ks, ID))
        const ids = subset.map((d) => d.id)
        const lambdas = lagrangeCoefficients(BlsG2, ids, 0n)
        const reference = subset.reduce((acc, d) => acc.add(d.point.multiply(lambdas.get(d.id)!)), BlsG2.ZERO)
        expect(reference.equals(key)).toBe(true)
        expect(interpolateG2AtZero(subset).equals(key)).toBe(true)
        expect(new TextDecoder().decode(combineAndDecrypt(pks, ID, ct, subset).plaintext)).toBe(`n=${n}`)
      }
    }
  })

  it('fails with a typed error below the threshold', () => {
    const shares = dealBls(7)
    const pks = shares[0].publicKeySet
    const ct = ibeEncrypt(pks.publicKey, ID, utf8('needs 5'), { rng: seededRng('t') })
    const dec = shares.slice(0, pks.degree).map((ks) => ibeDecryptionShare(ks, ID))
    let err: unknown
    try { combineAndDecrypt(pks, ID, ct, dec, opts()) } catch (e) { err = e }
    expect(err).toBeInstanceOf(NotEnoughSharesError)
    expect((err as NotEnoughSharesError).needed).toBe(5)
    expect((err as NotEnoughSharesError).valid).toBe(4)
  })

  it('names a wrong decryption share and still decrypts with enough good ones', () => {
    const shares = dealBls(5)
    const pks = shares[0].publicKeySet // 4 of 5
    const pt = utf8('robust decryption')
    const ct = ibeEncrypt(pks.publicKey, ID, pt, { rng: seededRng('r') })
    const dec: BlsDecryptionShare[] = shares.map((ks) => ibeDecryptionShare(ks, ID))
    dec[1] = { id: 2, point: dec[1].point.add(BlsG2.BASE) }
    expect(verifyBlsDecryptionShare(pks, ID, dec[1])).toBe(false)
    expect(combineAndDecrypt(pks, ID, ct, dec, opts())).toEqual({ plaintext: pt, culprits: [2] })
    // Without the spare share the bad one leaves too few, and is named.
    let err: unknown
    try { combineAndDecrypt(pks, ID, ct, dec.slice(0, 4), opts()) } catch (e) { err = e }
    expect(err).toBeInstanceOf(NotEnoughSharesError)
    expect((err as NotEnoughSharesError).culprits).toEqual([2])
  })

  it('optimistic combine (§4.0): good shares open without verification; a bad unused share is not looked at; a bad used one is named', () => {
    const shares = dealBls(5)
    const pks = shares[0].publicKeySet // 4 of 5
    const pt = utf8('optimistic')
    const ct = ibeEncrypt(pks.publicKey, ID, pt, { rng: seededRng('opt') })
    const dec: BlsDecryptionShare[] = shares.map((ks) => ibeDecryptionShare(ks, ID))
    expect(combineAndDecrypt(pks, ID, ct, dec)).toEqual({ plaintext: pt, culprits: [] })
    expect(combineAndDecrypt(pks, ID, ct, dec, { verifyFirst: true })).toEqual({ plaintext: pt, culprits: [] })
    // Share 5 is bad but the 4 smallest ids suffice: the plaintext is authentic, nothing is named.
    const lastBad = [...dec.slice(0, 4), { id: 5, point: dec[4].point.add(BlsG2.BASE) }]
    expect(combineAndDecrypt(pks, ID, ct, lastBad)).toEqual({ plaintext: pt, culprits: [] })
    // With verifyFirst every share is checked, so it is named.
    expect(combineAndDecrypt(pks, ID, ct, lastBad, { verifyFirst: true })).toEqual({ plaintext: pt, culprits: [5] })
    // Share 1 is bad and used by the optimistic try: the AEAD refuses, the fallback names it.
    const firstBad = [{ id: 1, point: dec[0].point.add(BlsG2.BASE) }, ...dec.slice(1)]
    expect(combineAndDecrypt(pks, ID, ct, firstBad)).toEqual({ plaintext: pt, culprits: [1] })
  })

  it('refuses signature shares as decryption shares (separate DSTs)', () => {
    const shares = dealBls(3)
    const pks = shares[0].publicKeySet
    const ct = ibeEncrypt(pks.publicKey, ID, utf8('no cross-use'), { rng: seededRng('s') })
    const sigShares = shares.map((ks) => blsSignShare(ks, utf8(ID)))
    expect(hashMessageToG2(utf8(ID)).equals(hashIdentityToG2(ID))).toBe(false)
    let err: unknown
    try { combineAndDecrypt(pks, ID, ct, sigShares, opts()) } catch (e) { err = e }
    expect(err).toBeInstanceOf(NotEnoughSharesError)
    expect((err as NotEnoughSharesError).culprits).toEqual([1, 2, 3])
  })

  it('fails for a wrong identity, whether shares are checked against it or not', () => {
    const shares = dealBls(4)
    const pks = shares[0].publicKeySet
    const ct = ibeEncrypt(pks.publicKey, ID, utf8('for ID only'), { rng: seededRng('w') })
    const other = `${ID}x`
    const forOther = shares.map((ks) => ibeDecryptionShare(ks, other))
    // Shares for the other identity, combined for it: a valid key, but not for this ciphertext.
    expectTypedFailure(() => combineAndDecrypt(pks, other, ct, forOther, opts()))
    expect(() => combineAndDecrypt(pks, other, ct, forOther, opts())).toThrow(DecryptionFailedError)
    // Shares for the other identity checked against ID: all named.
    let err: unknown
    try { combineAndDecrypt(pks, ID, ct, forOther, opts()) } catch (e) { err = e }
    expect(err).toBeInstanceOf(NotEnoughSharesError)
    expect((err as NotEnoughSharesError).culprits).toEqual([1, 2, 3, 4])
  })

  it('never returns plaintext for a tampered ciphertext (every header, U, V and length byte; sampled payload bytes)', () => {
    const shares = dealBls(3)
    const pks = shares[0].publicKeySet
    const { key } = combineBlsDecryptionShares(pks, ID, shares.map((ks) => ibeDecryptionShare(ks, ID)), opts())
    const pt = utf8('tamper-evident payload, 40 bytes long...')
    const ct = ibeEncrypt(pks.publicKey, ID, pt, { rng: seededRng('tamper') })
    const fixed = 3 + 1 + 48 + 32 + 4
    const positions = [...Array.from({ length: fixed }, (_, i) => i), fixed, fixed + 7, ct.length - 17, ct.length - 16, ct.length - 1]
    for (const pos of positions) {
      const bad = ct.slice()
      bad[pos] ^= pos < 4 ? 0xff : 0x01
      expectTypedFailure(() => ibeDecrypt(key, bad))
    }
    // The U sign flag: -U is a valid point, so this reaches the pairing and fails there.
    const negU = ct.slice()
    negU[4] ^= 0x20
    expect(() => ibeDecrypt(key, negU)).toThrow(DecryptionFailedError)
    // Truncated and extended encodings.
    for (const len of [0, 3, 4, 52, 84, fixed, ct.length - 1]) expect(() => ibeDecrypt(key, ct.slice(0, len))).toThrow(MalformedMessageError)
    expect(() => ibeDecrypt(key, Uint8Array.of(...ct, 0))).toThrow(MalformedMessageError)
    expect(ibeDecrypt(key, ct)).toEqual(pt)
  })

  it('replaces U by another valid point: decryption fails', () => {
    const shares = dealBls(3)
    const pks = shares[0].publicKeySet
    const { key } = combineBlsDecryptionShares(pks, ID, shares.map((ks) => ibeDecryptionShare(ks, ID)), opts())
    const ct = decodeIbeCiphertext(ibeEncrypt(pks.publicKey, ID, utf8('u swap'), { rng: seededRng('u') }))
    const mauled = encodeIbeCiphertext({ ...ct, u: ct.u.add(BlsG1.BASE) })
    expect(() => ibeDecrypt(key, mauled)).toThrow(DecryptionFailedError)
  })

  it('FO check: an AEAD-valid ciphertext whose U is not H3(σ, M)·G1 is refused', () => {
    const shares = dealBls(3)
    const pks = shares[0].publicKeySet
    const { key } = combineBlsDecryptionShares(pks, ID, shares.map((ks) => ibeDecryptionShare(ks, ID)), opts())
    // Built by hand with an r that is not derived from σ and M.
    const sigma = bytesOf(32, 'sigma')
    const r = 123456789n
    const u = BlsG1.BASE.multiply(r)
    const mask = gtMask(bls12_381.pairing(pks.publicKey.multiply(r), hashIdentityToG2(ID)))
    const v = sigma.map((b, i) => b ^ mask[i])
    const suite = IBE_SUITE_BLS12381_CHACHA20POLY1305
    const sealed = chacha20poly1305(aeadKey(sigma), new Uint8Array(12), ibeCiphertextAad(suite, u, v)).encrypt(utf8('chosen'))
    expect(() => ibeDecrypt(key, encodeIbeCiphertext({ suite, u, v, sealed }))).toThrow(DecryptionFailedError)
  })

  it('refuses bad arguments with typed errors', () => {
    const pks = dealBls(3)[0].publicKeySet
    expect(() => ibeEncrypt(pks.publicKey, '', utf8('x'))).toThrow(LitError)
    expect(() => ibeEncrypt(BlsG1.ZERO, ID, utf8('x'))).toThrow(LitError)
    expect(() => ibeDecrypt(BlsG2.ZERO, new Uint8Array(100))).toThrow(LitError)
  })
})

describe('H1 memo (docs/ibe.md security notes)', () => {
  it('returns the RFC 9380 point for every identity, cached or not, and keeps only the last IDENTITY_CACHE_SIZE', () => {
    const direct = (id: string): BlsG2Point => bls12_381.G2.hashToCurve(utf8(id), { DST: IBE_IDENTITY_DST }) as BlsG2Point
    const first = hashIdentityToG2('memo-0')
    expect(first.equals(direct('memo-0'))).toBe(true)
    expect(hashIdentityToG2('memo-0')).toBe(first) // a hit is the same immutable point
    for (let i = 1; i <= IDENTITY_CACHE_SIZE; i++) hashIdentityToG2(`memo-${i}`)
    const again = hashIdentityToG2('memo-0') // evicted: recomputed, equal but a new object
    expect(again).not.toBe(first)
    expect(again.equals(first)).toBe(true)
    expect(hashIdentityToG2('memo-1').equals(direct('memo-1'))).toBe(true)
  })
})
