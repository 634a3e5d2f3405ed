/**
 * Threshold BLS signatures on BLS12-381: public key in G1, signatures in G2, IETF
 * basic-scheme DST (verifiable by any standard BLS library). Spec: docs/bls.md.
 */
import { InvalidArgumentError } from '../../errors.js'
import { type G1Point, type G2Point } from '../group.js'
import type { KeyShare, PublicKeySet } from '../key-share.js'
import type { ParticipantId } from '../shares.js'
import { hashMessageToG2 } from './hash.js'
import { type CombineOptions, combinePartials, evaluatePartial, findInvalidPartials, verifyPartial } from './partials.js'
import { isValidG1, isValidG2, pairingCheck } from './points.js'

/** σ_i = x_i·H(m) from participant `id` (docs/bls.md §1). */
export interface BlsSignatureShare {
  readonly id: ParticipantId
  readonly point: G2Point
}

function assertMessage (message: Uint8Array): void {
  if (!(message instanceof Uint8Array)) throw new InvalidArgumentError('message', 'must be a Uint8Array')
}

/** Spec 1: this node's signature share on `message`. */
export function blsSignShare (keyShare: KeyShare<G1Point>, message: Uint8Array): BlsSignatureShare {
  assertMessage(message)
  return evaluatePartial(keyShare, hashMessageToG2(message)) // Spec 1.1–1.3
}

/** Spec 2: is `share` participant share.id's signature share on `message`? */
export function verifyBlsSignatureShare (publicKeySet: PublicKeySet<G1Point>, message: Uint8Array, share: BlsSignatureShare): boolean {
  assertMessage(message)
  return verifyPartial(publicKeySet, hashMessageToG2(message), share)
}

/** Spec 3.1–3.3: ids of the invalid shares (one batch pairing check when all are good). */
export function findInvalidBlsSignatureShares (publicKeySet: PublicKeySet<G1Point>, message: Uint8Array, shares: readonly BlsSignatureShare[], opts: CombineOptions = {}): ParticipantId[] {
  assertMessage(message)
  return findInvalidPartials(publicKeySet, hashMessageToG2(message), shares, opts)
}

/**
 * Spec 3: verify every share, name the invalid ones, combine t+1 valid shares into the
 * group signature. Throws NotEnoughSharesError (with culprits) below t+1 valid shares.
 */
export function combineBlsSignatureShares (publicKeySet: PublicKeySet<G1Point>, message: Uint8Array, shares: readonly BlsSignatureShare[], opts: CombineOptions = {}): { signature: G2Point, culprits: ParticipantId[] } {
  assertMessage(message)
  const { point, culprits } = combinePartials(publicKeySet, hashMessageToG2(message), shares, opts)
  return { signature: point, culprits }
}

/** Spec 4: standard BLS verification e(P, H(m)) = e(G1, σ). */
export function verifyBlsSignature (publicKey: G1Point, message: Uint8Array, signature: G2Point): boolean {
  assertMessage(message)
  if (!isValidG1(publicKey)) return false
  if (!isValidG2(signature)) return false
  return pairingCheck(publicKey, hashMessageToG2(message), signature)
}
