import { describe, it, expect } from 'vitest'
import { Secp256k1, mod } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { commitPolynomial, evaluatePolynomial, randomPolynomial } from '../../src/crypto/shares.js'
import { type OpeningStatement, type SummedCommitments, proveOpening, verifyOpenings } from '../../src/crypto/ecdsa/opening-proof.js'

const n = Secp256k1.order
const G = Secp256k1.BASE
const t = 2

/** One presign's summed polynomials (k, a of degree t; b of degree 2t with b(0) = 0) and a key share per prover. */
function setting (seed: string): { commitments: SummedCommitments, prover: (j: number, tamper?: { w?: bigint, Y?: typeof G }) => { statement: OpeningStatement, proof: ReturnType<typeof proveOpening> } } {
  const rng = seededRng(seed)
  const k = randomPolynomial(Secp256k1, t, undefined, rng)
  const a = randomPolynomial(Secp256k1, t, undefined, rng)
  const b = randomPolynomial(Secp256k1, 2 * t, 0n, rng)
  const commitments = { k: commitPolynomial(Secp256k1, k), a: commitPolynomial(Secp256k1, a), b: commitPolynomial(Secp256k1, b) }
  const round1Digest = rng(32)
  const sessionId = rng(16)
  const prover = (j: number, tamper: { w?: bigint, Y?: typeof G } = {}): { statement: OpeningStatement, proof: ReturnType<typeof proveOpening> } => {
    const [kj, aj, bj] = [k, a, b].map((f) => evaluatePolynomial(Secp256k1, f, j))
    const xj = mod(BigInt(1000 + j) * 7919n, n)
    const statement: OpeningStatement = {
      sessionId,
      round1Digest,
      prover: j,
      X: G.multiply(xj),
      w: tamper.w ?? mod(aj * kj + bj, n),
      Y: tamper.Y ?? G.multiply(mod(aj * xj, n))
    }
    // An honest prover's algorithm run on the (possibly false) statement.
    return { statement, proof: proveOpening(statement, { a: aj, k: kj, x: xj }, rng) }
  }
  return { commitments, prover }
}

describe('presign opening proof (Spec 3.6, 4.2)', () => {
  it('honest proofs verify alone and batched', () => {
    const { commitments, prover } = setting('honest')
    const items = [1, 2, 3, 4, 5].map((j) => prover(j))
    for (const item of items) expect(verifyOpenings(commitments, [item])).toBe(true)
    expect(verifyOpenings(commitments, items)).toBe(true)
  })

  it('a wrong Y_j (not a_j·X_j) is refused even with a proof made for that statement', () => {
    const { commitments, prover } = setting('wrong-y')
    const honest = prover(3)
    const bad = prover(3, { Y: honest.statement.Y.add(G) })
    expect(verifyOpenings(commitments, [bad])).toBe(false)
    expect(verifyOpenings(commitments, [prover(1), bad, prover(2)])).toBe(false)
  })

  it('a wrong w_j (w_j·G − B_j ≠ a_j·K_j) is refused', () => {
    const { commitments, prover } = setting('wrong-w')
    const honest = prover(2)
    const bad = prover(2, { w: mod(honest.statement.w + 1n, n) })
    expect(verifyOpenings(commitments, [bad])).toBe(false)
  })

  it('one bad proof among five fails the batch, and checking one by one finds exactly it', () => {
    const { commitments, prover } = setting('find')
    const items = [1, 2, 3, 4, 5].map((j) => prover(j))
    items[3] = { ...items[3], proof: { T: items[3].proof.T, z: mod(items[3].proof.z + 1n, n) } }
    expect(verifyOpenings(commitments, items)).toBe(false)
    expect(items.filter((x) => !verifyOpenings(commitments, [x])).map((x) => x.statement.prover)).toEqual([4])
  })

  it('swapped commitment points, a wrong number of them, or z out of range are refused', () => {
    const { commitments, prover } = setting('shape')
    const { statement, proof } = prover(1)
    expect(verifyOpenings(commitments, [{ statement, proof: { T: [proof.T[1], proof.T[0]], z: proof.z } }])).toBe(false)
    expect(verifyOpenings(commitments, [{ statement, proof: { T: [proof.T[0]] as never, z: proof.z } }])).toBe(false)
    expect(verifyOpenings(commitments, [{ statement, proof: { T: proof.T, z: n } }])).toBe(false)
  })
})
