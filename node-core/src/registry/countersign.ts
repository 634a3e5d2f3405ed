/**
 * The member side of the registry (spec: docs/registry.md §7): countersign an
 * owner-signed operation at most once per (tokenId, nonce), only when the
 * signer is the owner in this member's certified state and the nonce is the
 * next one. Pure apart from the injected VoteStore, MemberSigner and MintWitness.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { getAddress, type Hex } from 'viem'
import { InvalidArgumentError } from '../errors.js'
import { sameMembers, validateCommittee } from './committee.js'
import { MAX_CLOCK_SKEW_MS } from './constants.js'
import { countersignMessage } from './countersign-message.js'
import {
  ConflictingOperationError, MalformedOperationError, MintNotWitnessedError, NeedsCatchUpError, NotOwnerError,
  OperationTimeError, StaleNonceError, WrongCommitteeError
} from './errors.js'
import { operationHash, recoverOperationSigner, unsigned } from './operation.js'
import { parseSignedOperation } from './operation-codec.js'
import { checkTransition } from './transitions.js'
import type { Committee, Countersignature, MemberKeys, MemberSigner, MintWitness, SignedOperation, TokenState } from './types.js'
import type { VoteStore } from './vote-store.js'

export interface CountersignContext {
  committee: Committee
  /** This member's identity key; its nodeId must be a member. */
  signer: MemberSigner
  votes: VoteStore
  /** This member's certified state of the token; undefined before its mint is applied here. */
  state: TokenState | undefined
  /** Needed to countersign mints (registry.md §6.3); without it every mint is refused. */
  mintWitness?: MintWitness
  /** ms since the epoch; Date.now() by default. */
  now?: number
}

async function sign (ctx: CountersignContext, opHash: Hex, signerAddress: string): Promise<Countersignature> {
  const sig = await ctx.signer.sign(countersignMessage(opHash, signerAddress, ctx.committee))
  return { nodeId: ctx.signer.nodeId, sig: bytesToHex(sig) }
}

/** registry.md §6.3, §7.6: this member witnessed the DKG and the mint says what it saw. */
async function checkMintAuthority (ctx: CountersignContext, op: SignedOperation & { kind: 'mint' }, signerAddress: string): Promise<void> {
  if (!sameMembers(op.args.committee, ctx.committee.members)) throw new WrongCommitteeError('the mint names another member set than this registry committee')
  const record = await ctx.mintWitness?.minted(op.tokenId)
  if (record === undefined) throw new MintNotWitnessedError(op.tokenId, `node ${ctx.signer.nodeId} holds no record of its DKG`)
  if (getAddress(record.minter) !== signerAddress) throw new MintNotWitnessedError(op.tokenId, `the DKG was asked for by ${getAddress(record.minter)}, not by the signer ${signerAddress}`)
  if (record.publicKey.toLowerCase() !== op.args.publicKey) throw new MintNotWitnessedError(op.tokenId, 'the public key differs from the one this node computed')
  if (!sameMembers(record.committee, op.args.committee)) throw new MintNotWitnessedError(op.tokenId, 'the committee differs from the DKG\'s')
}

/**
 * Countersign `input` (an untrusted SignedOperation from the wire), following
 * registry.md §7 step by step. Throws a RegistryError naming the reason; the
 * same operation asked again gets the same countersignature.
 */
export async function countersign (input: unknown, ctx: CountersignContext): Promise<Countersignature> {
  // §7.1
  const signed = parseSignedOperation(input)
  validateCommittee(ctx.committee)
  if (!ctx.committee.members.includes(ctx.signer.nodeId)) throw new InvalidArgumentError('signer', `node ${ctx.signer.nodeId} is not a member of the committee`)
  const { tokenId, nonce } = signed
  if (ctx.state !== undefined && ctx.state.tokenId !== tokenId) throw new InvalidArgumentError('state', `state is of token ${ctx.state.tokenId}, not ${tokenId}`)
  // §7.2
  const now = ctx.now ?? Date.now()
  if (signed.issuedAt > now + MAX_CLOCK_SKEW_MS) throw new OperationTimeError(`issued at ${new Date(signed.issuedAt).toISOString()}, more than ${MAX_CLOCK_SKEW_MS / 1000} s ahead`)
  // §7.3
  const opHash = operationHash(unsigned(signed))
  let signerAddress: string
  try {
    signerAddress = await recoverOperationSigner(signed)
  } catch (err) {
    throw new MalformedOperationError('op.signature', 'does not recover an address', { cause: err })
  }
  // §7.4
  const voted = await ctx.votes.get(tokenId, nonce)
  if (voted !== undefined && voted !== opHash) throw new ConflictingOperationError(tokenId, nonce, voted, opHash)
  // §7.5
  const next = ctx.state?.nonce ?? 0
  if (nonce < next) {
    const certified = ctx.state!.history[nonce]
    // §7.5.1: idempotent only for the op this member voted for, as certified.
    if (voted === opHash && certified.opHash === opHash && certified.signer === signerAddress) return await sign(ctx, opHash, signerAddress)
    if (voted === opHash && certified.opHash === opHash) throw new NotOwnerError(tokenId, signerAddress, certified.signer)
    throw new StaleNonceError(tokenId, next, nonce)
  }
  if (nonce > next) throw new NeedsCatchUpError(tokenId, next, nonce)
  // §7.6
  if (signed.kind === 'mint') {
    await checkMintAuthority(ctx, signed, signerAddress)
  } else {
    const state = ctx.state!
    if (signerAddress !== state.owner) throw new NotOwnerError(tokenId, signerAddress, state.owner)
    // §7.7
    checkTransition(state, signed)
  }
  // §7.8: durable vote before the countersignature leaves.
  if (voted === undefined) {
    const existing = await ctx.votes.putIfAbsent(tokenId, nonce, opHash)
    if (existing !== undefined && existing !== opHash) throw new ConflictingOperationError(tokenId, nonce, existing, opHash)
  }
  // §7.9
  return await sign(ctx, opHash, signerAddress)
}

/**
 * Whether `cs` is a valid countersignature of `signed` by a member (what a
 * client checks before putting it into a certificate, registry.md §13).
 */
export async function verifyCountersignature (signed: SignedOperation, cs: Countersignature, committee: Committee, keys: MemberKeys): Promise<boolean> {
  if (!committee.members.includes(cs.nodeId)) return false
  if (typeof cs.sig !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(cs.sig)) return false
  let signerAddress: string
  try {
    signerAddress = await recoverOperationSigner(signed)
  } catch {
    return false
  }
  const msg = countersignMessage(operationHash(unsigned(signed)), signerAddress, committee)
  try {
    return await keys.verify(cs.nodeId, msg, hexToBytes(cs.sig))
  } catch {
    return false
  }
}
