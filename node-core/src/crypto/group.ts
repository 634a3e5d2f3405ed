/**
 * Prime-order groups used by the threshold protocols, behind one small
 * interface so Shamir/Feldman sharing and DKG are written once:
 *   - secp256k1        (PKP keys, threshold ECDSA)
 *   - BLS12-381 G1     (the network key: public key and commitments in G1)
 *   - BLS12-381 G2     (signature and decryption shares)
 * All three have prime order groups with the scalar field `Fn` (G1 and G2
 * share Fr). Decoding is strict: on the curve, in the prime-order subgroup,
 * canonical length, and never the identity.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import type { CurvePoint, CurvePointCons } from '@noble/curves/abstract/curve.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { MalformedMessageError } from '../errors.js'
import { secureRng, type Rng } from './random.js'

export type GroupName = 'secp256k1' | 'bls12-381-g1' | 'bls12-381-g2'

export interface Group<P extends CurvePoint<any, P>> {
  readonly name: GroupName
  readonly Point: CurvePointCons<P>
  /** Order of the group (= scalar field modulus). */
  readonly order: bigint
  readonly scalarBytes: number
  readonly pointBytes: number
  readonly BASE: P
  readonly ZERO: P
}

function makeGroup<P extends CurvePoint<any, P>> (name: GroupName, Point: CurvePointCons<P>, pointBytes: number): Group<P> {
  return { name, Point, order: Point.Fn.ORDER, scalarBytes: Point.Fn.BYTES, pointBytes, BASE: Point.BASE, ZERO: Point.ZERO }
}

export const Secp256k1 = makeGroup('secp256k1', secp256k1.Point, 33)
export const BlsG1 = makeGroup('bls12-381-g1', bls12_381.G1.Point, 48)
export const BlsG2 = makeGroup('bls12-381-g2', bls12_381.G2.Point, 96)

export type SecpPoint = typeof Secp256k1.BASE
export type G1Point = typeof BlsG1.BASE
export type G2Point = typeof BlsG2.BASE
export type AnyGroup = typeof Secp256k1 | typeof BlsG1 | typeof BlsG2

export function mod (a: bigint, n: bigint): bigint {
  const r = a % n
  return r >= 0n ? r : r + n
}

/** Uniform non-zero scalar; 16 extra bytes make the modular bias negligible (< 2^-128). */
export function randomScalar (group: { order: bigint, scalarBytes: number }, rng: Rng = secureRng): bigint {
  for (;;) {
    const k = mod(bytesToNumberBE(rng(group.scalarBytes + 16)), group.order)
    if (k !== 0n) return k
  }
}

export function scalarToBytes (group: { scalarBytes: number }, k: bigint): Uint8Array {
  return numberToBytesBE(k, group.scalarBytes)
}

/**
 * Strict scalar decoding: exact length, canonical (< order), and by default non-zero.
 * `field` names what is being parsed, for the error.
 */
export function scalarFromBytes (group: { order: bigint, scalarBytes: number }, bytes: Uint8Array, field: string, opts: { allowZero?: boolean } = {}): bigint {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError(field, 'not bytes')
  if (bytes.length !== group.scalarBytes) throw new MalformedMessageError(field, `scalar must be ${group.scalarBytes} bytes, got ${bytes.length}`)
  const k = bytesToNumberBE(bytes)
  if (k >= group.order) throw new MalformedMessageError(field, 'scalar is not reduced modulo the group order')
  if (k === 0n && opts.allowZero !== true) throw new MalformedMessageError(field, 'scalar is zero')
  return k
}

export function pointToBytes<P extends CurvePoint<any, P>> (_group: Group<P>, p: P): Uint8Array {
  return p.toBytes()
}

/**
 * Strict point decoding: exact compressed length, on the curve, in the
 * prime-order subgroup, and (by default) not the identity.
 */
export function pointFromBytes<P extends CurvePoint<any, P>> (group: Group<P>, bytes: Uint8Array, field: string, opts: { allowIdentity?: boolean } = {}): P {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError(field, 'not bytes')
  if (bytes.length !== group.pointBytes) throw new MalformedMessageError(field, `${group.name} point must be ${group.pointBytes} bytes (compressed), got ${bytes.length}`)
  let p: P
  try {
    // noble's fromBytes asserts validity: on the curve AND in the prime-order subgroup (a
    // second isTorsionFree here cost a G2 decode ~3 ms more; test/crypto/wire.test.ts and
    // test/bls/codec.test.ts pin that points outside the subgroup are refused).
    p = group.Point.fromBytes(bytes)
  } catch (err) {
    throw new MalformedMessageError(field, `not a valid ${group.name} point: ${(err as Error).message}`)
  }
  if (p.equals(group.ZERO) && opts.allowIdentity !== true) throw new MalformedMessageError(field, 'point is the identity')
  return p
}

/**
 * Sum of scalar multiples for PUBLIC scalars only (verification of commitments
 * and shares): variable-time, hence `multiplyUnsafe`.
 */
export function msmPublic<P extends CurvePoint<any, P>> (group: Group<P>, points: readonly P[], scalars: readonly bigint[]): P {
  let acc = group.ZERO
  for (let i = 0; i < points.length; i++) {
    const k = mod(scalars[i], group.order)
    if (k === 0n) continue
    acc = acc.add(points[i].multiplyUnsafe(k))
  }
  return acc
}
