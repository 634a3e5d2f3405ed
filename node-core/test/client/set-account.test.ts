/**
 * LitClient.setAccount (one client, several accounts: what the dashboard's
 * wallet switcher uses) and getPkpRegistryEntry (the history the dashboard
 * shows), over five in-memory nodes: mint as A, grant B, B signs, revoke B,
 * B refused, transfer to C, A refused, C signs — all through ONE client whose
 * account changes, with one peer id throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, isAddressEqual, recoverAddress, type Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { UnauthorizedError } from '../../src/client/errors.js'
import { LitClient } from '../../src/client/lit-client.js'
import type { MintedPkp } from '../../src/client/types.js'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import { NotOwnerError, quorumSize } from '../../src/registry/index.js'
import { authSigFor, startNetwork, testAccount, type TestNetwork } from '../node/helpers.js'

const A = testAccount('set-account/A')
const B = testAccount('set-account/B')
const C = testAccount('set-account/C')
const hash = (text: string): Uint8Array => keccak_256(new TextEncoder().encode(text))

let net: TestNetwork
let client: LitClient
let pkp: MintedPkp
/** Auth signatures made, by address (each account signs its SIWE once). */
const authsMade = new Map<string, number>()

async function signs (message: string): Promise<boolean> {
  const toSign = hash(message)
  const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign })
  return isAddressEqual(await recoverAddress({ hash: bytesToHex(toSign), signature: sig.signature }), pkp.ethAddress as Hex)
}

beforeAll(async () => {
  net = await startNetwork(5, { seed: 'set-account', config: { genesisMinNodes: 99, poolTarget: 0 } })
  const id = memoryPeerIds(1, 'set-account/client')[0]
  client = new LitClient({
    rpc: net.net.endpoint(id, 'client'),
    directory: net.net.directory(id),
    account: A,
    createAuthSig: async (acc: LocalAccount) => {
      authsMade.set(acc.address, (authsMade.get(acc.address) ?? 0) + 1)
      return await authSigFor(acc)
    }
  })
  pkp = await client.mintPkp()
  expect(pkp.registry).toEqual({ certified: true })
})
afterAll(async () => {
  await client?.close()
  await net?.stop()
})

describe('LitClient.setAccount', () => {
  it('switches the caller and the registry signer; the peer stays; the whole flow passes through one client', async () => {
    const peer = client.peerId
    expect(client.address).toBe(A.address)

    client.setAccount(B)
    expect(client.address).toBe(B.address)
    expect(client.peerId).toBe(peer)
    // B is a stranger: its registry client refuses locally, the nodes refuse its signing.
    await expect(client.addPermittedAddress({ pubKey: pkp.publicKey, address: B.address })).rejects.toBeInstanceOf(NotOwnerError)
    await expect(signs('B before the grant')).rejects.toBeInstanceOf(UnauthorizedError)

    client.setAccount(A)
    expect((await client.addPermittedAddress({ pubKey: pkp.publicKey, address: B.address })).nonce).toBe(1)
    client.setAccount(B)
    expect(await signs('B signs')).toBe(true)

    client.setAccount(A)
    await client.removePermittedAddress({ pubKey: pkp.publicKey, address: B.address })
    client.setAccount(B)
    const refused = await signs('B after the revoke').then(() => null, (err: unknown) => err)
    expect(refused).toBeInstanceOf(UnauthorizedError)
    expect((refused as Error).message).toMatch(/neither its owner .* nor a permitted address/)

    client.setAccount(A)
    const moved = await client.transferPkp({ pubKey: pkp.publicKey, to: C.address })
    expect(moved.permissions.owner).toBe(C.address)
    await expect(signs('A after the transfer')).rejects.toBeInstanceOf(UnauthorizedError)
    client.setAccount(C)
    expect(await signs('C signs')).toBe(true)
    expect(client.peerId).toBe(peer)
  })

  it('each account keeps its own auth signature: switching back signs no new SIWE message', () => {
    expect(authsMade.get(A.address)).toBe(1)
    expect(authsMade.get(B.address)).toBe(1)
    expect(authsMade.get(C.address)).toBe(1)
  })

  it('getPkpRegistryEntry: owner, permissions and every certified operation with its countersigners', async () => {
    const entry = await client.getPkpRegistryEntry({ pubKey: pkp.publicKey })
    expect(entry).toBeDefined()
    const q = quorumSize(pkp.committee.length)
    expect(entry!.quorum).toBe(q)
    expect(entry!.owner).toBe(C.address)
    expect(entry!.permittedAddresses).toEqual([])
    expect(entry!.nonce).toBe(4)
    expect(entry!.pending).toBeUndefined()
    expect(entry!.history.map(h => [h.nonce, h.kind, h.signer])).toEqual([
      [0, 'mint', A.address],
      [1, 'addPermittedAddress', A.address],
      [2, 'removePermittedAddress', A.address],
      [3, 'transfer', A.address]
    ])
    expect(entry!.history[1].args).toEqual({ address: B.address })
    expect(entry!.history[3].args).toEqual({ to: C.address })
    for (const h of entry!.history) {
      expect(h.quorum).toBe(q)
      expect(h.countersigners.length).toBeGreaterThanOrEqual(q)
      for (const m of h.countersigners) expect(pkp.committee).toContain(m)
      expect(h.opHash).toMatch(/^0x[0-9a-f]{64}$/)
    }
    // Another account reads the same entry (reading needs no ownership).
    client.setAccount(B)
    expect((await client.getPkpRegistryEntry({ pubKey: pkp.publicKey }))?.history.length).toBe(4)
  })

  it('an unregistered PKP has no entry', async () => {
    client.setAccount(A)
    const unregistered = await client.mintPkp({ certify: false })
    expect(await client.getPkpRegistryEntry({ pubKey: unregistered.publicKey })).toBeUndefined()
  })
})
