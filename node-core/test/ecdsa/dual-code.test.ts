import { describe, it, expect } from 'vitest'
import { Secp256k1, mod } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { evaluatePolynomial, randomPolynomial } from '../../src/crypto/shares.js'
import { pointsOnPolynomial, randomDualCodeword, redundancy } from '../../src/crypto/ecdsa/dual-code.js'

const n = Secp256k1.order
const G = Secp256k1.BASE

function codeword (ids: number[], degree: number, seed: string): Map<number, bigint> {
  const f = randomPolynomial(Secp256k1, degree, undefined, seededRng(seed))
  return new Map(ids.map((j) => [j, evaluatePolynomial(Secp256k1, f, j)]))
}

describe('dual codewords of Reed–Solomon codes', () => {
  const cases: Array<[number[], number]> = [[[1, 2, 3, 4], 1], [[1, 2, 3, 4, 5, 6, 7], 4], [[2, 5, 9, 11, 12, 20, 31, 40, 41, 50], 6], [[3, 4, 8], 1]]

  for (const [ids, degree] of cases) {
    it(`|P| = ${ids.length}, degree ${degree}: orthogonal to every codeword, not to a corrupted one`, () => {
      const rng = seededRng(`dual-${ids.length}`)
      for (let trial = 0; trial < 5; trial++) {
        const c = randomDualCodeword(ids, degree, rng)
        expect(c.some((x) => x !== 0n)).toBe(true)
        const f = codeword(ids, degree, `f-${trial}`)
        expect(mod(ids.reduce((acc, j, i) => acc + c[i] * f.get(j)!, 0n), n)).toBe(0n)
        // one wrong value: off the code, so a random dual codeword sees it
        const bad = new Map(f)
        bad.set(ids[trial % ids.length], mod(f.get(ids[trial % ids.length])! + 1n, n))
        expect(mod(ids.reduce((acc, j, i) => acc + c[i] * bad.get(j)!, 0n), n)).not.toBe(0n)
      }
    })
  }

  it('a polynomial of one degree higher is not a codeword', () => {
    const ids = [1, 2, 3, 4, 5, 6, 7]
    const f = codeword(ids, 5, 'higher')
    const c = randomDualCodeword(ids, 4, seededRng('higher-rng'))
    expect(mod(ids.reduce((acc, j, i) => acc + c[i] * f.get(j)!, 0n), n)).not.toBe(0n)
  })

  it('points in the exponent: on the polynomial passes, one changed point fails wherever it sits', () => {
    const ids = [1, 2, 3, 4, 5, 6, 7]
    const f = codeword(ids, 4, 'points')
    const pts = new Map([...f].map(([j, v]) => [j, G.multiply(v)]))
    const rng = seededRng('points-rng')
    expect(pointsOnPolynomial(pts, 4, rng)).toBe(true)
    for (const j of ids) {
      const bad = new Map(pts)
      bad.set(j, pts.get(j)!.add(G))
      expect(pointsOnPolynomial(bad, 4, rng)).toBe(false)
    }
    // two changes that keep a lower-redundancy view consistent still fail here
    const two = new Map(pts)
    two.set(6, pts.get(6)!.add(G))
    two.set(7, pts.get(7)!.add(G.double()))
    expect(pointsOnPolynomial(two, 4, rng)).toBe(false)
  })

  it('no redundancy: nothing to check (|P| = degree + 1)', () => {
    expect(redundancy([1, 2, 3], 2)).toBe(0)
    expect(randomDualCodeword([1, 2, 3], 2, seededRng('none'))).toEqual([0n, 0n, 0n])
    const pts = new Map([[1, G], [2, G.double()], [3, G.multiply(5n)]])
    expect(pointsOnPolynomial(pts, 2, seededRng('none'))).toBe(true)
  })
})
