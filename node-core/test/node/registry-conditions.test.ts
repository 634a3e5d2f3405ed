/**
 * Access conditions that rest on the registry (docs/registry.md §15.5):
 * "owns PKP X", "is permitted on PKP X", "caller is one of [...]" — strict
 * parsing into one canonical form, and decrypt checked against the nodes'
 * certified registry state through the client SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UnauthorizedError } from '../../src/client/errors.js'
import {
  callerIn, canonicalConditions, ownsPkp, parseAccessControlConditions, permittedOnPkp, pkpTokensOf, unmetCondition, type AccessControlConditions
} from '../../src/node/access-conditions.js'
import { RegistryState } from '../../src/registry/index.js'
import { testAccount, until } from './helpers.js'
import { mintCertified, startRegistryNet, type RegistryNet } from './registry-helpers.js'
import type { MintedPkp } from '../../src/client/types.js'

const A = testAccount('registry-conditions/A')
const B = testAccount('registry-conditions/B')
const C = testAccount('registry-conditions/C')
const TOKEN = `0x${'ab'.repeat(32)}`

/** The address with one letter's case flipped: a wrong EIP-55 checksum. */
function badChecksum (address: string): string {
  const i = [...address].findIndex((ch, k) => k >= 2 && /[a-fA-F]/.test(ch))
  const ch = address[i]
  return address.slice(0, i) + (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()) + address.slice(i + 1)
}

describe('parsing the registry conditions', () => {
  it('accepts the canonical forms and builds them from loose input', () => {
    expect(ownsPkp(TOKEN.toUpperCase().replace('0X', ''))).toEqual({ conditionType: 'ownsPkp', tokenId: TOKEN })
    expect(permittedOnPkp(TOKEN)).toEqual({ conditionType: 'permittedOnPkp', tokenId: TOKEN })
    const list = callerIn([C.address, A.address.toLowerCase(), B.address])
    expect(list.addresses).toEqual([A.address, B.address, C.address].sort())
    const parsed = parseAccessControlConditions([{ conditionType: 'callerIn', addresses: [B.address, A.address] }, { conditionType: 'ownsPkp', tokenId: TOKEN }])
    expect(parsed).toEqual([callerIn([A.address, B.address]), ownsPkp(TOKEN)])
    // One canonical text, whatever order the addresses came in: the IBE identity is the same.
    expect(canonicalConditions(parseAccessControlConditions([{ conditionType: 'callerIn', addresses: [A.address, B.address] }])))
      .toBe(canonicalConditions(parseAccessControlConditions([{ conditionType: 'callerIn', addresses: [B.address, A.address.toLowerCase()] }])))
    expect(pkpTokensOf([ownsPkp(TOKEN), permittedOnPkp(TOKEN), callerIn([A.address])])).toEqual([TOKEN])
  })

  it('refuses anything else, naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [[{ conditionType: 'ownsPkp', tokenId: TOKEN.toUpperCase() }], /conditions\[0\]\.tokenId/],
      [[{ conditionType: 'ownsPkp', tokenId: TOKEN.slice(2) }], /conditions\[0\]\.tokenId/],
      [[{ conditionType: 'ownsPkp', tokenId: TOKEN, extra: 1 }], /conditions\[0\]\.extra: unknown field/],
      [[{ conditionType: 'permittedOnPkp' }], /conditions\[0\]\.tokenId: missing/],
      [[{ conditionType: 'callerIn', addresses: [] }], /conditions\[0\]\.addresses/],
      [[{ conditionType: 'callerIn', addresses: [A.address, A.address.toLowerCase()] }], /distinct/],
      [[{ conditionType: 'callerIn', addresses: ['0x12'] }], /conditions\[0\]\.addresses\[0\]/],
      [[{ conditionType: 'callerIn', addresses: [badChecksum(A.address)] }], /conditions\[0\]\.addresses\[0\]: expected an address \(EIP-55/],
      [[{ conditionType: 'callerIn', addresses: Array.from({ length: 65 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`) }], /1\.\.64/],
      [[{ conditionType: 'ownerOf', tokenId: TOKEN }], /conditionType/]
    ]
    for (const [value, reason] of bad) expect(() => parseAccessControlConditions(value), String(reason)).toThrow(reason)
    expect(() => ownsPkp('0x1234')).toThrow(/tokenId/)
  })

  it('judges PKP conditions only against a certified entry', () => {
    const empty = RegistryState.empty()
    const conditions: AccessControlConditions = [ownsPkp(TOKEN)]
    expect(unmetCondition(conditions, A.address, empty)).toMatch(/no certified registry entry/)
    expect(unmetCondition(conditions, A.address)).toMatch(/no certified registry entry/)
    expect(unmetCondition(conditions, undefined, empty)).toMatch(/auth signature is required/)
    expect(unmetCondition([callerIn([A.address])], B.address)).toMatch(/not one of/)
    expect(unmetCondition([callerIn([A.address, B.address])], B.address)).toBeNull()
  })
})

describe('decrypt under registry conditions (5 nodes, through the client)', () => {
  let rn: RegistryNet
  let minted: MintedPkp

  beforeAll(async () => {
    rn = await startRegistryNet(5, 'registry-conditions', { genesisMinNodes: 3 })
    await until(() => rn.net.peers.every((p) => rn.net.nodes.get(p)!.snapshot().genesis === 'done'), 60_000, 'genesis')
    ;({ minted } = await mintCertified(rn, A))
  })
  afterAll(async () => {
    await rn.stop()
    expect(rn.net.net.internalFailures).toEqual([])
  })

  async function decryptAs (account: typeof A, enc: { ciphertext: string, dataToEncryptHash: string }, conditions: AccessControlConditions): Promise<string | UnauthorizedError> {
    try {
      const out = await rn.client(account).decrypt({ ...enc, accessControlConditions: conditions })
      return new TextDecoder().decode(out.decryptedData)
    } catch (err) {
      if (err instanceof UnauthorizedError) return err
      throw err
    }
  }

  it('owns PKP X: the owner decrypts; after a transfer the old owner is refused and the new one decrypts', async () => {
    const conditions = [ownsPkp(minted.tokenId)]
    const enc = await rn.client(A).encrypt({ accessControlConditions: conditions, dataToEncrypt: 'for the owner' })
    expect(await decryptAs(A, enc, conditions)).toBe('for the owner')
    const refusedB = await decryptAs(B, enc, conditions)
    expect(refusedB).toBeInstanceOf(UnauthorizedError)
    expect((refusedB as UnauthorizedError).reason).toMatch(/does not own PKP/)
    await rn.client(A).transferPkp({ pubKey: minted.publicKey, to: B.address })
    expect(await decryptAs(A, enc, conditions)).toBeInstanceOf(UnauthorizedError)
    expect(await decryptAs(B, enc, conditions)).toBe('for the owner')
  })

  it('is permitted on PKP X: a granted address decrypts until it is revoked', async () => {
    const conditions = [permittedOnPkp(minted.tokenId)]
    const enc = await rn.client(B).encrypt({ accessControlConditions: conditions, dataToEncrypt: 'for the permitted' })
    expect(await decryptAs(C, enc, conditions)).toBeInstanceOf(UnauthorizedError)
    await rn.client(B).addPermittedAddress({ pubKey: minted.publicKey, address: C.address })
    expect(await decryptAs(C, enc, conditions)).toBe('for the permitted')
    expect(await decryptAs(B, enc, conditions)).toBe('for the permitted')
    await rn.client(B).removePermittedAddress({ pubKey: minted.publicKey, address: C.address })
    expect(await decryptAs(C, enc, conditions)).toBeInstanceOf(UnauthorizedError)
  })

  it('caller is one of [...]: listed accounts decrypt, others are refused', async () => {
    const conditions = [callerIn([A.address, C.address])]
    const enc = await rn.client(A).encrypt({ accessControlConditions: conditions, dataToEncrypt: 'for two' })
    expect(await decryptAs(C, enc, conditions)).toBe('for two')
    const refused = await decryptAs(B, enc, conditions)
    expect(refused).toBeInstanceOf(UnauthorizedError)
    expect((refused as UnauthorizedError).reason).toMatch(/not one of the 2 addresses/)
  })

  it('a node that missed the transfer refreshes from the committee before it judges', async () => {
    const conditions = [ownsPkp(minted.tokenId)]
    const enc = await rn.client(B).encrypt({ accessControlConditions: conditions, dataToEncrypt: 'fresh owner' })
    const [late, gone] = [rn.net.peers[3], rn.net.peers[4]]
    rn.net.net.setOnline(late, false)
    await rn.client(B).transferPkp({ pubKey: minted.publicKey, to: C.address })
    const node = rn.net.nodes.get(late)!
    expect(node.registry.token(minted.tokenId as `0x${string}`)?.owner).toBe(B.address)
    rn.net.net.setOnline(late, true)
    // With one holder gone, 4 of 5 must answer (degree + 1 = 4): the late node's share is needed,
    // so it must have judged C the owner.
    rn.net.net.setOnline(gone, false)
    try {
      expect(await decryptAs(C, enc, conditions)).toBe('fresh owner')
    } finally {
      rn.net.net.setOnline(gone, true)
    }
    expect(node.registry.token(minted.tokenId as `0x${string}`)?.owner).toBe(C.address)
  })
})
