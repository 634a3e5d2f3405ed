/**
 * Modular inverses, the one place for them. Two kinds, chosen by what is inverted:
 * - `invertSecret`: Fermat (a^(m−2) mod m, m prime). The exponent is public, so
 *   the sequence of operations does not depend on a; "constant-time-ish" (BigInt
 *   arithmetic itself is not guaranteed constant time). For secret values.
 * - `invertPublic`: extended Euclid, variable time, several times faster. For
 *   public values only: participant ids and Lagrange denominators, the opened
 *   w = a·k, the re-randomiser δ, projective Z coordinates of public points.
 * Both refuse zero (mod m) with InvalidArgumentError.
 */
import { invert, invertCt } from '@noble/curves/abstract/modular.js'
import { InvalidArgumentError } from '../errors.js'
import { mod } from './group.js'

/** a⁻¹ mod m for a PUBLIC a (variable time). m must be prime. */
export function invertPublic (a: bigint, modulus: bigint): bigint {
  const x = mod(a, modulus)
  if (x === 0n) throw new InvalidArgumentError('inverse', 'zero has no inverse')
  return invert(x, modulus)
}

/** a⁻¹ mod m for a SECRET a (fixed exponentiation chain). m must be prime. */
export function invertSecret (a: bigint, modulus: bigint): bigint {
  const x = mod(a, modulus)
  if (x === 0n) throw new InvalidArgumentError('inverse', 'zero has no inverse')
  return invertCt(x, modulus)
}
