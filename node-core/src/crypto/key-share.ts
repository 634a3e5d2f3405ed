/**
 * The output of a DKG (or, in tests, of a trusted dealer): what one party holds
 * of a threshold key. Shared by every scheme (ECDSA over secp256k1, BLS over G1).
 * Spec: docs/dkg.md ("Output"). Ready for refresh/resharing: `epoch` counts
 * reshares of the same key; the public key never changes across epochs.
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { InvalidArgumentError } from '../errors.js'
import { type Group, randomScalar } from './group.js'
import { type ParticipantId, split, evaluateCommitment } from './shares.js'
import { secureRng, type Rng } from './random.js'

/** Public part of a threshold key: identical at every party. */
export interface PublicKeySet<P extends CurvePoint<any, P>> {
  readonly group: Group<P>
  /** Degree of the sharing polynomial: t+1 shares reconstruct. */
  readonly degree: number
  /** Sorted participant ids holding shares. */
  readonly participants: readonly ParticipantId[]
  /** The group public key f(0)·G. */
  readonly publicKey: P
  /** f(i)·G for each participant i (public verification shares). */
  readonly verificationShares: ReadonlyMap<ParticipantId, P>
  /** Reshare counter; 0 for a freshly generated key. */
  readonly epoch: number
}

/** One party's share. `secretShare` must never be sent, logged or printed. */
export interface KeyShare<P extends CurvePoint<any, P>> {
  readonly id: ParticipantId
  readonly secretShare: bigint
  readonly publicKeySet: PublicKeySet<P>
}

/**
 * Trusted-dealer key generation: for tests and benchmarks that need a key
 * without running DKG. Production keys come from DKG only.
 */
export function dealKeyShares<P extends CurvePoint<any, P>> (group: Group<P>, degree: number, participants: readonly ParticipantId[], opts: { secret?: bigint, rng?: Rng } = {}): Array<KeyShare<P>> {
  const rng = opts.rng ?? secureRng
  const ids = [...participants].sort((a, b) => a - b)
  const secret = opts.secret ?? randomScalar(group, rng)
  const { shares, commitment } = split(group, secret, degree, ids, rng)
  const verificationShares = new Map(ids.map((id) => [id, evaluateCommitment(group, commitment, id)] as const))
  const publicKeySet: PublicKeySet<P> = { group, degree, participants: ids, publicKey: commitment[0], verificationShares, epoch: 0 }
  return ids.map((id) => ({ id, secretShare: shares.get(id)!, publicKeySet }))
}

/** Default ECDSA degree for n parties: t = max(1, floor((n-1)/3)); signing needs 2t+1. */
export function defaultEcdsaDegree (n: number): number {
  if (!Number.isSafeInteger(n) || n < 3) throw new InvalidArgumentError('n', 'threshold ECDSA needs at least 3 parties')
  return Math.max(1, Math.floor((n - 1) / 3))
}

/** Largest allowed ECDSA degree: 2t+1 ≤ n. */
export function maxEcdsaDegree (n: number): number {
  return Math.floor((n - 1) / 2)
}

/** BLS threshold: any ceil(2n/3) of n; degree = that − 1. */
export function defaultBlsDegree (n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('n', 'must be a positive integer')
  return Math.ceil((2 * n) / 3) - 1
}
