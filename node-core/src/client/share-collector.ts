/**
 * Collecting threshold shares from nodes and deciding when to combine them
 * (spec: docs/node-runtime.md §5.4 step 4, §5.5). Pure: no timers, no I/O; the
 * caller passes the time to every call, so the timing rules are tested with a
 * plain number for a clock.
 *
 * Rules, for an operation that needs `needed` good shares out of the expected nodes:
 *  - combine when every expected node has answered (share or failure), or when
 *    `needed` candidate shares are in and `settleMs` (250 ms) have passed since
 *    the first share arrived, or at the deadline with `needed` candidates;
 *  - a share is checked against its sender (its participant id must be the
 *    sender's: the sender is the authenticated peer) before it becomes a
 *    candidate; combining verifies the candidates and names the bad ones, which
 *    are dropped; if too few remain and more answers can still come, wait on;
 *  - fail (typed, aggregateFailure) as soon as `needed` can no longer be reached,
 *    or at the deadline.
 *
 * Share verification is done by the crypto core's combiners, which check the
 * cheap way first: combineSignatureShares interpolates 2t+1 shares, checks that
 * any further shares lie on the same polynomial and verifies the signature; only
 * when that fails does it verify shares (batched, verifySignatureShares) to name
 * the culprits. combineAndDecrypt batch-verifies the decryption shares
 * (one pairing check) and checks one by one only when the batch fails.
 */
import type { PresignaturePublic, SignRequest, SignatureShare, EcdsaSignature, SigningNonce } from '../crypto/ecdsa/index.js'
import { combineSignatureShares, decodeSignatureShare, EcdsaAbortCode, signingNonce, verifySignatureShare, verifySignatureShares } from '../crypto/ecdsa/index.js'
import type { BlsDecryptionShare, IbeCiphertext } from '../crypto/bls/index.js'
import { combineAndDecrypt, decodeBlsDecryptionShareOnCurve, NotEnoughSharesError, verifyBlsDecryptionShare } from '../crypto/bls/index.js'
import type { G1Point, SecpPoint } from '../crypto/group.js'
import type { PublicKeySet } from '../crypto/key-share.js'
import type { ParticipantId } from '../crypto/shares.js'
import { InvalidArgumentError, LitError, ProtocolAbortError } from '../errors.js'
import { aggregateFailure, FaultCode, toNodeFault, type NodeFault } from './errors.js'

/** Default wait after the first share once enough are in (docs/node-runtime.md §5.4). */
export const SETTLE_MS = 250

/** What a combiner reports: a result, or (too few good shares) none; culprits either way. */
export interface CombineOutcome<R> {
  result?: R
  /** Nodes whose shares failed verification. */
  culprits: string[]
}

/** The operation-specific half of a collector. */
export interface ShareScheme<S, R> {
  /** Decode and check one answer from `node` (its participant id is `id`). Throws when it cannot be a good share. */
  accept: (node: string, id: ParticipantId, answer: Uint8Array) => S
  /** Combine the candidate shares (several may be bad). */
  combine: (shares: ReadonlyMap<string, S>) => CombineOutcome<R>
  /** Check one share on its own; lets a share that arrives after the result still be named when bad. */
  verify?: (share: S) => boolean
  /**
   * For a combiner that vouched for its result but not for every share it used
   * (combineSignatureShares' checkSharesLater): check them now, return the bad nodes.
   */
  checkUsed?: (shares: ReadonlyMap<string, S>) => string[]
  /**
   * Work that depends only on the request, done while the answers are on their way
   * (the ECDSA collector computes R′ = δ·R, a point multiplication it would
   * otherwise do after the last share arrived).
   */
  prepare?: () => void
}

export interface ShareCollectorInit<S, R> {
  /** Used in error messages, e.g. 'pkpSign'. */
  operation: string
  /** The nodes asked, each with its participant id. */
  expected: ReadonlyMap<string, ParticipantId>
  /** Good shares needed to combine. */
  needed: number
  /** Absolute time (same clock as `now` arguments) after which no answer is waited for. */
  deadlineAt: number
  settleMs?: number
  scheme: ShareScheme<S, R>
}

/** What to do next: the result, or wait until `until` (or the next answer, whichever is first). */
export type CollectorStep<R> =
  | { kind: 'done', result: R, faults: NodeFault[], used: string[] }
  | { kind: 'wait', until: number }

export class ShareCollector<S, R> {
  private readonly init: ShareCollectorInit<S, R>
  private readonly settleMs: number
  private readonly candidates = new Map<string, S>()
  private readonly refused = new Map<string, NodeFault>()
  private firstShareAt: number | undefined
  private outcome: CollectorStep<R> | undefined
  private failure: LitError | undefined

  constructor (init: ShareCollectorInit<S, R>) {
    if (!Number.isSafeInteger(init.needed) || init.needed < 1) throw new InvalidArgumentError('needed', 'must be a positive integer')
    if (init.expected.size === 0) throw new InvalidArgumentError('expected', 'no nodes to collect from')
    this.init = init
    this.settleMs = init.settleMs ?? SETTLE_MS
  }

  /** Good shares needed to combine. */
  get needed (): number { return this.init.needed }

  /** Candidate shares in hand (not yet refused). */
  get good (): number { return this.candidates.size }

  /** True once the collector has a result or a final error. */
  get finished (): boolean { return this.outcome?.kind === 'done' || this.failure != null }

  /** Nodes that have not answered (neither a share nor a failure). */
  pending (): string[] {
    return [...this.init.expected.keys()].filter(n => !this.candidates.has(n) && !this.refused.has(n))
  }

  /**
   * Do the scheme's request-only work now (fan-out.ts calls it once the requests are
   * sent). Never throws: whatever failed here fails again, typed, when combining.
   */
  prepare (): void {
    if (this.finished) return
    try {
      this.init.scheme.prepare?.()
    } catch {
      // see above
    }
  }

  /** An answer from `node`. Ignored from unexpected nodes, after a first answer, or once finished. */
  addShare (node: string, answer: Uint8Array, now: number): void {
    const id = this.init.expected.get(node)
    if (id === undefined || this.finished || this.candidates.has(node) || this.refused.has(node)) return
    let share: S
    try {
      share = this.init.scheme.accept(node, id, answer)
    } catch (err) {
      this.refused.set(node, { node, code: FaultCode.BadShare, reason: err instanceof Error ? err.message : 'unusable share' })
      return
    }
    this.candidates.set(node, share)
    this.firstShareAt ??= now
  }

  /**
   * Check an answer that arrived after the result was made (§5.4 step 5): a
   * BadShare fault when it cannot be a good share, undefined when it is good
   * or the scheme has no single-share check.
   */
  audit (node: string, answer: Uint8Array): NodeFault | undefined {
    const id = this.init.expected.get(node)
    if (id === undefined) return undefined
    let share: S
    try {
      share = this.init.scheme.accept(node, id, answer)
    } catch (err) {
      return { node, code: FaultCode.BadShare, reason: err instanceof Error ? err.message : 'unusable share' }
    }
    const verify = this.init.scheme.verify
    if (verify === undefined || verify(share)) return undefined
    return { node, code: FaultCode.BadShare, reason: 'share failed verification' }
  }

  /** After the result: the shares it was made from that the scheme's deferred check refuses (§5.4 step 5). */
  auditUsed (): NodeFault[] {
    const check = this.init.scheme.checkUsed
    if (check === undefined || this.outcome?.kind !== 'done') return []
    return check(this.candidates).map((node) => ({ node, code: FaultCode.BadShare, reason: 'share failed verification' }))
  }

  /** `node` failed (its request threw `err`). */
  addFailure (node: string, err: unknown): void {
    if (!this.init.expected.has(node) || this.finished || this.candidates.has(node) || this.refused.has(node)) return
    this.refused.set(node, toNodeFault(node, err))
  }

  /**
   * Decide at time `now`. Returns the result (once; later calls return the same)
   * or when to look again; throws the typed error when the operation cannot succeed.
   */
  step (now: number): CollectorStep<R> {
    if (this.failure != null) throw this.failure
    if (this.outcome?.kind === 'done') return this.outcome
    const { needed, deadlineAt } = this.init
    for (;;) {
      const pending = this.pending()
      const have = this.candidates.size
      const settled = this.firstShareAt != null && now >= this.firstShareAt + this.settleMs
      if (have >= needed && (pending.length === 0 || settled || now >= deadlineAt)) {
        const { result, removed } = this.combine()
        if (result !== undefined) {
          const faults = [...this.refused.values(), ...pending.map(node => ({ node, code: FaultCode.NoAnswer, reason: 'no answer before the shares were combined' }))]
          this.outcome = { kind: 'done', result, faults, used: [...this.candidates.keys()].sort() }
          return this.outcome
        }
        if (removed === 0) return this.fail(new LitError(`${this.init.operation}: combining failed without naming a share`, 'ERR_COMBINE'))
        continue // fewer candidates now: re-evaluate
      }
      if (have + pending.length < needed) return this.fail(aggregateFailure(this.init.operation, needed, have, [...this.refused.values()]))
      if (now >= deadlineAt) {
        const late = pending.map(node => ({ node, code: FaultCode.Timeout, reason: 'no answer before the deadline' }))
        return this.fail(aggregateFailure(this.init.operation, needed, have, [...this.refused.values(), ...late]))
      }
      const until = have >= needed && this.firstShareAt != null ? Math.min(deadlineAt, this.firstShareAt + this.settleMs) : deadlineAt
      return { kind: 'wait', until }
    }
  }

  /** Combine the candidates; culprits move from candidates to refused. */
  private combine (): { result?: R, removed: number } {
    const outcome = this.init.scheme.combine(this.candidates)
    let removed = 0
    for (const node of outcome.culprits) {
      if (!this.candidates.delete(node)) continue
      this.refused.set(node, { node, code: FaultCode.BadShare, reason: 'share failed verification' })
      removed++
    }
    return { result: outcome.result, removed }
  }

  private fail (err: LitError): never {
    this.failure = err
    throw err
  }
}

// ---------------------------------------------------------------- ECDSA signature shares

/** What the signature collector returns. */
export interface CombinedSignature {
  signature: EcdsaSignature
}

export interface SignatureCollectorInit {
  /** The presignature's public part (already checked against the PKP's key). */
  presignature: PresignaturePublic
  request: SignRequest
  /** Signer PeerId → participant id; exactly the request's signers. */
  signers: ReadonlyMap<string, ParticipantId>
  deadlineAt: number
  settleMs?: number
  /** signingNonce(presignature, request), when the caller already computed it (executeJs does, while waiting). */
  nonce?: SigningNonce
  /** The PKP's key with a multiplication table (combineSignatureShares' publicKeyTable), when the caller keeps one. */
  publicKeyTable?: SecpPoint
}

/** A collector of `pkp/sign-share` answers (encodeSignatureShare bytes). Needs 2t+1 good shares. */
export function signatureShareCollector (init: SignatureCollectorInit): ShareCollector<SignatureShare, CombinedSignature> {
  const { presignature: pub, request } = init
  const ids = [...init.signers.values()].sort((a, b) => a - b)
  if (ids.length !== request.signers.length || ids.some((id, i) => id !== request.signers[i])) {
    throw new InvalidArgumentError('signers', 'must map exactly the request\'s signers')
  }
  const nodeOf = new Map([...init.signers].map(([node, id]) => [id, node] as const))
  let nonce: SigningNonce | undefined = init.nonce
  return new ShareCollector<SignatureShare, CombinedSignature>({
    operation: 'pkpSign',
    expected: init.signers,
    needed: 2 * pub.degree + 1,
    deadlineAt: init.deadlineAt,
    settleMs: init.settleMs,
    scheme: {
      accept: (_node, id, answer) => {
        const share = decodeSignatureShare(answer)
        // The sender is the authenticated peer: a share claiming another signer is refused.
        if (share.signer !== id) throw new LitError(`share claims signer ${share.signer}, sender is ${id}`, FaultCode.BadShare)
        if (!equalBytes(share.presignatureId, pub.id)) throw new LitError('share is for another presignature', FaultCode.BadShare)
        return share
      },
      combine: (shares) => {
        try {
          // The signature is verified now; the shares behind it just after (checkUsed), off the latency path.
          const { signature, culprits } = combineSignatureShares(pub, request, [...shares.values()], nonce ??= signingNonce(pub, request), {
            checkSharesLater: true, ...(init.publicKeyTable !== undefined ? { publicKeyTable: init.publicKeyTable } : {})
          })
          return { result: { signature }, culprits: culprits.map(id => nodeOf.get(id)!) }
        } catch (err) {
          if (err instanceof ProtocolAbortError && err.code === EcdsaAbortCode.NotEnoughShares) {
            return { culprits: err.culprits.map(id => nodeOf.get(id)!).filter(n => n != null) }
          }
          throw err
        }
      },
      verify: (share) => verifySignatureShare(pub, request, share, (nonce ??= signingNonce(pub, request))),
      checkUsed: (shares) => verifySignatureShares(pub, request, [...shares.values()], (nonce ??= signingNonce(pub, request))).map(id => nodeOf.get(id)!).filter(n => n != null),
      prepare: () => { nonce ??= signingNonce(pub, request) }
    }
  })
}

// ---------------------------------------------------------------- BLS decryption shares

export interface DecryptionCollectorInit {
  /** The network key (decodeBlsPublicKeySet of what ≥ degree+1 members reported). */
  publicKeySet: PublicKeySet<G1Point>
  identity: string
  /** The IBE ciphertext, decoded (strictly) by the caller before any node was asked. */
  ciphertext: IbeCiphertext
  /** Key holder PeerId → participant id. */
  holders: ReadonlyMap<string, ParticipantId>
  deadlineAt: number
  settleMs?: number
}

/** A collector of `decrypt/share` answers (encodeBlsDecryptionShare bytes). Needs degree+1 good shares; yields the plaintext. */
export function decryptionShareCollector (init: DecryptionCollectorInit): ShareCollector<BlsDecryptionShare, Uint8Array> {
  const nodeOf = new Map([...init.holders].map(([node, id]) => [id, node] as const))
  return new ShareCollector<BlsDecryptionShare, Uint8Array>({
    operation: 'decrypt',
    expected: init.holders,
    needed: init.publicKeySet.degree + 1,
    deadlineAt: init.deadlineAt,
    settleMs: init.settleMs,
    scheme: {
      accept: (_node, id, answer) => {
        // On the curve only: the optimistic combine needs no subgroup check (docs/ibe.md §4.0).
        const share = decodeBlsDecryptionShareOnCurve(answer)
        if (share.id !== id) throw new LitError(`share claims participant ${share.id}, sender is ${id}`, FaultCode.BadShare)
        return share
      },
      combine: (shares) => {
        try {
          const { plaintext, culprits } = combineAndDecrypt(init.publicKeySet, init.identity, init.ciphertext, [...shares.values()])
          return { result: plaintext, culprits: culprits.map(id => nodeOf.get(id)).filter((n): n is string => n != null) }
        } catch (err) {
          if (err instanceof NotEnoughSharesError) return { culprits: err.culprits.map(id => nodeOf.get(id)).filter((n): n is string => n != null) }
          throw err // DecryptionFailedError: the ciphertext, not a share, is wrong
        }
      },
      verify: (share) => verifyBlsDecryptionShare(init.publicKeySet, init.identity, share)
    }
  })
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
