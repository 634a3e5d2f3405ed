/**
 * The node's registry-backed use check (caller-auth.ts, docs/registry.md
 * §15.4) and its member keys (registry-keys.ts): owner or permitted address
 * when the mint is certified here, the minter before that; countersignatures
 * made with the node's own libp2p key and verified from its PeerId alone.
 */
import { describe, expect, it } from 'vitest'
import { assertMayUsePkp, pkpUseDecision } from '../../src/node/caller-auth.js'
import { memoryPeerIds, memoryPeerKey } from '../../src/node/memory-transport.js'
import { isEd25519PeerId, memberSignerFromKey, peerIdMemberKeys } from '../../src/node/registry-keys.js'
import { RegistryState, countersignMessage } from '../../src/registry/index.js'
import { Sim, addAddressOp, mintOp, testAccount, testPkp, transferOp } from '../registry/helpers.js'

const A = testAccount('auth/A')
const B = testAccount('auth/B')
const C = testAccount('auth/C')

describe('pkpUseDecision / assertMayUsePkp', () => {
  it('before a certified mint: the minter only (with or without a registry)', () => {
    const pkp = testPkp('auth-1')
    const record = { tokenId: pkp.tokenId.slice(2), minter: A.address }
    const empty = RegistryState.empty()
    expect(pkpUseDecision(empty, A.address, record)).toEqual({ ok: true, via: 'minter' })
    expect(pkpUseDecision(undefined, A.address.toLowerCase(), record)).toEqual({ ok: true, via: 'minter' })
    expect(pkpUseDecision(empty, B.address, record)).toMatchObject({ ok: false, reason: expect.stringContaining('not its minter') })
    expect(() => { assertMayUsePkp(B.address, record, { registry: empty }) }).toThrow(expect.objectContaining({ code: 'ERR_UNAUTHORIZED' }))
    expect(() => { assertMayUsePkp(B.address, record) }).toThrow(/not its minter/)
  })

  it('with a certified entry: owner and permitted addresses; the minter only if it still owns the PKP', async () => {
    const sim = new Sim(4, 'auth')
    const pkp = testPkp('auth-2')
    sim.witnessMint(pkp, A.address)
    await sim.run(A, mintOp(pkp, sim.committee))
    await sim.run(A, addAddressOp(pkp.tokenId, 1, B.address))
    await sim.run(A, transferOp(pkp.tokenId, 2, C.address))
    const registry = RegistryState.of([sim.state(0, pkp.tokenId)!])
    const record = { tokenId: pkp.tokenId.slice(2), minter: A.address }
    expect(pkpUseDecision(registry, C.address, record)).toEqual({ ok: true, via: 'owner' })
    expect(pkpUseDecision(registry, B.address, record)).toEqual({ ok: true, via: 'address' })
    const refused = pkpUseDecision(registry, A.address, record)
    expect(refused).toMatchObject({ ok: false })
    expect(!refused.ok && refused.reason).toContain(`owner ${C.address}`)
    expect(() => { assertMayUsePkp(A.address, record, { registry }) }).toThrow(/neither its owner/)
    // Without the registry (presign-pool.ts until it passes its context): the old minter rule.
    expect(() => { assertMayUsePkp(A.address, record) }).not.toThrow()
  })
})

describe('member keys from PeerIds', () => {
  it('a node countersigns with its own identity key; anyone verifies from the PeerId; other keys and ids fail', async () => {
    const [me, other] = memoryPeerIds(2, 'auth-keys')
    expect(isEd25519PeerId(me)).toBe(true)
    expect(isEd25519PeerId('12D3KooWnotapeerid')).toBe(false)
    const signer = memberSignerFromKey(me, memoryPeerKey(me)!)
    expect(() => memberSignerFromKey(me, memoryPeerKey(other)!)).toThrow(/is not the key of/)
    const msg = countersignMessage(`0x${'11'.repeat(32)}`, A.address, { epoch: '0', members: [me, other].sort() })
    const sig = await signer.sign(msg)
    expect(await signer.sign(msg)).toEqual(sig) // deterministic (Ed25519)
    const keys = peerIdMemberKeys()
    expect(await keys.verify(me, msg, sig)).toBe(true)
    expect(await keys.verify(other, msg, sig)).toBe(false)
    expect(await keys.verify('not-a-peer', msg, sig)).toBe(false)
    const tampered = msg.slice()
    tampered[0] ^= 1
    expect(await keys.verify(me, tampered, sig)).toBe(false)
  })
})
