/**
 * An in-memory ActionCodeStore for in-memory nodes (docs/actions.md §1.5–1.6,
 * §9.2). Code is kept as strings keyed by the CIDv1 of its §1.2 CID. Stores that
 * share a `CodeSwarm` fetch from each other (source 'peer'), checking what a peer
 * hands over against the CID as bitswap would; without a swarm, or when no
 * started member has it, `get` fails at once with ERR_ACTION_NOT_FOUND (there
 * is nothing to wait for in memory, so `timeoutMs` is not spent).
 */
import { ACTION_CODE_MAX_BYTES, actionCid, actionCodeBytes, parseActionCid } from './cid.js'
import type { ActionCodeStore, CodeGetOptions, CodeSource, StoredActionCode } from './code-store.js'
import { BadRequestError } from '../net/rpc/errors.js'
import { ActionCodeLimitError, ActionNotFoundError } from './errors.js'

/** The "network" of a set of MemoryCodeStores: each asks the other started members for code it lacks. */
export class CodeSwarm {
  readonly members = new Set<MemoryCodeStore>()
}

export interface MemoryCodeStoreInit {
  swarm?: CodeSwarm
}

export class MemoryCodeStore implements ActionCodeStore {
  private readonly codes = new Map<string, string>()
  private started = false

  constructor (private readonly init: MemoryCodeStoreInit = {}) {}

  async start (): Promise<void> {
    this.started = true
    this.init.swarm?.members.add(this)
  }

  async stop (): Promise<void> {
    this.started = false
    this.init.swarm?.members.delete(this)
  }

  async put (code: string, expectedIpfsId?: string): Promise<StoredActionCode> {
    const bytes = actionCodeBytes(code).length
    // actions.md §2.7 codeBytes: refused before anything is hashed or kept.
    if (bytes > ACTION_CODE_MAX_BYTES) throw new ActionCodeLimitError('bytes', ACTION_CODE_MAX_BYTES, bytes)
    const expected = expectedIpfsId !== undefined ? parseActionCid(expectedIpfsId) : undefined
    const cid = await actionCid(code)
    // actions.md §1.5: the node re-imports with §1.2 and refuses a mismatch.
    if (expected !== undefined && expected.toV1().toString() !== cid.cidV1) {
      throw new BadRequestError(`code hashes to ${cid.ipfsId}, not ${expectedIpfsId}`)
    }
    this.codes.set(cid.cidV1, code)
    return cid
  }

  async get (ipfsId: string, options: CodeGetOptions = {}): Promise<{ code: string, source: CodeSource }> {
    const key = parseActionCid(ipfsId).toV1().toString()
    options.signal?.throwIfAborted()
    const local = this.codes.get(key)
    if (local !== undefined) return { code: local, source: 'cache' }
    for (const peer of this.init.swarm?.members ?? []) {
      if (peer === this || !peer.started) continue
      const code = peer.codes.get(key)
      // A peer's answer counts only if it hashes to the CID asked for (as bitswap's block check).
      if (code === undefined || (await actionCid(code)).cidV1 !== key) continue
      this.codes.set(key, code)
      return { code, source: 'peer' }
    }
    throw new ActionNotFoundError(ipfsId)
  }

  async has (ipfsId: string): Promise<boolean> {
    return this.codes.has(parseActionCid(ipfsId).toV1().toString())
  }

  /** Test hook: store `code` under any key, as a lying peer would serve it. */
  plantForTest (ipfsId: string, code: string): void {
    this.codes.set(parseActionCid(ipfsId).toV1().toString(), code)
  }
}
