/**
 * Packages of the DKG (docs/dkg.md). Public packages are what goes on the
 * wire (codec.ts); the Dkg*Secret packages in rounds.ts never leave the party.
 * Digest lists are indexed like `DkgContext.participants`; an all-zero digest
 * means "nothing (acceptable) was received from that party".
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import type { Group } from '../../crypto/group.js'
import type { ParticipantId } from '../../crypto/shares.js'
import type { PublicKeySet } from '../../crypto/key-share.js'
import type { Rng } from '../../crypto/random.js'

/** What every party of one run agrees on before it starts. */
export interface DkgContext<P extends CurvePoint<any, P>> {
  readonly group: Group<P>
  /** Unique per run (16..64 bytes); bound into every message and proof. */
  readonly sessionId: Uint8Array
  /** Degree t of the shared polynomial: any t+1 shares reconstruct, t learn nothing. */
  readonly degree: number
  /** Sorted, distinct, positive ids; each is both a dealer and a receiver. */
  readonly participants: readonly ParticipantId[]
}

/** Parameters of one party's session. */
export interface DkgParams<P extends CurvePoint<any, P>> extends DkgContext<P> {
  readonly me: ParticipantId
  /** Source of secret randomness; default secureRng. */
  readonly rng?: Rng
}

/** Schnorr proof of knowledge of the dealer's constant term a_0 (Spec 1.3). */
export interface ProofOfKnowledge<P extends CurvePoint<any, P>> {
  readonly R: P
  readonly z: bigint
}

/** Round 1, broadcast: dealer's Feldman commitment [a_0·G … a_t·G] and PoK of a_0. */
export interface DkgRound1Package<P extends CurvePoint<any, P>> {
  readonly commitment: readonly P[]
  readonly proof: ProofOfKnowledge<P>
}

/** Round 1, private to one receiver j: the dealer's f_i(j). Secret. */
export interface DkgSharePackage {
  readonly share: bigint
}

/** Round 2, broadcast: dealers whose share failed, and what this party saw of every round-1 broadcast. */
export interface DkgComplaintPackage {
  /** Strictly ascending dealer ids whose share to the sender was missing or did not match their commitment. */
  readonly accused: readonly ParticipantId[]
  /** Per participant: digest of its round-1 broadcast as the sender accepted it, or zero. */
  readonly round1Digests: readonly Uint8Array[]
}

/** Round 3, broadcast: the dealer's shares for its accusers, and what this party saw of round 2. */
export interface DkgAnswerPackage {
  /** Complainer id → f_dealer(complainer), for every complaint against the sender it received. */
  readonly revealed: ReadonlyMap<ParticipantId, bigint>
  /** Per participant: digest of its round-2 complaint as received, or zero. */
  readonly round2Digests: readonly Uint8Array[]
}

/** Round 4, broadcast: the result this party computed, to confirm that everyone agrees. */
export interface DkgResultPackage<P extends CurvePoint<any, P>> {
  /** Qualified dealers, ascending. */
  readonly qual: readonly ParticipantId[]
  /** The joint public key: commitment[0] of the joint commitment. */
  readonly publicKey: P
  /**
   * Digest of the joint commitment (sum over QUAL of the dealers' commitments;
   * a digest, not the points, keeps the confirmation small and cheap to decode).
   */
  readonly commitmentDigest: Uint8Array
  /** Per participant: digest of its round-3 answer as received, or zero. */
  readonly round3Digests: readonly Uint8Array[]
}

/** Why a dealer was left out of QUAL (docs/dkg.md, step 4.2). */
export type DisqualificationReason =
  /** Nobody accepted its round-1 broadcast (missing, malformed or bad proof of knowledge). */
  | 'round1-missing'
  /** Parties accepted different round-1 broadcasts from it, or some did and some did not. */
  | 'round1-equivocated'
  /** Its round-2 complaint message reached nobody. */
  | 'complaint-missing'
  /** Parties received different round-2 complaint messages from it. */
  | 'complaint-equivocated'
  /** It sent no round-3 answer. */
  | 'answer-missing'
  /** A complaint against it got no share in its answer. */
  | 'complaint-unanswered'
  /** A share in its answer does not match its commitment. */
  | 'answer-invalid'

/** The public outcome of a finished run (identical at every party that returns). */
export interface DkgOutcome<P extends CurvePoint<any, P>> {
  readonly qual: readonly ParticipantId[]
  readonly disqualified: ReadonlyMap<ParticipantId, DisqualificationReason>
  /** Sum over QUAL of the dealers' Feldman commitments. */
  readonly commitment: readonly P[]
  readonly publicKeySet: PublicKeySet<P>
}
