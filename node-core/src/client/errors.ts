/**
 * The client SDK's errors (spec: docs/node-runtime.md §5.4, §9). Every failure
 * a caller of LitClient sees is one of these classes (or an argument error), with
 * a stable `name` and `code`. Errors of the message layer (net/rpc) are turned
 * into them in one place, {@link toNodeFault}, and a fan-out that could not
 * gather enough answers is summarised by {@link aggregateFailure}.
 */
import { LitError } from '../errors.js'
import { PeerUnreachableError, RemoteError, RpcAbortedError, RpcTimeoutError, UnsupportedProtocolError } from '../net/rpc/errors.js'
import type { ShareFault } from './types.js'

/** Stable codes of the client errors (what `err.code` holds). */
export const ClientErrorCode = {
  NotEnoughNodes: 'ERR_NOT_ENOUGH_NODES',
  Unauthorized: 'ERR_UNAUTHORIZED',
  Timeout: 'ERR_TIMEOUT',
  BadShare: 'ERR_BAD_SHARE',
  NotFound: 'ERR_NOT_FOUND',
  NoNetworkKey: 'ERR_NO_NETWORK_KEY',
  Aborted: 'ERR_ABORTED',
  MintFailed: 'ERR_MINT_FAILED',
  PlaintextMismatch: 'ERR_PLAINTEXT_MISMATCH'
} as const

/** Fewer nodes are online, or answered usefully, than the operation needs. */
export class NotEnoughNodesError extends LitError {
  readonly needed: number
  readonly available: number
  /** The nodes that were asked and failed, and why. */
  readonly faults: readonly ShareFault[]

  constructor (needed: number, available: number, what = 'nodes', faults: readonly ShareFault[] = []) {
    super(`need ${needed} ${what}, have ${available}${describeFaults(faults)}`, ClientErrorCode.NotEnoughNodes)
    this.needed = needed
    this.available = available
    this.faults = [...faults]
  }
}

/** A node refused the caller: bad or expired auth signature, not the PKP's owner, a condition not met. */
export class UnauthorizedError extends LitError {
  /** The refusing node's reason, as it sent it. */
  readonly reason: string
  readonly node: string | undefined

  constructor (reason: string, node?: string) {
    super(`unauthorized: ${reason}${node != null ? ` (node ${node})` : ''}`, ClientErrorCode.Unauthorized)
    this.reason = reason
    this.node = node
  }
}

/** The operation's deadline passed before enough nodes answered. */
export class TimeoutError extends LitError {
  readonly operation: string
  readonly faults: readonly ShareFault[]

  constructor (operation: string, faults: readonly ShareFault[] = []) {
    super(`${operation} timed out${describeFaults(faults)}`, ClientErrorCode.Timeout)
    this.operation = operation
    this.faults = [...faults]
  }
}

/**
 * Too few good shares: some nodes answered with shares that failed verification
 * (named in `faults`, with the other nodes that did not help).
 */
export class BadShareError extends LitError {
  readonly needed: number
  readonly good: number
  readonly faults: readonly ShareFault[]

  constructor (needed: number, good: number, faults: readonly ShareFault[]) {
    super(`${good} good shares, need ${needed}${describeFaults(faults)}`, ClientErrorCode.BadShare)
    this.needed = needed
    this.good = good
    this.faults = [...faults]
  }

  /** The nodes whose shares were refused by verification. */
  get badNodes (): string[] {
    return this.faults.filter(f => f.code === ClientErrorCode.BadShare).map(f => f.node)
  }
}

/** The PKP (or presignature, or other named thing) is not known to the network. */
export class NotFoundError extends LitError {
  readonly what: string

  constructor (what: string) {
    super(`not found: ${what}`, ClientErrorCode.NotFound)
    this.what = what
  }
}

/** Encryption and decryption need the network key, and genesis has not produced one (yet). */
export class NoNetworkKeyError extends LitError {
  constructor (detail = 'the network has no BLS key yet (genesis waits for enough nodes)') {
    super(detail, ClientErrorCode.NoNetworkKey)
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends LitError {
  constructor (operation: string, options?: { cause?: unknown }) {
    super(`${operation} aborted`, ClientErrorCode.Aborted, options)
  }
}

/** Mint failed: the committee did not agree on one public key (or too few members finished). */
export class MintFailedError extends LitError {
  readonly faults: readonly ShareFault[]

  constructor (reason: string, faults: readonly ShareFault[] = []) {
    super(`mint failed: ${reason}${describeFaults(faults)}`, ClientErrorCode.MintFailed)
    this.faults = [...faults]
  }
}

/** The ciphertext opened, but its plaintext does not hash to the dataToEncryptHash it was sent with. */
export class PlaintextMismatchError extends LitError {
  constructor () {
    super('decrypted data does not match dataToEncryptHash', ClientErrorCode.PlaintextMismatch)
  }
}

function describeFaults (faults: readonly ShareFault[]): string {
  if (faults.length === 0) return ''
  const shown = faults.slice(0, 4).map(f => `${shortPeer(f.node)}: ${f.reason}`).join('; ')
  return ` (${shown}${faults.length > 4 ? `; +${faults.length - 4} more` : ''})`
}

/** A PeerId shortened for messages (the full id stays in `faults`). */
export function shortPeer (peer: string): string {
  return peer.length > 12 ? `…${peer.slice(-8)}` : peer
}

// ---------------------------------------------------------------- mapping

/** Codes a node's handler sends (docs/node-runtime.md §3). */
const RemoteCode = {
  Unauthorized: 'ERR_UNAUTHORIZED',
  NotFound: 'ERR_NOT_FOUND',
  BadRequest: 'ERR_BAD_REQUEST',
  Unavailable: 'ERR_UNAVAILABLE',
  PresignatureUsed: 'ERR_PRESIGNATURE_USED'
} as const

/**
 * One node's failure, as the client records it. `code` tells the kind:
 * ERR_UNAUTHORIZED, ERR_NOT_FOUND, ERR_TIMEOUT, ERR_UNREACHABLE, ERR_UNAVAILABLE,
 * ERR_BAD_SHARE, ERR_PRESIGNATURE_USED, ERR_BAD_REQUEST, ERR_ABORTED, ERR_NO_ANSWER,
 * or the node's own code.
 */
export interface NodeFault extends ShareFault {
  code: string
}

export const FaultCode = {
  BadShare: ClientErrorCode.BadShare,
  Timeout: ClientErrorCode.Timeout,
  Unreachable: 'ERR_UNREACHABLE',
  Aborted: ClientErrorCode.Aborted,
  /** The node had not answered when the others' shares were combined. */
  NoAnswer: 'ERR_NO_ANSWER',
  /** The answer did not decode, or decoded to something the node could not have meant. */
  Malformed: 'ERR_MALFORMED_ANSWER'
} as const

/**
 * The single place where errors of the message layer become client facts.
 * `err` is whatever NodeRpc.request threw for `node`.
 */
export function toNodeFault (node: string, err: unknown): NodeFault {
  if (err instanceof RemoteError) return { node, code: err.code, reason: err.message }
  if (err instanceof RpcTimeoutError) return { node, code: FaultCode.Timeout, reason: 'no answer in time' }
  if (err instanceof PeerUnreachableError || err instanceof UnsupportedProtocolError) {
    return { node, code: FaultCode.Unreachable, reason: err.message }
  }
  if (err instanceof RpcAbortedError || err instanceof AbortedError) return { node, code: FaultCode.Aborted, reason: 'aborted' }
  if (err instanceof LitError) return { node, code: err.code, reason: err.message }
  if (err instanceof Error) return { node, code: 'ERR_UNKNOWN', reason: `${err.name}: ${err.message}` }
  return { node, code: 'ERR_UNKNOWN', reason: String(err) }
}

/**
 * The error for a fan-out that got `good` useful answers out of the `needed`.
 * Precedence: a refusal by auth is the caller's problem to fix, so it wins; then
 * bad shares (someone is cheating); then "not found" (the request named
 * something unknown); then timeouts; anything else is "not enough nodes".
 */
export function aggregateFailure (operation: string, needed: number, good: number, faults: readonly NodeFault[]): LitError {
  const public_ = faults.map(({ node, reason, code }) => ({ node, reason, code }))
  const unauthorized = faults.find(f => f.code === RemoteCode.Unauthorized)
  if (unauthorized != null) return new UnauthorizedError(unauthorized.reason, unauthorized.node)
  if (faults.some(f => f.code === FaultCode.BadShare)) return new BadShareError(needed, good, public_)
  const notFound = faults.filter(f => f.code === RemoteCode.NotFound)
  if (notFound.length > 0 && notFound.length + good < needed && faults.every(f => f.code === RemoteCode.NotFound || isTimeoutLike(f))) {
    return new NotFoundError(notFound[0].reason)
  }
  if (faults.length > 0 && faults.every(isTimeoutLike)) return new TimeoutError(operation, public_)
  return new NotEnoughNodesError(needed, good, `good answers for ${operation}`, public_)
}

function isTimeoutLike (f: NodeFault): boolean {
  return f.code === FaultCode.Timeout || f.code === FaultCode.NoAnswer
}

/** Throws AbortedError when `signal` has fired. */
export function throwIfAborted (signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted === true) throw new AbortedError(operation, { cause: signal.reason })
}

export { RemoteCode }

// ---------------------------------------------------------------- registry (docs/registry.md §15.6)

/**
 * The registry committee refused an operation. `code` is the members' own
 * (ERR_REGISTRY_NOT_OWNER, ERR_REGISTRY_CONFLICTING_OPERATION,
 * ERR_REGISTRY_STALE_NONCE, ERR_REGISTRY_INVALID_TRANSITION,
 * ERR_REGISTRY_MALFORMED, ERR_REGISTRY_MINT_NOT_WITNESSED, …): the one most of
 * the refusing members gave; `faults` lists every member's answer.
 */
export class RegistryRefusedError extends LitError {
  readonly reason: string
  readonly faults: readonly ShareFault[]

  constructor (code: string, reason: string, faults: readonly ShareFault[] = []) {
    super(`registry refused: ${reason}${describeFaults(faults.filter(f => f.reason !== reason))}`, code)
    this.reason = reason
    this.faults = [...faults]
  }
}

/** The PKP has no certified mint yet (no member holds its registry entry): certify the mint first. */
export class PkpNotRegisteredError extends LitError {
  constructor (tokenId: string) {
    super(`PKP ${tokenId} has no certified mint in the registry (certifyMint first)`, 'ERR_REGISTRY_NOT_REGISTERED')
  }
}

/**
 * This client signed another operation for the same nonce that is not
 * certified yet. Signing a second one could split the members' votes and freeze
 * the PKP's registry (docs/registry.md §7, lock-up), so the client refuses:
 * retry the pending operation (same call) until it is certified.
 */
export class PendingOperationError extends LitError {
  readonly pendingKind: string
  readonly nonce: number

  constructor (tokenId: string, nonce: number, pendingKind: string, cause?: unknown) {
    super(`PKP ${tokenId}: a ${pendingKind} signed for nonce ${nonce} is not certified yet; retry it before another operation`, 'ERR_REGISTRY_PENDING_OPERATION', { cause })
    this.pendingKind = pendingKind
    this.nonce = nonce
  }
}
