/**
 * The node's side of one Lit Action run (docs/actions.md §3–§4): what the
 * sandbox's host calls reach. Signing calls are checked for permission at once
 * and recorded — the share is made only after the run ended well (§5.4), so no
 * share ever enters the sandbox; fetch goes through the allow-list; decrypt asks
 * the key holders with the request's own auth (the caller could ask them itself).
 *
 * Arguments arrive already normalised by the sandbox runner (hex without 0x,
 * uncompressed keys), but they come from untrusted code, so each is parsed again.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { hashMessage, type Hex } from 'viem'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { authorizeSign } from '../registry/index.js'
import type { NodeStore } from '../store/node-store.js'
import { pkpUseDecision } from './caller-auth.js'
import { REGISTRY_REFRESH_MS } from './decrypt-service.js'
import type { NodeRegistry } from './registry-service.js'

export type HostMethod = 'signEcdsa' | 'ethPersonalSignMessageEcdsa' | 'decryptAndCombine' | 'fetch'

/** A signing call the run made and the node allowed (actions.md §3.3–3.4). */
export interface RecordedSignCall {
  sigName: string
  /** keccak256 of the uncompressed key, hex without 0x. */
  tokenId: string
  /** The 32 bytes to sign, hex. */
  hash: string
  kind: 'ecdsa' | 'personal'
  /** The personal message (kind 'personal'), hex. */
  message?: string
}

export interface ActionRefusal { sigName: string, code: string, reason: string }

export interface ActionDecryptArgs {
  accessControlConditions: unknown
  ciphertext: string
  dataToEncryptHash: string
}

export interface ActionRunHostInit {
  registry: NodeRegistry
  store: Pick<NodeStore, 'getPkp'>
  /** The request's checksummed auth address. */
  caller: string
  /** The running action's CID (ipfsId). */
  actionCid: string
  /** Origins `fetch` may reach (actions.md §3.7); empty: none. */
  fetchAllow: readonly string[]
  /** Decrypt for the run with the request's auth; absent: decryptAndCombine is refused. */
  decrypt?: (args: ActionDecryptArgs, signal: AbortSignal) => Promise<string>
  signal: AbortSignal
}

/** Largest response body a fetch inside an action reads (actions.md §3.7). */
export const ACTION_FETCH_MAX_BODY = 1024 * 1024

/** An error thrown back into the action: the sandbox shows its name and message there. */
export class ActionCallError extends Error {
  constructor (name: string, message: string) {
    super(message)
    this.name = name
  }
}

export class ActionRunHost {
  readonly calls: RecordedSignCall[] = []
  readonly refusals: ActionRefusal[] = []

  constructor (private readonly init: ActionRunHostInit) {}

  async call (method: string, args: unknown): Promise<unknown> {
    switch (method) {
      case 'signEcdsa': return await this.sign(args, 'ecdsa')
      case 'ethPersonalSignMessageEcdsa': return await this.sign(args, 'personal')
      case 'fetch': return await this.fetch(args)
      case 'decryptAndCombine': return await this.decrypt(args)
      default: throw new ActionCallError('TypeError', `unknown host method ${method}`)
    }
  }

  private async sign (args: unknown, kind: 'ecdsa' | 'personal'): Promise<string> {
    const a = record(args)
    const sigName = str(a.sigName, 'sigName')
    const publicKey = hexArg(a.publicKey, 'publicKey', 65)
    let hash: string
    let message: string | undefined
    if (kind === 'ecdsa') {
      hash = hexArg(a.toSign, 'toSign', 32)
    } else {
      message = hexArg(a.message, 'message')
      // The node hashes the message itself: only then is it known to be an EIP-191 message (actions.md §4.3).
      hash = hashMessage({ raw: `0x${message}` as Hex }).slice(2)
    }
    try {
      secp256k1.Point.fromBytes(hexToBytes(publicKey)).assertValidity()
    } catch {
      throw new ActionCallError('TypeError', 'publicKey is not a point of secp256k1')
    }
    const tokenId = bytesToHex(keccak_256(hexToBytes(publicKey)))
    if (this.calls.some((c) => c.sigName === sigName) || this.refusals.some((r) => r.sigName === sigName)) {
      throw new ActionCallError('DuplicateSigNameError', `sigName ${sigName} was used before in this run`)
    }
    const refusal = await this.authorize(tokenId, kind === 'personal')
    if (refusal !== undefined) {
      this.refusals.push({ sigName, code: 'ERR_UNAUTHORIZED', reason: refusal })
      throw new ActionCallError('UnauthorizedError', refusal)
    }
    this.calls.push({ sigName, tokenId, hash, kind, ...(message !== undefined ? { message } : {}) })
    return 'success'
  }

  /** actions.md §4.2: the registry's decision for (caller, action CID); without a certified entry only the minter. */
  private async authorize (tokenId: string, personal: boolean): Promise<string | undefined> {
    const key = `0x${tokenId}` as Hex
    const { registry, caller, actionCid } = this.init
    if (registry.token(key) === undefined) {
      await registry.refresh(key, { signal: this.init.signal, timeoutMs: REGISTRY_REFRESH_MS }).catch(() => {})
    }
    const state = registry.token(key)
    if (state !== undefined) {
      const r = authorizeSign(state, { caller, actionCid, toSignIsPersonalMessage: personal })
      return r.ok ? undefined : r.reason
    }
    const pkp = await this.init.store.getPkp(tokenId)
    if (pkp === undefined) return `PKP ${tokenId} is unknown here`
    const d = pkpUseDecision(undefined, caller, pkp)
    return d.ok ? undefined : d.reason
  }

  private async fetch (args: unknown): Promise<unknown> {
    const a = record(args)
    const url = str(a.url, 'url')
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new ActionCallError('TypeError', `fetch: invalid URL ${url.slice(0, 200)}`)
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ActionCallError('TypeError', 'fetch: only http(s) URLs')
    if (!this.init.fetchAllow.includes(parsed.origin)) {
      throw new ActionCallError('FetchNotAllowedError', `fetch: origin ${parsed.origin} is not on this node's allow-list`)
    }
    const method = a.method === undefined ? 'GET' : str(a.method, 'method')
    if (!['GET', 'HEAD', 'POST'].includes(method)) throw new ActionCallError('TypeError', `fetch: method ${method} not allowed`)
    const headers: Record<string, string> = {}
    if (a.headers !== undefined) {
      for (const [k, v] of Object.entries(record(a.headers))) {
        const name = k.toLowerCase()
        if (name !== 'content-type' && name !== 'accept') throw new ActionCallError('TypeError', `fetch: header ${k} not allowed`)
        headers[name] = str(v, `headers.${k}`)
      }
    }
    const body = a.body === undefined ? undefined : str(a.body, 'body')
    let res: Response
    try {
      res = await fetch(parsed.href, {
        method, headers, body, credentials: 'omit', redirect: 'error', cache: 'no-store', referrerPolicy: 'no-referrer', signal: this.init.signal
      })
    } catch (err) {
      throw new ActionCallError('TypeError', `fetch failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    const bytes = await readCapped(res, ACTION_FETCH_MAX_BODY)
    return {
      status: res.status,
      headers: [...res.headers.entries()].slice(0, 64),
      body: new TextDecoder().decode(bytes)
    }
  }

  private async decrypt (args: unknown): Promise<string> {
    if (this.init.decrypt === undefined) throw new ActionCallError('UnavailableError', 'decryptAndCombine is not available on this node')
    const a = record(args)
    if (a.accessControlConditions === undefined) throw new ActionCallError('TypeError', 'accessControlConditions is required')
    return await this.init.decrypt({
      accessControlConditions: a.accessControlConditions,
      ciphertext: str(a.ciphertext, 'ciphertext'),
      dataToEncryptHash: str(a.dataToEncryptHash, 'dataToEncryptHash')
    }, this.init.signal)
  }
}

async function readCapped (res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > max) throw new ActionCallError('FetchLimitError', `fetch: body of ${declared} bytes is over ${max}`)
  const reader = res.body?.getReader()
  if (reader === undefined) return new Uint8Array(0)
  const parts: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > max) {
      await reader.cancel().catch(() => {})
      throw new ActionCallError('FetchLimitError', `fetch: body over ${max} bytes`)
    }
    parts.push(value)
  }
  return concatBytes(...parts)
}

function record (v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ActionCallError('TypeError', 'expected an object argument')
  return v as Record<string, unknown>
}

function str (v: unknown, field: string): string {
  if (typeof v !== 'string') throw new ActionCallError('TypeError', `${field} must be a string`)
  return v
}

function hexArg (v: unknown, field: string, bytes?: number): string {
  const s = str(v, field)
  const max = 32 * 1024
  if (s.length > max || !/^([0-9a-f]{2})*$/.test(s) || (bytes !== undefined && s.length !== 2 * bytes)) {
    throw new ActionCallError('TypeError', `${field} must be ${bytes ?? 'some'} bytes of lower-case hex`)
  }
  return s
}
