/**
 * Decryption under Lit's action condition (`:currentActionIpfsId`, docs/actions.md
 * §3.6), both halves:
 *  - key holder: `action/decrypt-share` answers a runner of a request this node runs
 *    itself, once its own run of that request asked for the same decryption, and only if
 *    the conditions hold for (the request's caller, the request's CID). So a share goes
 *    only where an honest run of the same request would take it; a plain `decrypt/share`
 *    never meets the action condition (access-conditions.ts).
 *  - runner: asks the key holders among the request's runners (its own share computed
 *    here), checks and combines degree+1 shares as the client's decrypt does.
 * Key holders that do not run the request cannot answer: such a run needs runners
 * covering degree+1 of them (executeJs `runners: 'all'`), which the error says.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { accessControlIdentity, encodeBlsDecryptionShare, ibeDecryptionShare, type IbeCiphertext } from '../crypto/bls/index.js'
import type { ParticipantId } from '../crypto/shares.js'
import { decryptionShareCollector } from '../client/share-collector.js'
import { fanOut } from '../client/fan-out.js'
import { BadRequestError, UnauthorizedError, UnavailableError } from '../net/rpc/errors.js'
import type { StoredNetworkKey } from '../store/node-store.js'
import {
  actionConditionOf, canonicalConditions, conditionsHash, parseAccessControlConditionsJson, pkpTokensOf, unmetCondition,
  type AccessControlConditions
} from './access-conditions.js'
import { ActionCallError } from './action-host.js'
import { decryptKey, type ActionRequests, type RequestInfo } from './action-requests.js'
import { randomHex, serve, type NodeContext } from './context.js'
import { REGISTRY_REFRESH_MS } from './decrypt-service.js'
import { corruptDecryptionShare, neverAnswer } from './faults.js'
import { describeError } from './log.js'
import { ActionDecryptShare } from './rpc-definitions.js'

/** How long a runner waits for the key holders' shares. */
export const ACTION_DECRYPT_TIMEOUT_MS = 10_000

/** One decryption a run asked for: parsed conditions, the decoded ciphertext, the data hash (hex). */
export interface ActionDecryption {
  conditions: AccessControlConditions
  ciphertext: IbeCiphertext
  dataHash: string
}

export class ActionDecryptShares {
  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'ops' | 'registry' | 'faults' | 'log' | 'clock'>,
    private readonly requests: ActionRequests,
    private readonly networkKey: () => StoredNetworkKey | undefined
  ) {}

  async start (): Promise<void> {
    await serve(this.ctx, ActionDecryptShare, async (req, hctx) => {
      if (this.ctx.faults.silent === true) return await neverAnswer(hctx.signal)
      return { share: bytesToHex(await this.share(req, hctx.remotePeer, hctx.signal)) }
    })
  }

  async stop (): Promise<void> {
    await this.ctx.rpc.unhandle(ActionDecryptShare)
  }

  /** The key holder's checks (§3.6 (1)–(3)) and its share, encoded. */
  private async share (req: { requestId: string, conditions: string, dataHash: string }, asker: string, signal?: AbortSignal): Promise<Uint8Array> {
    const op = this.ctx.ops.begin(randomHex(16), 'decrypt', asker)
    try {
      const conditions = parseAccessControlConditionsJson(req.conditions)
      if (actionConditionOf(conditions) === undefined) throw new BadRequestError('the conditions name no action: use decrypt/share')
      const key = decryptKey(canonicalConditions(conditions), req.dataHash)
      const info = await this.requests.waitForDecrypt(req.requestId, key, signal)
      if (!info.runners.includes(asker)) throw new UnauthorizedError('the asking node is not a runner of this request')
      const share = await this.ownShare(info, { conditions, dataHash: req.dataHash }, signal)
      op.done()
      return share
    } catch (err) {
      op.fail(describeError(err))
      throw err
    }
  }

  /** Why the conditions do not hold for the run (its caller, its CID), or null (PKP conditions read a refreshed registry). */
  private async unmet (info: RequestInfo, conditions: AccessControlConditions, signal?: AbortSignal): Promise<string | null> {
    const tokens = pkpTokensOf(conditions)
    await Promise.all(tokens.map(async (t) => { await this.ctx.registry.refresh(t, { signal, timeoutMs: REGISTRY_REFRESH_MS }).catch(() => {}) }))
    return unmetCondition(conditions, info.caller, this.ctx.registry, { actionCid: info.ipfsId })
  }

  /** This node's share if the conditions hold for the run (caller, CID); refusals are UnauthorizedError. */
  private async ownShare (info: RequestInfo, d: Pick<ActionDecryption, 'conditions' | 'dataHash'>, signal?: AbortSignal): Promise<Uint8Array> {
    const stored = this.networkKey()
    if (stored === undefined) throw new UnavailableError('no network key yet')
    if (stored.share === undefined) throw new UnavailableError('this node holds no share of the network key')
    const unmet = await this.unmet(info, d.conditions, signal)
    if (unmet !== null) throw new UnauthorizedError(unmet)
    const identity = accessControlIdentity(conditionsHash(d.conditions), hexToBytes(d.dataHash))
    let share = ibeDecryptionShare(stored.share, identity)
    if (this.ctx.faults.corruptShares === true) share = corruptDecryptionShare(share)
    return encodeBlsDecryptionShare(share)
  }

  /**
   * The runner's half: shares from the key holders among the runners (this node's own
   * computed here), degree+1 good ones combined; the plaintext bytes. The run must
   * have recorded the call (ActionRequests.recordDecrypt) first: peers check it.
   */
  async decryptInRun (requestId: string, info: RequestInfo, d: ActionDecryption, signal: AbortSignal): Promise<Uint8Array> {
    const stored = this.networkKey()
    if (stored === undefined) throw new ActionCallError('UnavailableError', 'decryptAndCombine: the network has no key yet')
    const { publicKeySet } = stored
    const runners = new Set(info.runners)
    const holders = new Map<string, ParticipantId>()
    stored.members.forEach((peer, i) => { if (runners.has(peer) && publicKeySet.verificationShares.has(i + 1)) holders.set(peer, i + 1) })
    const need = publicKeySet.degree + 1
    if (holders.size < need) {
      throw new ActionCallError('NotEnoughRunnersError',
        `decryptAndCombine under an action condition needs ${need} key holders among the runners, ${holders.size} run this request: run it with runners: 'all'`)
    }
    // Checked here first, so that every runner refuses alike (the same message) without asking anyone.
    const unmet = await this.unmet(info, d.conditions, signal)
    if (unmet !== null) throw new ActionCallError('UnauthorizedError', unmet)
    const self = this.ctx.rpc.self
    const canonical = canonicalConditions(d.conditions)
    const identity = accessControlIdentity(conditionsHash(d.conditions), hexToBytes(d.dataHash))
    const deadlineAt = this.ctx.clock.now() + ACTION_DECRYPT_TIMEOUT_MS
    try {
      const done = await fanOut({
        collector: decryptionShareCollector({ publicKeySet, identity, ciphertext: d.ciphertext, holders, deadlineAt, settleMs: 0 }),
        operation: 'decryptAndCombine',
        now: () => this.ctx.clock.now(),
        signal,
        ask: async (node, s) => {
          if (node === self) return await this.ownShare(info, d, s)
          const res = await this.ctx.rpc.request(ActionDecryptShare, node, { requestId, conditions: canonical, dataHash: d.dataHash }, {
            signal: s, timeoutMs: Math.max(1, deadlineAt - this.ctx.clock.now())
          })
          return hexToBytes(res.share)
        }
      })
      return done.result
    } catch (err) {
      if (err instanceof ActionCallError) throw err
      throw new ActionCallError('DecryptError', `decryptAndCombine: ${describeError(err)}`)
    }
  }
}
