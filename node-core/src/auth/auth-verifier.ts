/**
 * A node's verifier of auth sigs (docs/node-runtime.md §6): one client signs a
 * SIWE message once and sends it with many requests, so a verified sig is
 * remembered by the sha256 of (message, signature) until it expires. The
 * signature recovery is skipped on a hit; the time window never is. Only
 * messages for the configured SIWE domains are accepted (checked before
 * anything is cached).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { InvalidArgumentError } from '../errors.js'
import {
  type AuthSig, type VerifiedAuth, type VerifyAuthSigOptions, AUTH_CLOCK_SKEW_MS, InvalidAuthSigError, MAX_AUTH_LIFETIME_MS,
  checkAuthTimes, defaultAuthDomains, verifyAuthSigDetailed
} from './siwe.js'

export const AUTH_CACHE_ENTRIES = 1024

export interface AuthVerifierOptions {
  /** Most entries kept (least recently used go first); 1,024 by default. */
  maxEntries?: number
  maxLifetimeMs?: number
  skewMs?: number
  /** Clock (ms since the epoch); Date.now by default. */
  now?: () => number
  /** SIWE domains accepted (siwe.ts domainAllowed); defaultAuthDomains() by default. */
  domains?: readonly string[]
}

function cacheKey (authSig: AuthSig): string {
  // The signature has a fixed length, so message ‖ signature is unambiguous.
  return bytesToHex(sha256(new TextEncoder().encode(`${authSig.siwe}${authSig.signature.toLowerCase()}`)))
}

export class AuthVerifier {
  private readonly cache = new Map<string, VerifiedAuth>()
  private readonly maxEntries: number
  private readonly opts: Required<Omit<AuthVerifierOptions, 'maxEntries' | 'domains'>>
  /** The SIWE domains this verifier accepts. */
  readonly domains: readonly string[]

  constructor (opts: AuthVerifierOptions = {}) {
    this.maxEntries = opts.maxEntries ?? AUTH_CACHE_ENTRIES
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 0) throw new InvalidArgumentError('maxEntries', 'must be a non-negative integer')
    this.domains = Object.freeze([...(opts.domains ?? defaultAuthDomains())])
    if (this.domains.length === 0 || !this.domains.every((d) => typeof d === 'string' && d.length > 0)) throw new InvalidArgumentError('domains', 'expected at least one non-empty domain')
    this.opts = {
      maxLifetimeMs: opts.maxLifetimeMs ?? MAX_AUTH_LIFETIME_MS,
      skewMs: opts.skewMs ?? AUTH_CLOCK_SKEW_MS,
      now: opts.now ?? Date.now
    }
  }

  /** Cache hits (recovery skipped) and misses (full verification), for tests and the node page. */
  readonly stats = { hits: 0, misses: 0 }

  /** Number of remembered sigs. */
  get size (): number { return this.cache.size }

  /** The caller's checksummed address, or InvalidAuthSigError. */
  async verify (authSig: AuthSig): Promise<string> {
    const timing: VerifyAuthSigOptions = { now: this.opts.now(), maxLifetimeMs: this.opts.maxLifetimeMs, skewMs: this.opts.skewMs }
    const key = typeof authSig?.siwe === 'string' && typeof authSig?.signature === 'string' ? cacheKey(authSig) : undefined
    const hit = key === undefined ? undefined : this.cache.get(key)
    if (hit !== undefined) {
      this.stats.hits++
      try {
        checkAuthTimes(hit, timing)
      } catch (err) {
        if (err instanceof InvalidAuthSigError && err.reason === 'expired') this.cache.delete(key!)
        throw err
      }
      this.cache.delete(key!) // re-insert: most recently used last
      this.cache.set(key!, hit)
      return hit.address
    }
    this.stats.misses++
    const auth = await verifyAuthSigDetailed(authSig, { ...timing, domains: this.domains })
    if (key !== undefined && this.maxEntries > 0) {
      this.cache.set(key, auth)
      this.evict(timing.now!)
    }
    return auth.address
  }

  private evict (now: number): void {
    if (this.cache.size <= this.maxEntries) return
    // Expired ones first, then the least recently used.
    for (const [k, v] of this.cache) if (now >= v.expiresAt + this.opts.skewMs) this.cache.delete(k)
    for (const k of this.cache.keys()) {
      if (this.cache.size <= this.maxEntries) break
      this.cache.delete(k)
    }
  }
}
