/**
 * One call's lifetime: a deadline, the caller's AbortSignal and the service's
 * shutdown, folded into one AbortSignal, remembering *why* it ended so the
 * caller gets RpcTimeoutError vs RpcAbortedError rather than a generic abort.
 *
 * Deliberately not AbortSignal.any([..., shutdownSignal]): that would hang one
 * listener per in-flight call on the long-lived shutdown signal. The service
 * keeps its live scopes in a set and ends them on stop() instead.
 */
import { RpcAbortedError, RpcTimeoutError } from './errors.js'

export type ScopeEnd = 'timeout' | 'aborted' | 'stopped' | 'closed'

export class CallScope {
  private readonly controller = new AbortController()
  private readonly timer: ReturnType<typeof setTimeout>
  private readonly userSignal?: AbortSignal
  private readonly onUserAbort = (): void => { this.end('aborted') }
  private ended?: ScopeEnd

  constructor (timeoutMs: number, userSignal?: AbortSignal) {
    this.timer = setTimeout(() => { this.end('timeout') }, timeoutMs)
    this.userSignal = userSignal
    if (userSignal?.aborted === true) this.end('aborted')
    else userSignal?.addEventListener('abort', this.onUserAbort, { once: true })
  }

  get signal (): AbortSignal { return this.controller.signal }

  /** Why the scope ended early, if it did. */
  get reason (): ScopeEnd | undefined { return this.ended }

  end (reason: ScopeEnd): void {
    if (this.ended != null) return
    this.ended = reason
    this.controller.abort(this.error())
    this.dispose()
  }

  /** The typed error for the way this scope ended (undefined while it is live). */
  error (): Error | undefined {
    switch (this.ended) {
      case undefined: return undefined
      case 'timeout': return new RpcTimeoutError()
      case 'aborted': return new RpcAbortedError()
      case 'stopped': return new RpcAbortedError('service stopped')
      case 'closed': return new RpcAbortedError('stream closed by the remote')
    }
  }

  dispose (): void {
    clearTimeout(this.timer)
    this.userSignal?.removeEventListener('abort', this.onUserAbort)
  }
}

/** Resolve with `promise`, or reject as soon as `signal` aborts (the promise keeps running; its rejection is swallowed). */
export async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    throw signal.reason
  }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    promise.catch(() => {})
    if (onAbort != null) signal.removeEventListener('abort', onAbort)
  }
}
