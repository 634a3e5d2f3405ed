/**
 * The client's auth signature (docs/node-runtime.md §6): one SIWE message signed
 * by the account, reused for many requests until shortly before it expires
 * (nodes cache verified signatures by hash, so reuse is also cheaper for them).
 */
import type { LocalAccount } from 'viem/accounts'
import type { AuthSig } from '../node/rpc-definitions.js'

/** Makes a fresh auth signature for `account`, valid for `expiresInMs`. */
export type AuthSigFactory = (account: LocalAccount, options: { expiresInMs: number }) => Promise<AuthSig>

/** How long a fresh auth signature is valid (nodes accept at most 24 h). */
export const AUTH_SIG_LIFETIME_MS = 60 * 60_000
/** Make a new one this long before the old one expires, so none expires in flight. */
export const AUTH_SIG_REFRESH_MS = 5 * 60_000

export class AuthSigCache {
  private current: { sig: AuthSig, expiresAt: number } | undefined
  private making: Promise<AuthSig> | undefined

  constructor (
    private readonly account: LocalAccount,
    private readonly factory: AuthSigFactory,
    private readonly now: () => number = Date.now,
    private readonly lifetimeMs = AUTH_SIG_LIFETIME_MS,
    private readonly refreshMs = AUTH_SIG_REFRESH_MS
  ) {}

  /** The account's address (what nodes will see as the caller). */
  get address (): string { return this.account.address }

  async get (): Promise<AuthSig> {
    if (this.current != null && this.now() < this.current.expiresAt - this.refreshMs) return this.current.sig
    // Concurrent callers share one signing.
    this.making ??= (async () => {
      try {
        const issuedAt = this.now()
        const sig = await this.factory(this.account, { expiresInMs: this.lifetimeMs })
        this.current = { sig, expiresAt: issuedAt + this.lifetimeMs }
        return sig
      } finally {
        this.making = undefined
      }
    })()
    return await this.making
  }
}
