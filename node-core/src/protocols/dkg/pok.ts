/**
 * Schnorr proof of knowledge of a dealer's constant term (docs/dkg.md, Spec 1.3),
 * in the shape of noble's FROST DKG proof (R, z = k + c·a_0) but with the
 * challenge bound to (protocol version, group, sessionId, dealer): a proof is
 * valid for one dealer in one run only, which closes rogue-key attacks and replays.
 */
import type { CurvePoint } from '@noble/curves/abstract/curve.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { mod, randomScalar } from '../../crypto/group.js'
import type { Rng } from '../../crypto/random.js'
import { type ParticipantId, mulBaseSecretIn } from '../../crypto/shares.js'
import { LABEL_POK } from './constants.js'
import { lengthPrefixed, u16Bytes } from './digest.js'
import type { DkgContext, ProofOfKnowledge } from './types.js'

/** c = H(label ‖ group ‖ sessionId ‖ dealer ‖ C_0 ‖ R), 512-bit hash reduced mod the order (bias < 2^-250). */
export function pokChallenge<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, dealer: ParticipantId, c0: P, R: P): bigint {
  const h = sha512(lengthPrefixed([
    new TextEncoder().encode(LABEL_POK),
    new TextEncoder().encode(ctx.group.name),
    ctx.sessionId,
    u16Bytes(dealer),
    c0.toBytes(),
    R.toBytes()
  ]))
  return mod(bytesToNumberBE(h), ctx.group.order)
}

/** Prove knowledge of a0 with c0 = a0·G. Secret inputs: constant-time base multiply. */
export function provePok<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, dealer: ParticipantId, a0: bigint, c0: P, rng: Rng): ProofOfKnowledge<P> {
  const k = randomScalar(ctx.group, rng)
  const [R] = mulBaseSecretIn(ctx.group, [k])
  const c = pokChallenge(ctx, dealer, c0, R)
  return { R, z: mod(k + c * a0, ctx.group.order) }
}

/** R == z·G − c·C_0. All inputs public: variable-time is fine. */
export function verifyPok<P extends CurvePoint<any, P>> (ctx: DkgContext<P>, dealer: ParticipantId, c0: P, proof: ProofOfKnowledge<P>): boolean {
  const c = pokChallenge(ctx, dealer, c0, proof.R)
  const zG = proof.z === 0n ? ctx.group.ZERO : ctx.group.BASE.multiplyUnsafe(proof.z)
  return zG.subtract(c0.multiplyUnsafe(c)).equals(proof.R)
}
