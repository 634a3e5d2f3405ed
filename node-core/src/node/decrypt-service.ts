/**
 * Decrypt, the node half (docs/node-runtime.md §5.5): a key holder parses the
 * conditions strictly, re-canonicalises them, checks the caller against them
 * and returns its decryption share for the identity it computes itself — so
 * the identity it serves is exactly the one the client encrypted to.
 * Conditions on a PKP ("owns PKP X", "permitted on PKP X") are checked against
 * this node's certified registry state, refreshed from the PKP's committee
 * first (a key holder need not be in that committee, and may have missed a
 * change): at most REGISTRY_REFRESH_MS, then the state it has.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { accessControlIdentity, encodeBlsDecryptionShare, ibeDecryptionShare } from '../crypto/bls/index.js'
import { UnauthorizedError, UnavailableError } from '../net/rpc/errors.js'
import type { StoredNetworkKey } from '../store/node-store.js'
import { conditionsHash, parseAccessControlConditionsJson, pkpTokensOf, unmetCondition } from './access-conditions.js'
import { callerAddress } from './caller-auth.js'
import { randomHex, serve, type NodeContext } from './context.js'
import { detailMs } from './op-status.js'
import { corruptDecryptionShare, neverAnswer } from './faults.js'
import { describeError } from './log.js'
import { DecryptShareRequest, type AuthSig } from './rpc-definitions.js'

/** How long a decrypt waits for fresh registry certificates before it judges a PKP condition. */
export const REGISTRY_REFRESH_MS = 2_000

export class DecryptService {
  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'ops' | 'auth' | 'registry' | 'faults' | 'log'>,
    private readonly networkKey: () => StoredNetworkKey | undefined,
    /** The presignature pool holds its background runs while a share is being made (as for pkpSign). */
    private readonly beginForeground: () => () => void = () => () => {}
  ) {}

  async start (): Promise<void> {
    await serve(this.ctx, DecryptShareRequest, async (req, hctx) => {
      if (this.ctx.faults.silent === true) return await neverAnswer(hctx.signal)
      const release = this.beginForeground()
      try {
        return await this.share(req, hctx.remotePeer, hctx.signal)
      } finally {
        release()
      }
    })
  }

  async stop (): Promise<void> {
    await this.ctx.rpc.unhandle(DecryptShareRequest)
  }

  private async share (req: { conditions: string, dataHash: string, auth?: AuthSig }, caller: string, signal?: AbortSignal): Promise<{ share: string }> {
    const op = this.ctx.ops.begin(randomHex(16), 'decrypt', caller)
    const t0 = performance.now()
    try {
      const key = this.networkKey()
      if (key === undefined) throw new UnavailableError('no network key yet')
      if (key.share === undefined) throw new UnavailableError('this node holds no share of the network key')
      const conditions = parseAccessControlConditionsJson(req.conditions)
      const address = req.auth === undefined ? undefined : await callerAddress(this.ctx.auth, req.auth)
      const tokens = pkpTokensOf(conditions)
      if (tokens.length > 0 && address !== undefined) {
        await Promise.all(tokens.map(async (t) => { await this.ctx.registry.refresh(t, { signal, timeoutMs: REGISTRY_REFRESH_MS }) }))
      }
      const unmet = unmetCondition(conditions, address, this.ctx.registry)
      if (unmet !== null) throw new UnauthorizedError(unmet)
      const identity = accessControlIdentity(conditionsHash(conditions), hexToBytes(req.dataHash))
      const t1 = performance.now()
      let share = ibeDecryptionShare(key.share, identity)
      if (this.ctx.faults.corruptShares === true) share = corruptDecryptionShare(share)
      op.done(`checks ${detailMs(t1 - t0)} share ${detailMs(performance.now() - t1)} ms`)
      return { share: bytesToHex(encodeBlsDecryptionShare(share)) }
    } catch (err) {
      op.fail(describeError(err))
      throw err
    }
  }
}
