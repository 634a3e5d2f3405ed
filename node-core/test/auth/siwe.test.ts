import { describe, it, expect } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { parseSiweMessage } from 'viem/siwe'
import {
  AuthVerifier, createAuthSig, verifyAuthSig, type AuthSig, AUTH_CLOCK_SKEW_MS, MAX_AUTH_LIFETIME_MS, defaultAuthDomains, domainAllowed
} from '../../src/auth/index.js'

const alice = privateKeyToAccount(`0x${'11'.repeat(32)}`)
const mallory = privateKeyToAccount(`0x${'22'.repeat(32)}`)
const T0 = Date.parse('2026-11-25T12:00:00.000Z')
const HOUR = 60 * 60 * 1000
const opts = { domain: '127.0.0.1:5173', uri: 'lit:session' }

async function sig (extra: Partial<Parameters<typeof createAuthSig>[1]> = {}, account = alice): Promise<AuthSig> {
  return await createAuthSig(account, { ...opts, issuedAt: new Date(T0), ...extra })
}

async function reason (authSig: unknown, now = T0): Promise<string> {
  const err = await verifyAuthSig(authSig as AuthSig, { now }).then(() => undefined, (e: unknown) => e)
  expect(err).toMatchObject({ name: 'InvalidAuthSigError', code: 'ERR_UNAUTHORIZED' })
  return (err as { reason: string }).reason
}

describe('SIWE auth sigs', () => {
  it('creates a 65-byte signature over an EIP-4361 message that verifies to the checksummed address', async () => {
    const a = await sig({ statement: 'Use my PKPs' })
    expect(a.signature).toMatch(/^[0-9a-f]{130}$/)
    const parsed = parseSiweMessage(a.siwe)
    expect(parsed.address).toBe(alice.address)
    expect(parsed.domain).toBe(opts.domain)
    expect(parsed.statement).toBe('Use my PKPs')
    expect(parsed.expirationTime!.getTime() - parsed.issuedAt!.getTime()).toBe(HOUR)
    expect(parsed.nonce).toMatch(/^[0-9a-f]{32}$/)
    expect(await verifyAuthSig(a, { now: T0 + 1000 })).toBe(alice.address)
  })

  it('uses a fresh random nonce each time', async () => {
    const [a, b] = await Promise.all([sig(), sig()])
    expect(parseSiweMessage(a.siwe).nonce).not.toBe(parseSiweMessage(b.siwe).nonce)
  })

  it('refuses a signature by another key (forged)', async () => {
    const a = await sig()
    const forged = { siwe: a.siwe, signature: (await mallory.signMessage({ message: a.siwe })).slice(2) }
    expect(await reason(forged)).toBe('bad-signature')
  })

  it('refuses an altered message', async () => {
    const a = await sig()
    const later = new Date(T0 + 2 * HOUR).toISOString()
    const extended = a.siwe.replace(/Expiration Time: .*/, `Expiration Time: ${later}`)
    expect(extended).not.toBe(a.siwe)
    expect(await reason({ ...a, siwe: extended })).toBe('bad-signature')
    expect(await reason({ ...a, siwe: a.siwe.replace('127.0.0.1:5173', '127.0.0.1:5174') })).toBe('bad-signature')
    // Canonical, but the signature does not cover the added resource.
    expect(await reason({ ...a, siwe: `${a.siwe}\nResources:\n- https://evil.example` })).toBe('bad-signature')
    // Claiming to be mallory with alice's signature.
    expect(await reason({ ...a, siwe: a.siwe.replace(alice.address, mallory.address) })).toBe('bad-signature')
  })

  it('refuses an expired message, allowing the clock skew', async () => {
    const a = await sig({ expirationMs: HOUR })
    expect(await verifyAuthSig(a, { now: T0 + HOUR + AUTH_CLOCK_SKEW_MS - 1 })).toBe(alice.address)
    expect(await reason(a, T0 + HOUR + AUTH_CLOCK_SKEW_MS)).toBe('expired')
    expect(await reason(a, T0 + 5 * HOUR)).toBe('expired')
  })

  it('refuses a message issued in the future, allowing the clock skew', async () => {
    expect(await verifyAuthSig(await sig({ issuedAt: new Date(T0 + 10_000) }), { now: T0 })).toBe(alice.address)
    expect(await reason(await sig({ issuedAt: new Date(T0 + AUTH_CLOCK_SKEW_MS + 1) }))).toBe('not-yet-valid')
  })

  it('refuses a message living longer than 24 h', async () => {
    expect(await verifyAuthSig(await sig({ expirationMs: MAX_AUTH_LIFETIME_MS }), { now: T0 })).toBe(alice.address)
    expect(await reason(await sig({ expirationMs: MAX_AUTH_LIFETIME_MS + 1 }))).toBe('too-long-lived')
    // A node may be stricter.
    const a = await sig({ expirationMs: 2 * HOUR })
    await expect(verifyAuthSig(a, { now: T0, maxLifetimeMs: HOUR })).rejects.toMatchObject({ reason: 'too-long-lived' })
  })

  it('refuses garbage as malformed', async () => {
    const a = await sig()
    const garbage: unknown[] = [
      null, 'x', {}, { siwe: 'hello', signature: a.signature },
      { siwe: a.siwe, signature: `0x${a.signature}` },
      { siwe: a.siwe, signature: a.signature.slice(2) },
      { siwe: a.siwe, signature: 'zz' + a.signature.slice(2) },
      { siwe: '', signature: a.signature },
      { siwe: 'x'.repeat(5000), signature: a.signature },
      // The lenient parser would accept these; the canonical check does not.
      { siwe: `${a.siwe}\nFoo: bar`, signature: a.signature },
      { siwe: `junk ${a.siwe}`, signature: a.signature },
      { siwe: a.siwe.replace(/\nExpiration Time: .*/, ''), signature: a.signature }
    ]
    for (const g of garbage) expect([JSON.stringify(g)?.slice(0, 60), await reason(g)]).toEqual([JSON.stringify(g)?.slice(0, 60), 'malformed'])
  })

  it('refuses a well-formed signature that recovers to nothing', async () => {
    const a = await sig()
    expect(await reason({ ...a, signature: '00'.repeat(64) + '1b' })).toBe('bad-signature')
  })

  it('refuses bad options when creating', async () => {
    await expect(sig({ expirationMs: 0 })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(sig({ domain: 'not a domain' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(sig({ nonce: 'short' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })
})

describe('AuthVerifier', () => {
  it('caches a verified sig, yet refuses it once expired', async () => {
    let now = T0
    const verifier = new AuthVerifier({ now: () => now })
    const a = await sig({ expirationMs: HOUR })
    expect(await verifier.verify(a)).toBe(alice.address)
    expect(verifier.size).toBe(1)
    now = T0 + HOUR - 1
    expect(await verifier.verify(a)).toBe(alice.address)
    expect(verifier.stats).toEqual({ hits: 1, misses: 1 })
    now = T0 + HOUR + AUTH_CLOCK_SKEW_MS
    await expect(verifier.verify(a)).rejects.toMatchObject({ name: 'InvalidAuthSigError', reason: 'expired' })
    expect(verifier.stats).toEqual({ hits: 2, misses: 1 }) // refused on the cached path
    expect(verifier.size).toBe(0)
  })

  it('does not cache failures, and a forged signature is not a hit for the genuine one', async () => {
    const verifier = new AuthVerifier({ now: () => T0 })
    const a = await sig()
    const forged = { siwe: a.siwe, signature: (await mallory.signMessage({ message: a.siwe })).slice(2) }
    await expect(verifier.verify(forged)).rejects.toMatchObject({ reason: 'bad-signature' })
    expect(verifier.size).toBe(0)
    expect(await verifier.verify(a)).toBe(alice.address)
    await expect(verifier.verify(forged)).rejects.toMatchObject({ reason: 'bad-signature' })
    await expect(verifier.verify(null as unknown as AuthSig)).rejects.toMatchObject({ reason: 'malformed' })
  })

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const verifier = new AuthVerifier({ now: () => T0, maxEntries: 2 })
    const [a, b, c] = await Promise.all([sig(), sig(), sig()])
    await verifier.verify(a)
    await verifier.verify(b)
    await verifier.verify(a) // a is now the most recent
    await verifier.verify(c) // evicts b
    expect(verifier.size).toBe(2)
    expect(verifier.stats).toEqual({ hits: 1, misses: 3 })
    await verifier.verify(a)
    await verifier.verify(b)
    expect(verifier.stats).toEqual({ hits: 2, misses: 4 }) // a was kept, b was not
  })
})

describe('SIWE domains (docs/registry.md §15.6)', () => {
  it('matches authorities: an entry without a port accepts any port of its host; case does not matter', () => {
    expect(domainAllowed('localhost', ['localhost'])).toBe(true)
    expect(domainAllowed('localhost:5173', ['localhost'])).toBe(true)
    expect(domainAllowed('LOCALHOST:5173', ['localhost:5173'])).toBe(true)
    expect(domainAllowed('localhost:5174', ['localhost:5173'])).toBe(false)
    expect(domainAllowed('evil.example', ['localhost', '127.0.0.1'])).toBe(false)
    expect(domainAllowed('localhost.evil.example', ['localhost'])).toBe(false)
    expect(domainAllowed('[::1]:8080', ['[::1]'])).toBe(true)
    expect(domainAllowed('127.0.0.1:5173', defaultAuthDomains())).toBe(true)
  })

  it('the verifier refuses a message for another domain before caching it, and accepts its own', async () => {
    const verifier = new AuthVerifier({ now: () => T0, domains: ['app.example'] })
    await expect(verifier.verify(await sig())).rejects.toMatchObject({ name: 'InvalidAuthSigError', reason: 'wrong-domain' })
    expect(verifier.size).toBe(0)
    expect(await verifier.verify(await sig({ domain: 'app.example' }))).toBe(alice.address)
    expect(() => new AuthVerifier({ domains: [] })).toThrow(/domains/)
  })

  it('verifyAuthSig checks the domain only when asked to', async () => {
    const a = await sig({ domain: 'other.example' })
    expect(await verifyAuthSig(a, { now: T0 })).toBe(alice.address)
    await expect(verifyAuthSig(a, { now: T0, domains: ['localhost'] })).rejects.toMatchObject({ reason: 'wrong-domain' })
  })
})
