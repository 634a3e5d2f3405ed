/**
 * Errors of the node services (docs/node-runtime.md §3, §4). Session errors are
 * local (a protocol run failed); what leaves a node is always one of the
 * net/rpc RpcError classes, made by {@link toRpcError}.
 */
import { InvalidArgumentError, LitError, MalformedMessageError } from '../errors.js'
import {
  BadRequestError, InternalError, NotFoundError, RpcError, UnavailableError
} from '../net/rpc/errors.js'
import { RegistryError } from '../registry/errors.js'
import { PresignatureNotFoundError, PresignatureUsedError, StorageUnavailableError } from '../store/node-store.js'
import { CertificateConflictError } from '../store/registry-store.js'

/** The wire code of a second use of a presignature (docs/node-runtime.md §3). */
export const ERR_PRESIGNATURE_USED = 'ERR_PRESIGNATURE_USED'

/** A protocol session ended without output. `culprits` are PeerIds (possibly empty). */
export class SessionFailedError extends LitError {
  readonly culprits: readonly string[]
  constructor (message: string, culprits: readonly string[], code = 'ERR_SESSION_FAILED', options?: { cause?: unknown }) {
    super(`${message}${culprits.length > 0 ? ` (culprits: ${culprits.join(', ')})` : ''}`, code, options)
    this.culprits = [...culprits].sort()
  }
}

/** Round deadlines passed without any progress: the parties named stayed silent. */
export class SessionTimeoutError extends SessionFailedError {
  constructor (culprits: readonly string[] = []) { super('session made no progress before its deadlines', culprits, 'ERR_SESSION_TIMEOUT') }
}

/** The caller's AbortSignal fired or the node stopped before the session finished. */
export class SessionCancelledError extends SessionFailedError {
  constructor (reason = 'session cancelled') { super(reason, [], 'ERR_SESSION_CANCELLED') }
}

/** A session id may run once per node (docs/node-runtime.md §4.5). */
export class SessionReplayError extends LitError {
  constructor (readonly sessionId: string) { super(`session ${sessionId} has already run here`, 'ERR_SESSION_REPLAY') }
}

/** A presignature was taken before (for any request): it never signs again. Travels as ERR_PRESIGNATURE_USED. */
export class PresignatureUsedRpcError extends RpcError {
  constructor (presignatureId: string) { super(`presignature ${presignatureId} was already used`, ERR_PRESIGNATURE_USED) }
}

/**
 * Map anything a service threw to the RpcError the caller may see. RpcErrors
 * pass unchanged; typed local errors map to their codes; anything else is an
 * internal error whose detail stays on this node (`onInternal` logs it).
 */
export function toRpcError (err: unknown, onInternal?: (err: unknown) => void): RpcError {
  if (err instanceof RpcError) return err
  if (err instanceof PresignatureUsedError) return new PresignatureUsedRpcError(err.presignatureId)
  if (err instanceof PresignatureNotFoundError) return new NotFoundError(err.message)
  if (err instanceof StorageUnavailableError) return new UnavailableError(err.message)
  // Registry refusals keep their own codes (ERR_REGISTRY_…, docs/registry.md §12) and reasons.
  if (err instanceof RegistryError || err instanceof CertificateConflictError) return new RpcError(err.message, err.code)
  if (err instanceof MalformedMessageError || err instanceof InvalidArgumentError) return new BadRequestError(err.message)
  if (err instanceof SessionFailedError) return new UnavailableError(err.message)
  onInternal?.(err)
  return new InternalError()
}
