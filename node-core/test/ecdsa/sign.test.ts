import { describe, it, expect } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { recoverAddress, bytesToHex } from 'viem'
import { publicKeyToAddress } from 'viem/accounts'
import { Secp256k1, mod } from '../../src/crypto/group.js'
import { defaultEcdsaDegree, maxEcdsaDegree } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'
import { interpolateScalar } from '../../src/crypto/shares.js'
import { ProtocolAbortError, InvalidArgumentError } from '../../src/errors.js'
import {
  Presignature, PresignatureReusedError, EcdsaAbortCode, signShare, combineSignatureShares, verifySignatureShare,
  verifySignatureShares, encodeSignatureShare, decodeSignatureShare, encodePresignaturePublic, decodePresignaturePublic, signingNonce,
  interpolateAt, invertPublic, readPresignatureHeader
} from '../../src/crypto/ecdsa/index.js'
import { runPresignInMemory, honestMajorityEcdsa } from '../../src/protocols/presign/index.js'
import { keyFor, ids, requestFor, caught } from './helpers.js'

const configs: Array<[number, number]> = []
for (const n of [3, 4, 5, 7, 10]) {
  configs.push([n, defaultEcdsaDegree(n)])
  if (maxEcdsaDegree(n) !== defaultEcdsaDegree(n)) configs.push([n, maxEcdsaDegree(n)])
}

/** A few signer sets of size 2t+1 (plus the whole set) from P. */
function signerSets (P: number[], t: number): number[][] {
  const k = 2 * t + 1
  const sets = [P.slice(0, k), P.slice(P.length - k)]
  if (P.length > k) sets.push(P.filter((_, i) => i % 2 === 0).concat(P.filter((_, i) => i % 2 === 1)).slice(0, k).sort((a, b) => a - b))
  sets.push(P)
  // Larger committees: two sets keep the suite fast (2t+1 from the top, and everyone).
  return P.length >= 7 ? [sets[1], P] : sets
}

describe('presign → sign → combine', () => {
  for (const [n, t] of configs) {
    it(`n=${n} t=${t}: signatures verify with noble and recover to the key's address with viem`, async () => {
      const keys = keyFor(n, t)
      const address = publicKeyToAddress(bytesToHex(keys[0].publicKeySet.publicKey.toBytes(false)))
      const sets = signerSets(ids(n), t)
      for (const [i, signers] of sets.entries()) {
        const pres = runPresignInMemory(keys, ids(n), seededRng(`presign-${n}-${t}-${i}`))
        expect(pres.size).toBe(n)
        const pub = pres.get(1)!.public
        const req = requestFor(`message ${i}`, signers)
        const shares = signers.map((id) => honestMajorityEcdsa.signShare(pres.get(id)!, req))
        for (const s of shares) expect(verifySignatureShare(pub, req, s)).toBe(true)
        const { signature, culprits } = honestMajorityEcdsa.combineSignatureShares(pub, req, shares)
        expect(culprits).toEqual([])
        const compact = secp256k1.Signature.fromBytes(Uint8Array.from(Buffer.from(signature.signature.slice(2, 130), 'hex'))).toBytes()
        expect(secp256k1.verify(compact, req.messageHash, signature.publicKey, { prehash: false })).toBe(true)
        expect(signature.s <= Secp256k1.order >> 1n).toBe(true)
        const recovered = await recoverAddress({ hash: bytesToHex(req.messageHash), signature: signature.signature })
        expect(recovered).toBe(address)
      }
    })
  }

  it('every presign participant ends with the same public presignature, and it round-trips', () => {
    const keys = keyFor(5, 1)
    const pres = runPresignInMemory(keys, ids(5), seededRng('same'))
    const encoded = [...pres.values()].map((p) => bytesToHex(encodePresignaturePublic(p.public)))
    expect(new Set(encoded).size).toBe(1)
    const back = decodePresignaturePublic(encodePresignaturePublic(pres.get(2)!.public))
    expect(bytesToHex(encodePresignaturePublic(back))).toBe(encoded[0])
    // secret form round-trips and still signs
    const p3 = Presignature.fromBytes(pres.get(3)!.toBytes())
    expect(p3.id).toBe(pres.get(3)!.id)
    const req = requestFor('stored', [1, 3, 5])
    const shares = [signShare(pres.get(1)!, req), signShare(p3, req), signShare(pres.get(5)!, req)]
    expect(combineSignatureShares(back, req, shares).culprits).toEqual([])
  })

  it('a presign among a subset of the key holders works (P ⊂ committee)', () => {
    const keys = keyFor(7, 2)
    const P = [2, 3, 4, 6, 7]
    const pres = runPresignInMemory(keys, P, seededRng('subset'))
    const req = requestFor('subset', P)
    const shares = P.map((id) => signShare(pres.get(id)!, req))
    expect(combineSignatureShares(pres.get(2)!.public, req, shares).culprits).toEqual([])
  })
})

describe('thresholds and misuse', () => {
  const n = 7; const t = 2
  const keys = keyFor(n, t)

  it('fewer than 2t+1 shares never give a valid signature', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('few'))
    const pub = pres.get(1)!.public
    const req = requestFor('few', [1, 2, 3, 4, 5])
    const shares = req.signers.map((id) => signShare(pres.get(id)!, req))
    // combine refuses
    const err = caught(() => combineSignatureShares(pub, req, shares.slice(0, 2 * t)))
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.code).toBe(EcdsaAbortCode.NotEnoughShares)
    // and naive interpolation of 2t shares is not a signature (for every 2t-subset)
    const nonce = signingNonce(pub, req)
    for (let skip = 0; skip < shares.length; skip++) {
      const subset = shares.filter((_, i) => i !== skip).slice(0, 2 * t)
      const s = interpolateScalar(Secp256k1, new Map(subset.map((sh) => [sh.signer, sh.s])))
      for (const cand of [s, mod(-s, Secp256k1.order)]) {
        if (cand === 0n) continue
        const sig = new secp256k1.Signature(nonce.r, cand)
        expect(secp256k1.verify(sig.toBytes(), req.messageHash, pub.publicKey.toBytes(), { prehash: false, lowS: false })).toBe(false)
      }
    }
  })

  it('signing twice with one presignature throws PresignatureReused', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('reuse'))
    const p = pres.get(1)!
    signShare(p, requestFor('first', [1, 2, 3, 4, 5]))
    expect(p.consumed).toBe(true)
    const err = caught(() => signShare(p, requestFor('second', [1, 2, 3, 4, 5])))
    expect(err).toBeInstanceOf(PresignatureReusedError)
    expect(err.name).toBe('PresignatureReusedError')
    expect(err.code).toBe('ERR_PRESIGNATURE_REUSED')
    // the stored form of a consumed presignature holds no secret and stays consumed
    const back = Presignature.fromBytes(p.toBytes())
    expect(back.consumed).toBe(true)
    expect(caught(() => signShare(back, requestFor('third', [1, 2, 3, 4, 5])))).toBeInstanceOf(PresignatureReusedError)
    expect(JSON.stringify(p)).toContain('redacted')
  })

  it('bad requests are set-up errors', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('bad-req'))
    const p = pres.get(1)!
    expect(caught(() => signShare(p, requestFor('x', [1, 2, 3, 4])))).toBeInstanceOf(InvalidArgumentError) // < 2t+1
    expect(caught(() => signShare(p, requestFor('x', [2, 3, 4, 5, 6])))).toBeInstanceOf(InvalidArgumentError) // me not a signer
    expect(caught(() => signShare(p, { ...requestFor('x', [1, 2, 3, 4, 5]), messageHash: new Uint8Array(31) }))).toBeInstanceOf(InvalidArgumentError)
    expect(p.consumed).toBe(false)
  })

  it('a wrong signature share is named and the signature is made from the rest', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('bad-share'))
    const pub = pres.get(1)!.public
    const req = requestFor('bad share', ids(n))
    const shares = req.signers.map((id) => signShare(pres.get(id)!, req))
    const bad = shares.map((s) => (s.signer === 3 || s.signer === 6 ? { ...s, s: mod(s.s + 1n, Secp256k1.order) } : s))
    expect(verifySignatureShare(pub, req, bad[2])).toBe(false)
    const out = combineSignatureShares(pub, req, bad)
    expect(out.culprits).toEqual([3, 6])
    expect(secp256k1.verify(Uint8Array.from(Buffer.from(out.signature.signature.slice(2, 130), 'hex')), req.messageHash, out.signature.publicKey, { prehash: false })).toBe(true)
    // with 2t+1 shares of which one is bad: named, and not enough left
    const err = caught(() => combineSignatureShares(pub, req, bad.slice(0, 5)))
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.culprits).toEqual([3])
  })

  it('batched share verification accepts good shares and names bad, foreign and repeated ones', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('batch'))
    const pub = pres.get(1)!.public
    const req = requestFor('batch', ids(n))
    const shares = req.signers.map((id) => signShare(pres.get(id)!, req))
    expect(verifySignatureShares(pub, req, shares)).toEqual([])
    expect(honestMajorityEcdsa.verifySignatureShares(pub, req, shares)).toEqual([])
    const bad = shares.map((s) => (s.signer === 2 ? { ...s, s: mod(s.s + 1n, Secp256k1.order) } : s))
    expect(verifySignatureShares(pub, req, bad)).toEqual([2])
    // two wrong shares whose errors cancel in a plain (unweighted) sum are still caught
    const cancel = shares.map((s) => (s.signer === 4 ? { ...s, s: mod(s.s + 5n, Secp256k1.order) } : s.signer === 5 ? { ...s, s: mod(s.s - 5n, Secp256k1.order) } : s))
    expect(verifySignatureShares(pub, req, cancel)).toEqual([4, 5])
    expect(verifySignatureShares(pub, req, [...shares, shares[0]])).toEqual([1])
    expect(verifySignatureShares(pub, req, shares.map((s) => (s.signer === 6 ? { ...s, presignatureId: new Uint8Array(32) } : s)))).toEqual([6])
    expect(verifySignatureShares(pub, requestFor('other', ids(n)), shares)).toEqual(ids(n))
  })

  it('a single wrong share among many is detected and named by the batched check, wherever it sits', () => {
    const n10 = 10
    const t4 = 4
    const keys10 = keyFor(n10, t4)
    const pres = runPresignInMemory(keys10, ids(n10), seededRng('one-bad-among-many'))
    const pub = pres.get(1)!.public
    const req = requestFor('one bad among many', ids(n10))
    const nonce = signingNonce(pub, req)
    const shares = req.signers.map((id) => signShare(pres.get(id)!, req))
    expect(verifySignatureShares(pub, req, shares, nonce)).toEqual([])
    for (const bad of ids(n10)) {
      // the smallest possible error (+1), and a random-looking one
      for (const delta of [1n, 0x9e3779b97f4a7c15f39cc0605cedc834n]) {
        const tampered = shares.map((s) => (s.signer === bad ? { ...s, s: mod(s.s + delta, Secp256k1.order) } : s))
        expect(verifySignatureShares(pub, req, tampered, nonce)).toEqual([bad])
        // combine names it too and signs with the other nine (2t+1 = 9)
        const out = combineSignatureShares(pub, req, tampered, nonce)
        expect(out.culprits).toEqual([bad])
        expect(secp256k1.verify(Uint8Array.from(Buffer.from(out.signature.signature.slice(2, 130), 'hex')), req.messageHash, out.signature.publicKey, { prehash: false })).toBe(true)
      }
    }
  })

  it('two colluding signers whose errors cancel in the combined signature are still named by combine', () => {
    // s = Σ λ_j s_j over the first 2t+1 shares: shift s_1 by ε/λ_1 and s_2 by −ε/λ_2 and
    // the interpolated signature is unchanged and valid, but both shares are wrong.
    const pres = runPresignInMemory(keys, ids(n), seededRng('cancel-in-s'))
    const pub = pres.get(1)!.public
    const req = requestFor('cancel in s', ids(n))
    const shares = req.signers.map((id) => signShare(pres.get(id)!, req))
    const first = ids(2 * t + 1)
    const lambda = (j: number): bigint => interpolateAt(new Map(first.map((i) => [i, i === j ? 1n : 0n] as const)))
    const eps = 123456789n
    const N = Secp256k1.order
    const tampered = shares.map((s) => s.signer === 1
      ? { ...s, s: mod(s.s + eps * invertPublic(lambda(1)), N) }
      : s.signer === 2 ? { ...s, s: mod(s.s - eps * invertPublic(lambda(2)), N) } : s)
    const sFirst = (list: typeof shares): bigint => interpolateAt(new Map(list.filter((x) => first.includes(x.signer)).map((x) => [x.signer, x.s] as const)))
    expect(sFirst(tampered)).toBe(sFirst(shares)) // the cancellation really happens
    const out = combineSignatureShares(pub, req, tampered)
    expect(out.culprits).toEqual([1, 2])
    expect(secp256k1.verify(Uint8Array.from(Buffer.from(out.signature.signature.slice(2, 130), 'hex')), req.messageHash, out.signature.publicKey, { prehash: false })).toBe(true)
    expect(verifySignatureShares(pub, req, tampered)).toEqual([1, 2])
    // With exactly 2t+1 shares the signature alone would look fine; combine still names both and aborts.
    const pres5 = runPresignInMemory(keys, ids(n), seededRng('cancel-in-s-5'))
    const req5 = requestFor('cancel in s, 2t+1 signers', first)
    const shares5 = first.map((id) => signShare(pres5.get(id)!, req5))
    const tampered5 = shares5.map((s) => s.signer === 1
      ? { ...s, s: mod(s.s + eps * invertPublic(lambda(1)), N) }
      : s.signer === 2 ? { ...s, s: mod(s.s - eps * invertPublic(lambda(2)), N) } : s)
    expect(sFirst(tampered5)).toBe(sFirst(shares5))
    const err = caught(() => combineSignatureShares(pres5.get(1)!.public, req5, tampered5))
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.culprits).toEqual([1, 2])
    // checkSharesLater (5.6.2′): only the signature is checked, which holds; the deferred share check names both.
    const later = combineSignatureShares(pres5.get(1)!.public, req5, tampered5, undefined, { checkSharesLater: true })
    expect(later.culprits).toEqual([])
    expect(secp256k1.verify(Uint8Array.from(Buffer.from(later.signature.signature.slice(2, 130), 'hex')), req5.messageHash, later.signature.publicKey, { prehash: false })).toBe(true)
    expect(verifySignatureShares(pres5.get(1)!.public, req5, tampered5)).toEqual([1, 2])
  })

  it('checkSharesLater still refuses a single bad share (the signature fails) and names it', () => {
    const first = ids(2 * t + 1)
    const pres = runPresignInMemory(keys, ids(n), seededRng('later-one-bad'))
    const req = requestFor('later one bad', first)
    const shares = first.map((id) => signShare(pres.get(id)!, req)).map((s) => s.signer === 2 ? { ...s, s: mod(s.s + 1n, Secp256k1.order) } : s)
    const err = caught(() => combineSignatureShares(pres.get(1)!.public, req, shares, undefined, { checkSharesLater: true }))
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.culprits).toEqual([2])
  })

  it('checkSharesLater with the key\'s multiplication table: the same signature; a bad share still refused; another key\'s table ignored', () => {
    const first = ids(2 * t + 1)
    const pres = runPresignInMemory(keys, ids(n), seededRng('table'))
    const pub = pres.get(1)!.public
    const req = requestFor('table', first)
    const shares = first.map((id) => signShare(pres.get(id)!, req))
    const table = Secp256k1.Point.fromAffine(pub.publicKey.toAffine()).precompute(8, false)
    const plain = combineSignatureShares(pub, req, shares, undefined, { checkSharesLater: true })
    const tabled = combineSignatureShares(pub, req, shares, undefined, { checkSharesLater: true, publicKeyTable: table })
    expect(tabled.signature.signature).toBe(plain.signature.signature)
    expect(secp256k1.verify(Uint8Array.from(Buffer.from(tabled.signature.signature.slice(2, 130), 'hex')), req.messageHash, tabled.signature.publicKey, { prehash: false })).toBe(true)
    const bad = shares.map((sh) => sh.signer === 3 ? { ...sh, s: mod(sh.s + 1n, Secp256k1.order) } : sh)
    const err = caught(() => combineSignatureShares(pub, req, bad, undefined, { checkSharesLater: true, publicKeyTable: table }))
    expect(err).toBeInstanceOf(ProtocolAbortError)
    expect(err.culprits).toEqual([3])
    // A table of another key is not used (the check falls back to the MSM and still holds).
    const other = Secp256k1.BASE.multiply(7n).precompute(8, false)
    expect(combineSignatureShares(pub, req, shares, undefined, { checkSharesLater: true, publicKeyTable: other }).signature.signature).toBe(plain.signature.signature)
  })

  it('combine refuses a signature that does not verify even when every share checks (wrong public key in the presignature)', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('wrong-key'))
    const pub = { ...pres.get(1)!.public, publicKey: Secp256k1.BASE.multiply(5n) }
    const req = requestFor('wrong key', ids(n).slice(0, 2 * t + 1))
    const shares = req.signers.map((id) => signShare(pres.get(id)!, req))
    expect(verifySignatureShares(pub, req, shares)).toEqual([]) // the key is not in the share equation
    expect(caught(() => combineSignatureShares(pub, req, shares)).name).toBe('SignatureVerificationError')
  })

  it('a share for another message or another presignature does not verify', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('other'))
    const pub = pres.get(1)!.public
    const req = requestFor('one', [1, 2, 3, 4, 5])
    const share = signShare(pres.get(2)!, req)
    expect(verifySignatureShare(pub, requestFor('two', [1, 2, 3, 4, 5]), share)).toBe(false)
    expect(verifySignatureShare(pub, { ...req, entropy: new Uint8Array(32) }, share)).toBe(false)
    expect(verifySignatureShare(pub, req, { ...share, presignatureId: new Uint8Array(32) })).toBe(false)
  })

  it('signature shares round-trip through the strict codec', () => {
    const pres = runPresignInMemory(keys, ids(n), seededRng('codec'))
    const req = requestFor('codec', [1, 2, 3, 4, 5])
    const share = signShare(pres.get(4)!, req)
    const bytes = encodeSignatureShare(share)
    const back = decodeSignatureShare(bytes)
    expect(back.signer).toBe(4)
    expect(back.s).toBe(share.s)
    expect(caught(() => decodeSignatureShare(bytes.subarray(0, bytes.length - 1))).name).toBe('MalformedMessageError')
    expect(caught(() => decodeSignatureShare(Uint8Array.from([...bytes, 0]))).name).toBe('MalformedMessageError')
    const flipped = bytes.slice(); flipped[2] ^= 1
    expect(caught(() => decodeSignatureShare(flipped)).name).toBe('MalformedMessageError')
  })
})

describe('presignature loading', () => {
  const keys = keyFor(5, 1, 'loading')
  const presigs = runPresignInMemory(keys, [1, 3, 4], seededRng('loading-presign'))
  const p = presigs.get(3)!

  it('reads the header (id, degree, participants) without the points', () => {
    const bytes = encodePresignaturePublic(p.public)
    const header = readPresignatureHeader(bytes)
    expect(header.degree).toBe(1)
    expect(header.participants).toEqual([1, 3, 4])
    expect(Buffer.from(header.id).toString('hex')).toBe(Buffer.from(p.public.id).toString('hex'))
    expect(() => readPresignatureHeader(bytes.subarray(0, 10))).toThrow(/PresignPublic|malformed/i)
    expect(() => readPresignatureHeader(p.toBytes())).toThrow() // a whole presignature has another wire kind
  })

  it('a lazily loaded presignature signs the same share, and decodes its parties on demand', () => {
    const req = requestFor('lazy', [1, 3, 4])
    const eager = signShare(Presignature.fromBytes(p.toBytes()), req)
    const lazy = Presignature.fromBytes(p.toBytes(), { lazyParties: true })
    const share = signShare(lazy, req)
    expect(share.s).toBe(eager.s)
    expect(verifySignatureShare(p.public, req, share)).toBe(true)
    const parties = lazy.public.parties
    for (const id of [1, 3, 4]) expect(parties.get(id)!.A.equals(p.public.parties.get(id)!.A)).toBe(true)
  })
})
