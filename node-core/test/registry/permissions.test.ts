/** Permission checks (docs/registry.md §11): a table over callers, actions and scopes. */
import { beforeAll, describe, expect, it } from 'vitest'
import { authorizeSign, isPermittedOnPkp, ownsPkp, RegistryState, type AuthorizeResult, type SignRequest, type TokenState } from '../../src/registry/index.js'
import { addActionOp, addAddressOp, CID_V0, CID_V0_AS_V1, CID_V1, mintOp, Sim, testAccount, testPkp } from './helpers.js'

const owner = testAccount('perm-owner')
const friend = testAccount('perm-friend')
const stranger = testAccount('perm-stranger')
const pkp = testPkp('perm')
const unminted = testPkp('perm-unminted')
// A CID that is valid but not permitted.
const OTHER_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

let state: TokenState
let registry: RegistryState

beforeAll(async () => {
  const sim = new Sim(4, 'perm')
  sim.witnessMint(pkp, owner.address)
  await sim.run(owner, mintOp(pkp, sim.committee))
  await sim.run(owner, addAddressOp(pkp.tokenId, 1, friend.address))
  await sim.run(owner, addActionOp(pkp.tokenId, 2, CID_V0, 'sign-anything'))
  await sim.run(owner, addActionOp(pkp.tokenId, 3, CID_V1, 'personal-sign'))
  state = sim.state(0, pkp.tokenId)!
  registry = RegistryState.of([state])
})

describe('authorizeSign', () => {
  const table: [string, () => SignRequest, AuthorizeResult | RegExp][] = [
    ['owner', () => ({ caller: owner.address, toSignIsPersonalMessage: false }), { ok: true, via: 'owner' }],
    ['owner in lower case', () => ({ caller: owner.address.toLowerCase(), toSignIsPersonalMessage: false }), { ok: true, via: 'owner' }],
    ['owner with an unpermitted action', () => ({ caller: owner.address, actionCid: OTHER_CID, toSignIsPersonalMessage: false }), { ok: true, via: 'owner' }],
    ['permitted address', () => ({ caller: friend.address, toSignIsPersonalMessage: false }), { ok: true, via: 'address' }],
    ['stranger', () => ({ caller: stranger.address, toSignIsPersonalMessage: true }), /caller 0x[0-9a-fA-F]{40} is neither the owner nor a permitted address.*no permitted action/],
    ['no caller, no action', () => ({ toSignIsPersonalMessage: true }), /no caller address; no permitted action/],
    ['caller not an address', () => ({ caller: 'alice', toSignIsPersonalMessage: false }), /not an Ethereum address/],
    ['sign-anything action, raw hash', () => ({ actionCid: CID_V0, toSignIsPersonalMessage: false }), { ok: true, via: 'action' }],
    ['sign-anything action named by its v1 CID', () => ({ actionCid: CID_V0_AS_V1, toSignIsPersonalMessage: false }), { ok: true, via: 'action' }],
    ['personal-sign action, personal message', () => ({ actionCid: CID_V1, toSignIsPersonalMessage: true }), { ok: true, via: 'action' }],
    ['personal-sign action, raw hash', () => ({ actionCid: CID_V1, toSignIsPersonalMessage: false }), /may only sign personal messages/],
    ['stranger with a personal-sign action, raw hash', () => ({ caller: stranger.address, actionCid: CID_V1, toSignIsPersonalMessage: false }), /neither the owner.*may only sign personal messages/],
    ['stranger with a sign-anything action', () => ({ caller: stranger.address, actionCid: CID_V0, toSignIsPersonalMessage: false }), { ok: true, via: 'action' }],
    ['action not permitted', () => ({ actionCid: OTHER_CID, toSignIsPersonalMessage: true }), /is not permitted/],
    ['action not a CID', () => ({ actionCid: 'ipfs://x', toSignIsPersonalMessage: true }), /not a valid CID/]
  ]
  it.each(table)('%s', (_name, req, expected) => {
    const r = authorizeSign(state, req())
    if (expected instanceof RegExp) {
      expect(r.ok).toBe(false)
      expect(!r.ok && r.reason).toMatch(expected)
    } else {
      expect(r).toEqual(expected)
    }
  })

  it('no certified state: refused', () => {
    expect(authorizeSign(undefined, { caller: owner.address, toSignIsPersonalMessage: false })).toEqual({ ok: false, reason: 'the PKP has no certified registry entry here' })
  })
})

describe('decrypt helpers', () => {
  it.each<[string, () => string | undefined, boolean, boolean]>([
    ['owner', () => owner.address, true, true],
    ['owner, lower case', () => owner.address.toLowerCase(), true, true],
    ['permitted address', () => friend.address, false, true],
    ['stranger', () => stranger.address, false, false],
    ['no caller', () => undefined, false, false],
    ['not an address', () => 'nope', false, false]
  ])('%s', (_name, caller, owns, permitted) => {
    expect(ownsPkp(registry, pkp.tokenId, caller())).toBe(owns)
    expect(isPermittedOnPkp(registry, pkp.tokenId, caller())).toBe(permitted)
  })

  it('an unknown token grants nothing', () => {
    expect(ownsPkp(registry, unminted.tokenId, owner.address)).toBe(false)
    expect(isPermittedOnPkp(registry, unminted.tokenId, owner.address)).toBe(false)
  })
})
