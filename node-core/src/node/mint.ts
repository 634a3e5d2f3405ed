/**
 * Mint, the node half (docs/node-runtime.md §5.2): a committee member checks
 * the request, runs the secp256k1 DKG with the other members (progress
 * visible through op/status, opId = mintId), stores the PKP record and its
 * share together, and answers the encoded PublicKeySet (every honest member
 * answers the same bytes; the client requires 2t+1 identical answers).
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { Secp256k1 } from '../crypto/group.js'
import { DkgSession, encodePublicKeySet } from '../protocols/dkg/index.js'
import { BadRequestError, UnavailableError } from '../net/rpc/errors.js'
import type { PkpRecord } from '../store/node-store.js'
import { callerAddress } from './caller-auth.js'
import { isSortedDistinct, serve, type NodeContext } from './context.js'
import { describeError, nodeLogger, short, type NodeLogger } from './log.js'
import { dkgPhase } from './op-status.js'
import { ethAddressOf, tokenIdOf } from './pkp-keys.js'
import { MintStart } from './rpc-definitions.js'
import { committeePeers } from './session-hub.js'
import { mintSessionId } from './session-ids.js'

/** Mints a node takes part in at once; more are refused as busy (ERR_UNAVAILABLE). */
export const MAX_CONCURRENT_MINTS = 4

export class MintService {
  private readonly log: NodeLogger
  /** Mint ids seen in this node's lifetime (running or finished): each runs once. */
  private readonly seen = new Set<string>()
  private running = 0
  private stopController = new AbortController()

  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'store' | 'hub' | 'ops' | 'clock' | 'auth' | 'log' | 'changed'>,
    /** Called with each newly stored PKP (the presignature pool starts filling it). */
    private readonly onMinted: (record: PkpRecord) => void = () => {}
  ) {
    this.log = nodeLogger(ctx.log, 'mint')
  }

  async start (): Promise<void> {
    this.stopController = new AbortController()
    await serve(this.ctx, MintStart, async (req, hctx) => await this.mint(req, hctx.remotePeer))
  }

  async stop (): Promise<void> {
    this.stopController.abort()
    await this.ctx.rpc.unhandle(MintStart)
  }

  private async mint (req: { mintId: string, committee: string[], degree: number, auth: { siwe: string, signature: string } }, caller: string): Promise<{ publicKeySet: string }> {
    const self = this.ctx.rpc.self
    const { mintId, committee, degree } = req
    // Spec 5.2.2: cheap checks first, then the auth signature.
    if (!isSortedDistinct(committee)) throw new BadRequestError('committee must be sorted and distinct')
    if (!committee.includes(self)) throw new BadRequestError('this node is not in the committee')
    if (degree < 1 || 2 * degree + 1 > committee.length) throw new BadRequestError(`degree ${degree} needs 2t+1 = ${2 * degree + 1} members, committee has ${committee.length}`)
    if (this.seen.has(mintId)) throw new BadRequestError('this mint id has been used')
    const minter = await callerAddress(this.ctx.auth, req.auth)
    if (this.running >= MAX_CONCURRENT_MINTS) throw new UnavailableError('too many mints in progress')
    const sessionId = mintSessionId(mintId, degree, committee)
    if (this.ctx.hub.hasRun(sessionId)) throw new BadRequestError('this mint id has been used')
    this.seen.add(mintId)
    this.running++
    const op = this.ctx.ops.begin(mintId, 'mint', caller)
    try {
      const me = committee.indexOf(self) + 1
      const session = new DkgSession({ group: Secp256k1, sessionId, degree, participants: committee.map((_, i) => i + 1), me })
      // Not tied to the caller's request: if the client goes away, the committee still forms the key.
      const share = await this.ctx.hub.run({
        id: sessionId,
        peers: committeePeers(committee),
        session,
        signal: this.stopController.signal,
        onProgress: () => { op.setPhase(dkgPhase(session.state)) },
        label: `mint ${short(mintId)}`
      })
      const publicKey = share.publicKeySet.publicKey
      const record: PkpRecord = {
        tokenId: tokenIdOf(publicKey),
        ethAddress: ethAddressOf(publicKey),
        committee: [...committee],
        minter,
        mintedAt: this.ctx.clock.now(),
        publicKeySet: share.publicKeySet
      }
      op.setPhase('verify')
      await this.ctx.store.putPkp(record, share)
      op.done(record.tokenId)
      this.log.info(`minted PKP ${short(record.tokenId)} (${record.ethAddress}) as member ${me} of ${committee.length}`)
      this.ctx.changed()
      this.onMinted(record)
      return { publicKeySet: bytesToHex(encodePublicKeySet(share.publicKeySet)) }
    } catch (err) {
      op.fail(describeError(err))
      throw err
    } finally {
      this.running--
    }
  }
}
