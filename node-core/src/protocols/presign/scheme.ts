/**
 * The protocol-neutral face of threshold ECDSA. The node layer and the client
 * talk to a `ThresholdEcdsaScheme`; this honest-majority scheme (DJNPØ20 family)
 * is one implementation, and a dishonest-majority one (DKLs23, Cait-Sith) can
 * sit behind the same interface later. Spec: docs/ecdsa.md §6.
 */
import type { SecpPoint } from '../../crypto/group.js'
import type { KeyShare } from '../../crypto/key-share.js'
import type { Rng } from '../../crypto/random.js'
import type { ParticipantId } from '../../crypto/shares.js'
import {
  type CombineResult, type Presignature, type PresignaturePublic, type SignRequest, type SignatureShare,
  combineSignatureShares, signShare, verifySignatureShare, verifySignatureShares
} from '../../crypto/ecdsa/index.js'
import type { ProtocolSession } from '../types.js'
import { PresignSession } from './session.js'

export interface CreatePresignSessionOptions {
  readonly keyShare: KeyShare<SecpPoint>
  readonly participants: readonly ParticipantId[]
  readonly sessionId: Uint8Array
  readonly rng?: Rng
}

export interface ThresholdEcdsaScheme {
  /** Stable scheme name, recorded with stored presignatures. */
  readonly name: string
  /** Fewest signers a presignature of a degree-t key needs. */
  signersNeeded (degree: number): number
  /** Fewest presign participants for a degree-t key. */
  presignParticipantsNeeded (degree: number): number
  createPresignSession (opts: CreatePresignSessionOptions): ProtocolSession<Presignature>
  /** Consumes the presignature; PresignatureReusedError on reuse. */
  signShare (presignature: Presignature, request: SignRequest): SignatureShare
  verifySignatureShare (presignature: PresignaturePublic, request: SignRequest, share: SignatureShare): boolean
  /** Checks many shares at once; returns the signers whose shares do not verify. */
  verifySignatureShares (presignature: PresignaturePublic, request: SignRequest, shares: readonly SignatureShare[]): ParticipantId[]
  /** A verified, low-s signature and the signers whose shares were refused. */
  combineSignatureShares (presignature: PresignaturePublic, request: SignRequest, shares: readonly SignatureShare[]): CombineResult
}

export const honestMajorityEcdsa: ThresholdEcdsaScheme = {
  name: 'ecdsa-secp256k1-djnpo20-v3', // v2: β_j = (x_j·a_j + e_j)/w (§4.4); v3: one opening proof over U = K_j + γ·X_j (docs/ecdsa.md §3.6)
  signersNeeded: (t) => 2 * t + 1,
  presignParticipantsNeeded: (t) => 2 * t + 1,
  createPresignSession: (opts) => new PresignSession(opts),
  signShare,
  verifySignatureShare: (pub, req, share) => verifySignatureShare(pub, req, share),
  verifySignatureShares: (pub, req, shares) => verifySignatureShares(pub, req, shares),
  combineSignatureShares: (pub, req, shares) => combineSignatureShares(pub, req, shares)
}
