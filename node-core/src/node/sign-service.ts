/**
 * pkpSign, the node half (docs/node-runtime.md §5.4 step 3): check the
 * request, take the presignature (from memory when it was armed at its lease,
 * §5.4.1, else durably), compute this signer's share.
 *
 * Checks, in order: the PKP is known here; the caller's auth address is its
 * owner or a permitted address in this node's certified registry state (before
 * the PKP's mint is certified here: its minter; caller-auth.ts); the signer set is sorted, includes this node, has ≥ 2t+1 members,
 * all of them participants of the presignature. Then the presignature is
 * taken: the store has committed its tombstone before the secret is read, so
 * a crash loses a presignature but never reuses one, and a second request
 * naming it (any message, even after a reload) gets ERR_PRESIGNATURE_USED.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { encodeSignatureShare, type SignRequest } from '../crypto/ecdsa/index.js'
import { honestMajorityEcdsa } from '../protocols/presign/index.js'
import { BadRequestError, NotFoundError } from '../net/rpc/errors.js'
import { ArmedPresignatures } from './armed-presignatures.js'
import { assertMayUsePkp, callerAddress } from './caller-auth.js'
import { randomHex, serve, type NodeContext } from './context.js'
import { detailMs } from './op-status.js'
import { corruptSignatureShare, neverAnswer } from './faults.js'
import { describeError, short } from './log.js'
import { SignShareRequest } from './rpc-definitions.js'
import type { PkpRecord } from '../store/node-store.js'

export interface SignShareInput {
  tokenId: string
  presignatureId: string
  messageHash: string
  signers: number[]
  entropy: string
  auth: { siwe: string, signature: string }
}

export class SignService {
  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'store' | 'ops' | 'auth' | 'registry' | 'faults' | 'log' | 'changed' | 'clock'>,
    /** The presignature pool pauses its background runs while a share is being made. */
    private readonly beginSigning: () => () => void = () => () => {},
    /** Armed presignatures are used from memory; the others are taken from the store durably. */
    private readonly presignatures: Pick<ArmedPresignatures, 'take'> = new ArmedPresignatures(ctx.store, ctx.clock, 0)
  ) {}

  async start (): Promise<void> {
    await serve(this.ctx, SignShareRequest, async (req, hctx) => {
      if (this.ctx.faults.silent === true) return await neverAnswer(hctx.signal)
      return await this.signShare(req, hctx.remotePeer)
    })
  }

  async stop (): Promise<void> {
    await this.ctx.rpc.unhandle(SignShareRequest)
  }

  /**
   * This node's share for a request already authorised by the caller (pkp/sign-share
   * above, or a Lit Action's binding, actions.md §5.4): checks the signer set, takes
   * the presignature durably, computes the share. Returns encodeSignatureShare hex.
   */
  async shareFor (record: PkpRecord, req: Omit<SignShareInput, 'auth'>): Promise<{ share: string, takeMs: number }> {
    const me = record.committee.indexOf(this.ctx.rpc.self) + 1
    const t = record.publicKeySet.degree
    const { signers } = req
    for (let i = 1; i < signers.length; i++) if (signers[i] <= signers[i - 1]) throw new BadRequestError('signers must be sorted ascending and distinct')
    if (!signers.includes(me)) throw new BadRequestError('this node is not among the signers')
    if (signers.length < 2 * t + 1) throw new BadRequestError(`${signers.length} signers, need 2t+1 = ${2 * t + 1}`)
    // Durable single use (§8); PresignatureUsedError / PresignatureNotFoundError map to their codes.
    // A request naming signers outside the presignature is refused in the same transaction, before the take.
    const t1 = performance.now()
    const presignature = await this.presignatures.take(req.tokenId, req.presignatureId, (entry) => {
      const missing = signers.filter((id) => !entry.participants.includes(id))
      if (missing.length > 0) throw new BadRequestError(`signers ${missing.join(', ')} took no part in the presignature`)
    })
    const takeMs = performance.now() - t1
    const request: SignRequest = { messageHash: hexToBytes(req.messageHash), signers, entropy: hexToBytes(req.entropy) }
    let share = honestMajorityEcdsa.signShare(presignature, request)
    if (this.ctx.faults.corruptShares === true) share = corruptSignatureShare(share)
    return { share: bytesToHex(encodeSignatureShare(share)), takeMs }
  }

  private async signShare (req: SignShareInput, caller: string): Promise<{ share: string }> {
    const release = this.beginSigning()
    const op = this.ctx.ops.begin(randomHex(16), 'sign', caller)
    // Where a request's time goes, shown with the operation (node page, op/status): checks, the durable take, the share.
    const t0 = performance.now()
    try {
      const record = await this.ctx.store.getPkp(req.tokenId)
      if (record === undefined) throw new NotFoundError('unknown PKP')
      assertMayUsePkp(await callerAddress(this.ctx.auth, req.auth), record, this.ctx)
      const t1 = performance.now()
      const { share, takeMs } = await this.shareFor(record, req)
      const t2 = performance.now()
      op.done(`${short(req.tokenId)}/${short(req.presignatureId)} checks ${detailMs(t1 - t0)} take ${detailMs(takeMs)} share ${detailMs(t2 - t1 - takeMs)} ms`)
      this.ctx.changed()
      return { share }
    } catch (err) {
      op.fail(describeError(err))
      throw err
    } finally {
      release()
    }
  }
}
