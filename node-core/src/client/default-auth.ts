/**
 * The auth signatures a LitClient makes by default (docs/node-runtime.md §6):
 * auth/siwe.ts createAuthSig with the page's host and origin as SIWE domain and
 * URI (in Node, where there is no page: `localhost` and `lit:session`).
 */
import { createAuthSig } from '../auth/siwe.js'
import type { AuthSigFactory } from './auth-cache.js'

export interface AuthSigFactoryOptions {
  /** SIWE domain (RFC 3986 authority); the page's host by default. */
  domain?: string
  /** SIWE URI; the page's origin by default. */
  uri?: string
  statement?: string
}

export function authSigFactory (options: AuthSigFactoryOptions = {}): AuthSigFactory {
  const page = (globalThis as { location?: { host?: string, origin?: string } }).location
  const domain = options.domain ?? (page?.host != null && page.host !== '' ? page.host : 'localhost')
  const uri = options.uri ?? (page?.origin != null && page.origin.startsWith('http') ? page.origin : 'lit:session')
  return async (account, { expiresInMs }) => await createAuthSig(account, {
    domain, uri, expirationMs: expiresInMs, ...(options.statement !== undefined ? { statement: options.statement } : {})
  })
}

export const defaultAuthSigFactory: AuthSigFactory = authSigFactory()
