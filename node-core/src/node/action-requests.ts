/**
 * The Lit Action requests this node has run, by requestId (docs/actions.md §5.1,
 * §3.6): a request runs at most once here, and while it runs, the decryptions its
 * own run has asked for are known — a key holder releases a share for a request
 * (action/decrypt-share) only once its own run of that request has made the same
 * call; and as a request's binder (§5.3) the one binding it gives per sigName. Ids are
 * kept REQUEST_MEMORY_MS and at most MAX_REMEMBERED_REQUESTS.
 */
import { BadRequestError, UnauthorizedError } from '../net/rpc/errors.js'
import type { Clock } from './clock.js'

/** A request id runs once per node; ids are remembered this long and at most this many (actions.md §5.1). */
export const REQUEST_MEMORY_MS = 10 * 60_000
export const MAX_REMEMBERED_REQUESTS = 4096

/** What a key holder needs to know of a request it runs (actions.md §3.6). */
export interface RequestInfo {
  /** The request's checksummed auth address. */
  caller: string
  /** The action's CID as the request named it. */
  ipfsId: string
  runners: readonly string[]
}

interface Entry {
  at: number
  info?: RequestInfo
  /** Decryptions the run asked for: canonical conditions + data hash (decryptKey). */
  decrypts: Set<string>
  running: boolean
  waiters: Set<() => void>
  /** As the request's binder (actions.md §5.3): the one binding per sigName, the same for every asker. */
  bindings: Map<string, Promise<unknown>>
}

/** The key a decryption is known by: canonical conditions JSON and the data hash, hex. */
export function decryptKey (canonicalConditions: string, dataHash: string): string {
  return `${dataHash}:${canonicalConditions}`
}

export class ActionRequests {
  private readonly entries = new Map<string, Entry>()

  constructor (private readonly clock: Clock) {}

  /** Admit a request id once (BadRequestError on a repeat); it counts as running until `ended`, its info arrives with `started`. */
  admit (requestId: string): void {
    const now = this.clock.now()
    for (const [id, e] of this.entries) {
      if (e.at > now - REQUEST_MEMORY_MS && this.entries.size < MAX_REMEMBERED_REQUESTS) break
      if (e.running) continue
      this.entries.delete(id)
    }
    if (this.entries.has(requestId)) throw new BadRequestError(`request ${requestId} has already run here`)
    this.entries.set(requestId, { at: now, decrypts: new Set(), running: true, waiters: new Set(), bindings: new Map() })
  }

  /** The request's run is about to start (its code is resolved). */
  started (requestId: string, info: RequestInfo): void {
    const e = this.entries.get(requestId)
    if (e === undefined) return
    e.info = info
    this.wake(e)
  }

  /** The run asked to decrypt `key` (before it asks anyone for shares). */
  recordDecrypt (requestId: string, key: string): void {
    const e = this.entries.get(requestId)
    if (e === undefined) return
    e.decrypts.add(key)
    this.wake(e)
  }

  /** The request is over (ran, failed or was refused): it will ask for nothing more. */
  ended (requestId: string): void {
    const e = this.entries.get(requestId)
    if (e === undefined) return
    e.running = false
    this.wake(e)
  }

  /**
   * Resolves with the request's info once this node's own run of it has asked to
   * decrypt `key`; UnauthorizedError if this node does not run the request, or its run
   * ended without that call. The signal bounds the wait.
   */
  async waitForDecrypt (requestId: string, key: string, signal?: AbortSignal): Promise<RequestInfo> {
    const e = this.entries.get(requestId)
    if (e === undefined) throw new UnauthorizedError(`request ${requestId.slice(0, 16)}… does not run on this node`)
    while (!e.decrypts.has(key)) {
      if (!e.running) throw new UnauthorizedError('this node\'s run of the request did not ask for that decryption')
      if (signal?.aborted === true) throw new UnauthorizedError('this node\'s run of the request has not asked for that decryption')
      await this.changeOf(e, signal)
    }
    return e.info!
  }

  /**
   * The request's info once its run has started here (it may still be fetching its code);
   * UnauthorizedError if this node does not hold the request or it ended before starting.
   */
  async info (requestId: string, signal?: AbortSignal): Promise<RequestInfo> {
    const e = this.entries.get(requestId)
    if (e === undefined) throw new UnauthorizedError(`request ${requestId.slice(0, 16)}… does not run on this node`)
    while (e.info === undefined) {
      if (!e.running || signal?.aborted === true) throw new UnauthorizedError(`request ${requestId.slice(0, 16)}… did not start on this node`)
      await this.changeOf(e, signal)
    }
    return e.info
  }

  private async changeOf (e: Entry, signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = (): void => { e.waiters.delete(done); signal?.removeEventListener('abort', done); resolve() }
      e.waiters.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /**
   * The binding this node, as binder, gives for (request, sigName): made once by `make`
   * (its promise is kept, failures too, so every asker hears the same answer).
   */
  async bindingFor<T> (requestId: string, sigName: string, make: () => Promise<T>): Promise<T> {
    const e = this.entries.get(requestId)
    if (e === undefined) throw new UnauthorizedError(`request ${requestId.slice(0, 16)}… does not run on this node`)
    let p = e.bindings.get(sigName) as Promise<T> | undefined
    if (p === undefined) {
      p = make()
      e.bindings.set(sigName, p)
    }
    return await p
  }

  private wake (e: Entry): void {
    for (const w of [...e.waiters]) w()
  }
}
