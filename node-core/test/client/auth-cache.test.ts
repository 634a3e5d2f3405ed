import { describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { AuthVerifier } from '../../src/auth/auth-verifier.js'
import { AuthSigCache, type AuthSigFactory } from '../../src/client/auth-cache.js'
import { defaultAuthSigFactory } from '../../src/client/default-auth.js'

describe('auth signature cache', () => {
  it('signs once for many requests, again shortly before expiry; nodes accept what it makes', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    let made = 0
    const factory: AuthSigFactory = async (a, o) => { made++; return await defaultAuthSigFactory(a, o) }
    let now = 1_000_000
    const cache = new AuthSigCache(account, factory, () => now, 60_000, 5_000)
    const [a, b] = await Promise.all([cache.get(), cache.get()])
    expect(made).toBe(1)
    expect(b).toBe(a)
    now += 54_999
    expect(await cache.get()).toBe(a)
    now += 1
    const c = await cache.get()
    expect(made).toBe(2)
    expect(c).not.toBe(a)
    expect(await new AuthVerifier().verify(c)).toBe(account.address)
  })
})
