/**
 * Auth signatures (spec: docs/node-runtime.md §6): an EIP-4361 (SIWE) message
 * and the account's EIP-191 signature over it. The client creates one with its
 * viem account; a node verifies it locally (no network access) and learns the
 * caller's checksummed address.
 *
 * Verification is strict: the message must be exactly what viem's
 * createSiweMessage produces for the fields it parses to (so no trailing or
 * reordered lines slip past the lenient parser), it must carry an Issued At and
 * an Expiration Time, and its lifetime is bounded. A node accepts only the
 * SIWE domains it is configured with (AuthVerifier: by default the origin it is
 * served from, `localhost` and `127.0.0.1`), so a signature a user gave another
 * site is refused. Replay: an auth sig is a bearer session until it expires,
 * as Lit's session sigs are (docs/registry.md §15.6); registry operations
 * carry their own nonces and cannot be replayed.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { getAddress, recoverMessageAddress, type Hex, type LocalAccount } from 'viem'
import { createSiweMessage, parseSiweMessage, type SiweMessage } from 'viem/siwe'
import { InvalidArgumentError, LitError } from '../errors.js'
import { MAX_SIWE_CHARS, type AuthSig } from '../node/rpc-definitions.js'

export type { AuthSig }

export const DEFAULT_AUTH_EXPIRATION_MS = 60 * 60 * 1000
export const MAX_AUTH_LIFETIME_MS = 24 * 60 * 60 * 1000
export const AUTH_CLOCK_SKEW_MS = 30 * 1000

/** The caller is not allowed (travels as ERR_UNAUTHORIZED, docs/node-runtime.md §3). */
export class AuthError extends LitError {
  constructor (message: string, code = 'ERR_UNAUTHORIZED', options?: { cause?: unknown }) { super(message, code, options) }
}

export type InvalidAuthSigReason = 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'too-long-lived' | 'wrong-domain'

/** The auth signature does not prove anything now; `reason` says why. */
export class InvalidAuthSigError extends AuthError {
  constructor (readonly reason: InvalidAuthSigReason, detail: string, options?: { cause?: unknown }) {
    super(`invalid auth signature (${reason}): ${detail}`, 'ERR_UNAUTHORIZED', options)
  }
}

export interface CreateAuthSigOptions {
  /** RFC 3986 authority asking for the signature, e.g. `127.0.0.1:5173`. */
  domain: string
  /** RFC 3986 URI of the subject, e.g. `lit:session` or the page URL. */
  uri: string
  /** Lifetime from `issuedAt`; 1 h by default. Nodes refuse more than 24 h. */
  expirationMs?: number
  statement?: string
  /** Alphanumeric, at least 8 characters; 32 random hex digits by default. */
  nonce?: string
  chainId?: number
  /** Defaults to now. */
  issuedAt?: Date
}

/** 128 random bits as 32 hex digits, from crypto.getRandomValues (viem's generateSiweNonce is not a secure source). */
export function randomSiweNonce (): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(16)))
}

/** Sign a fresh SIWE message with a local viem account. */
export async function createAuthSig (account: LocalAccount, opts: CreateAuthSigOptions): Promise<AuthSig> {
  const expirationMs = opts.expirationMs ?? DEFAULT_AUTH_EXPIRATION_MS
  if (!Number.isFinite(expirationMs) || expirationMs <= 0) throw new InvalidArgumentError('expirationMs', 'must be a positive number of milliseconds')
  const issuedAt = opts.issuedAt ?? new Date()
  if (Number.isNaN(issuedAt.getTime())) throw new InvalidArgumentError('issuedAt', 'is not a valid date')
  let siwe: string
  try {
    siwe = createSiweMessage({
      address: account.address,
      chainId: opts.chainId ?? 1,
      domain: opts.domain,
      uri: opts.uri,
      version: '1',
      nonce: opts.nonce ?? randomSiweNonce(),
      issuedAt,
      expirationTime: new Date(issuedAt.getTime() + expirationMs),
      ...(opts.statement !== undefined ? { statement: opts.statement } : {})
    })
  } catch (err) {
    throw new InvalidArgumentError('siwe', (err as Error).message.split('\n')[0])
  }
  if (siwe.length > MAX_SIWE_CHARS) throw new InvalidArgumentError('siwe', `message longer than ${MAX_SIWE_CHARS} characters`)
  const signature = await account.signMessage({ message: siwe })
  return { siwe, signature: signature.slice(2).toLowerCase() }
}

export interface VerifyAuthSigOptions {
  /** ms since the epoch; Date.now() by default. */
  now?: number
  maxLifetimeMs?: number
  skewMs?: number
  /**
   * SIWE domains (RFC 3986 authorities) accepted; any when absent. An entry
   * without a port accepts that host with any port (`localhost` accepts
   * `localhost:5173`); one with a port only that authority. Case-insensitive.
   */
  domains?: readonly string[]
}

function splitAuthority (authority: string): { host: string, port?: string } {
  const a = authority.toLowerCase()
  if (a.startsWith('[')) {
    const end = a.indexOf(']')
    const rest = a.slice(end + 1)
    return rest.startsWith(':') ? { host: a.slice(0, end + 1), port: rest.slice(1) } : { host: a }
  }
  const i = a.lastIndexOf(':')
  return i >= 0 && /^[0-9]+$/.test(a.slice(i + 1)) ? { host: a.slice(0, i), port: a.slice(i + 1) } : { host: a }
}

/** Whether the SIWE `domain` is one of `allowed` (see VerifyAuthSigOptions.domains). */
export function domainAllowed (domain: string, allowed: readonly string[]): boolean {
  const d = splitAuthority(domain)
  return allowed.some((entry) => {
    const e = splitAuthority(entry)
    return e.host === d.host && (e.port === undefined || e.port === d.port)
  })
}

/**
 * The domains a node accepts by default: the host it is served from (in a
 * page), `localhost` and `127.0.0.1` (Node scripts sign with `localhost`).
 */
export function defaultAuthDomains (): string[] {
  const host = (globalThis as { location?: { host?: unknown } }).location?.host
  return [...new Set([...(typeof host === 'string' && host !== '' ? [host] : []), 'localhost', '127.0.0.1'])]
}

/** What a verified message says about time and who signed, kept by AuthVerifier's cache. */
export interface VerifiedAuth {
  /** EIP-55 checksummed address of the signer. */
  address: string
  issuedAt: number
  expiresAt: number
  notBefore?: number
}

/** Check the time window of a verified auth sig against `now`. */
export function checkAuthTimes (auth: VerifiedAuth, opts: VerifyAuthSigOptions = {}): void {
  const now = opts.now ?? Date.now()
  const skew = opts.skewMs ?? AUTH_CLOCK_SKEW_MS
  const maxLifetime = opts.maxLifetimeMs ?? MAX_AUTH_LIFETIME_MS
  if (auth.expiresAt <= auth.issuedAt) throw new InvalidAuthSigError('malformed', 'Expiration Time is not after Issued At')
  if (auth.expiresAt - auth.issuedAt > maxLifetime) throw new InvalidAuthSigError('too-long-lived', `lifetime exceeds ${maxLifetime} ms`)
  if (now >= auth.expiresAt + skew) throw new InvalidAuthSigError('expired', `expired at ${new Date(auth.expiresAt).toISOString()}`)
  if (auth.issuedAt > now + skew) throw new InvalidAuthSigError('not-yet-valid', `issued in the future (${new Date(auth.issuedAt).toISOString()})`)
  if (auth.notBefore !== undefined && auth.notBefore > now + skew) throw new InvalidAuthSigError('not-yet-valid', `not before ${new Date(auth.notBefore).toISOString()}`)
}

function parseStrict (siwe: string): SiweMessage & { issuedAt: Date, expirationTime: Date } {
  const parsed = parseSiweMessage(siwe)
  const { address, chainId, domain, nonce, uri, version, issuedAt, expirationTime, notBefore } = parsed
  if (address === undefined || chainId === undefined || domain === undefined || nonce === undefined || uri === undefined || version !== '1') {
    throw new InvalidAuthSigError('malformed', 'not an EIP-4361 message')
  }
  if (issuedAt === undefined || expirationTime === undefined) throw new InvalidAuthSigError('malformed', 'Issued At and Expiration Time are required')
  for (const [field, date] of [['Issued At', issuedAt], ['Expiration Time', expirationTime], ['Not Before', notBefore]] as const) {
    if (date !== undefined && Number.isNaN(date.getTime())) throw new InvalidAuthSigError('malformed', `${field} is not an RFC 3339 date-time`)
  }
  const message = { ...parsed, address, chainId, domain, nonce, uri, version, issuedAt, expirationTime }
  // The parser is lenient (unanchored, ignores what it does not know): only a
  // message that re-serialises to itself is accepted, so what is signed is what is checked.
  let canonical: string
  try {
    canonical = createSiweMessage(message)
  } catch (err) {
    throw new InvalidAuthSigError('malformed', 'invalid field', { cause: err })
  }
  if (canonical !== siwe) throw new InvalidAuthSigError('malformed', 'not in canonical EIP-4361 form')
  return message
}

/**
 * Parse and verify an auth sig: well-formed, signed by the message's address,
 * within its time window. Returns what it proves; InvalidAuthSigError otherwise.
 * Local only: no contract-wallet (EIP-1271) signatures.
 */
export async function verifyAuthSigDetailed (authSig: AuthSig, opts: VerifyAuthSigOptions = {}): Promise<VerifiedAuth> {
  if (typeof authSig !== 'object' || authSig === null) throw new InvalidAuthSigError('malformed', 'not an object')
  const { siwe, signature } = authSig
  if (typeof siwe !== 'string' || siwe.length === 0 || siwe.length > MAX_SIWE_CHARS) throw new InvalidAuthSigError('malformed', `siwe must be 1-${MAX_SIWE_CHARS} characters`)
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{130}$/.test(signature)) throw new InvalidAuthSigError('malformed', 'signature must be 65 bytes of hex without 0x')
  const message = parseStrict(siwe)
  if (opts.domains !== undefined && !domainAllowed(message.domain, opts.domains)) {
    throw new InvalidAuthSigError('wrong-domain', `domain ${message.domain} is not one this node accepts`)
  }
  const auth: VerifiedAuth = {
    address: getAddress(message.address),
    issuedAt: message.issuedAt.getTime(),
    expiresAt: message.expirationTime.getTime(),
    ...(message.notBefore !== undefined ? { notBefore: message.notBefore.getTime() } : {})
  }
  // Time first: cheap, and an expired message need not cost a recovery.
  checkAuthTimes(auth, opts)
  let recovered: string
  try {
    recovered = await recoverMessageAddress({ message: siwe, signature: `0x${signature}` as Hex })
  } catch (err) {
    throw new InvalidAuthSigError('bad-signature', 'signature does not recover', { cause: err })
  }
  if (recovered !== auth.address) throw new InvalidAuthSigError('bad-signature', 'not signed by the message\'s address')
  return auth
}

/** Verify an auth sig and return the caller's checksummed address. */
export async function verifyAuthSig (authSig: AuthSig, opts: VerifyAuthSigOptions = {}): Promise<string> {
  return (await verifyAuthSigDetailed(authSig, opts)).address
}
