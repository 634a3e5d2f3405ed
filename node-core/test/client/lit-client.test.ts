/**
 * The client SDK against five real LitNodes on the in-memory transport: mint,
 * sign (checked by noble and by viem's recoverAddress), sign with two nodes
 * gone, a node that corrupts its shares, encrypt/decrypt under "caller is" and
 * "anyone", and another account refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, recoverAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { BadShareError, FaultCode, NotFoundError, UnauthorizedError } from '../../src/client/errors.js'
import { LitClient } from '../../src/client/lit-client.js'
import type { MintedPkp, MintProgress } from '../../src/client/types.js'
import { anyone, callerIs } from '../../src/node/access-conditions.js'
import type { NodeFaults } from '../../src/node/faults.js'
import { LitNode } from '../../src/node/lit-node.js'
import { MemoryNetwork, memoryPeerIds, memoryPeerKey } from '../../src/node/memory-transport.js'
import { MemoryNodeStore } from '../../src/store/node-store-memory.js'
import { AuthVerifier } from '../../src/auth/auth-verifier.js'

interface Testnet {
  network: MemoryNetwork
  ids: string[]
  nodes: LitNode[]
  client: (account?: ReturnType<typeof privateKeyToAccount>) => LitClient
  stop: () => Promise<void>
}

/** Five nodes; resolves once every node has the network key (an event, not a sleep). */
async function testnet (seed: string, faults: Record<number, NodeFaults> = {}, presignParticipants: 'minimal' | 'all' = 'minimal'): Promise<Testnet> {
  const network = new MemoryNetwork()
  const ids = memoryPeerIds(5, seed)
  const nodes = ids.map((id, i) => new LitNode({
    rpc: network.endpoint(id),
    directory: network.directory(id),
    store: new MemoryNodeStore(id),
    identityKey: memoryPeerKey(id),
    auth: new AuthVerifier(),
    config: { genesisStableMs: 200, poolTarget: 2, faults: faults[i] ?? {}, presignParticipants }
  }))
  const genesisDone = Promise.all(nodes.map(async (node) => await new Promise<void>((resolve) => {
    const off = node.subscribe((s) => { if (s.genesis === 'done' && s.keyHolder) { off(); resolve() } })
  })))
  await Promise.all(nodes.map(async (n) => { await n.start() }))
  await genesisDone
  const clients: LitClient[] = []
  let count = 0
  return {
    network,
    ids,
    nodes,
    client: (account = privateKeyToAccount(generatePrivateKey())) => {
      const id = memoryPeerIds(1, `${seed}/client-${count++}`)[0]
      const c = new LitClient({ rpc: network.endpoint(id, 'client'), directory: network.directory(id), account })
      clients.push(c)
      return c
    },
    stop: async () => {
      for (const c of clients) await c.close()
      await Promise.all(nodes.map(async (n) => { await n.stop() }))
    }
  }
}

async function expectSignedBy (pkp: MintedPkp, toSign: Uint8Array, sig: { signature: `0x${string}`, r: string, s: string }): Promise<void> {
  const compact = hexToBytes(sig.signature).slice(0, 64)
  expect(bytesToHex(compact)).toBe(`0x${sig.r.slice(2)}${sig.s.slice(2)}`)
  expect(secp256k1.verify(compact, toSign, hexToBytes(pkp.publicKey as `0x${string}`), { prehash: false })).toBe(true)
  expect(await recoverAddress({ hash: bytesToHex(toSign), signature: sig.signature })).toBe(pkp.ethAddress)
}

const hashOf = (text: string): Uint8Array => keccak_256(new TextEncoder().encode(text))

describe('LitClient over five in-memory nodes', () => {
  let net: Testnet
  let client: LitClient
  let pkp: MintedPkp
  const account = privateKeyToAccount(generatePrivateKey())

  beforeAll(async () => {
    net = await testnet('client-main')
    client = net.client(account)
    await client.connect({ minNodes: 5 })
  })
  afterAll(async () => { await net?.stop() })

  it('reads the network: five nodes, a network key vouched for by its members', async () => {
    const info = await client.getNetworkInfo()
    expect(info.nodes.map(n => n.peerId)).toEqual([...net.ids].sort())
    expect(info.genesis).toBe('done')
    expect(info.networkKey?.members).toHaveLength(5)
    expect(info.networkKey?.threshold).toBe(4)
  })

  it('mints a PKP with progress through the DKG phases', async () => {
    const progress: MintProgress[] = []
    pkp = await client.mintPkp({ onProgress: (p) => { progress.push(p) } })
    expect(pkp.committee).toEqual([...net.ids].sort())
    expect(pkp.degree).toBe(1)
    expect(pkp.threshold).toBe(3)
    expect(pkp.tokenId).toBe(bytesToHex(keccak_256(hexToBytes(pkp.publicKey as `0x${string}`))))
    expect(pkp.faults).toEqual([])
    expect(progress[0].phase).toBe('committee')
    expect(progress.at(-1)).toEqual({ phase: 'done', nodesDone: 5, committeeSize: 5 })
    const listed = await client.listPkps()
    expect(listed.map(p => p.tokenId)).toEqual([pkp.tokenId])
    expect(listed[0].minter).toBe(account.address)
  })

  it('signs; noble and viem agree with the PKP address', async () => {
    const toSign = hashOf('hello from the client test')
    const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign })
    await expectSignedBy(pkp, toSign, sig)
    expect(sig.faults).toEqual([])
    expect(sig.signers.length).toBeGreaterThanOrEqual(3)
    expect(sig.dataSigned).toBe(bytesToHex(toSign))
    // By token id too, several in parallel (each gets its own presignature).
    const many = await Promise.all([1, 2, 3].map(async (i) => await client.pkpSign({ pubKey: pkp.tokenId, toSign: hashOf(`parallel ${i}`) })))
    for (const [i, s] of many.entries()) await expectSignedBy(pkp, hashOf(`parallel ${i + 1}`), s)
  })

  it('signs with two of the five nodes closed', async () => {
    const closed = [...net.ids].sort().slice(0, 2)
    for (const id of closed) net.network.setOnline(id, false)
    try {
      const toSign = hashOf('two nodes are gone')
      const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign })
      await expectSignedBy(pkp, toSign, sig)
      expect(sig.signers.some(s => closed.includes(s))).toBe(false)
    } finally {
      for (const id of closed) net.network.setOnline(id, true)
    }
  })

  it('refuses another account: not the PKP\'s minter', async () => {
    const other = net.client()
    const err = await other.pkpSign({ pubKey: pkp.publicKey, toSign: hashOf('not mine') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnauthorizedError)
    // presign/lease refuses first: "not its minter" (before the registry check) or "neither its owner …" (after).
    expect((err as UnauthorizedError).reason).toMatch(/minter|owner/)
  })

  it('an unknown PKP is NotFoundError', async () => {
    const err = await client.pkpSign({ pubKey: `0x${'ab'.repeat(32)}`, toSign: hashOf('x') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotFoundError)
  })

  it('encrypts to "caller is" and decrypts; another account is refused', async () => {
    const { ciphertext, dataToEncryptHash } = await client.encrypt({ accessControlConditions: [callerIs(account.address)], dataToEncrypt: 'for my eyes only' })
    const out = await client.decrypt({ ciphertext, dataToEncryptHash, accessControlConditions: [callerIs(account.address)] })
    expect(new TextDecoder().decode(out.decryptedData)).toBe('for my eyes only')
    expect(out.faults).toEqual([])
    const other = net.client()
    const err = await other.decrypt({ ciphertext, dataToEncryptHash, accessControlConditions: [callerIs(account.address)] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnauthorizedError)
  })

  it('"anyone" data decrypts for any account', async () => {
    const enc = await client.encrypt({ accessControlConditions: [anyone], dataToEncrypt: new Uint8Array([1, 2, 3, 4]) })
    const out = await net.client().decrypt({ ...enc, accessControlConditions: [anyone] })
    expect([...out.decryptedData]).toEqual([1, 2, 3, 4])
  })

  it('honours AbortSignal', async () => {
    const ac = new AbortController()
    ac.abort()
    const err = await client.pkpSign({ pubKey: pkp.publicKey, toSign: hashOf('aborted'), signal: ac.signal }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortedError')
  })
})

describe('LitClient with a node that corrupts its shares', () => {
  let net: Testnet
  // Presignatures among all five, so the cheater is asked and two bad or missing shares are tolerated.
  beforeAll(async () => { net = await testnet('client-corrupt', { 2: { corruptShares: true } }, 'all') })
  afterAll(async () => { await net?.stop() })

  it('still signs and decrypts, and names the corrupt node', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const client = net.client(account)
    await client.connect({ minNodes: 5 })
    const pkp = await client.mintPkp()
    const toSign = hashOf('with a cheater')
    const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign })
    await expectSignedBy(pkp, toSign, sig)
    const cheater = net.ids[2]
    // Named when its share came among the first 2t+1, or else once it arrived (lateFaults).
    const named = [...sig.faults, ...await sig.lateFaults]
    expect(named).toContainEqual({ node: cheater, code: FaultCode.BadShare, reason: 'share failed verification' })
    expect(named.filter(f => f.node !== cheater)).toEqual([])
    expect(sig.signers).not.toContain(cheater)

    const enc = await client.encrypt({ accessControlConditions: [anyone], dataToEncrypt: 'still readable' })
    const out = await client.decrypt({ ...enc, accessControlConditions: [anyone] })
    expect(new TextDecoder().decode(out.decryptedData)).toBe('still readable')
    expect([...out.faults, ...await out.lateFaults].map(f => [f.node, f.code])).toEqual([[cheater, FaultCode.BadShare]])
  })

  it('with the cheater plus two nodes closed, too few good shares: BadShareError naming it', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const client = net.client(account)
    const pkp = await client.mintPkp()
    // Warm up while all five are online, so the client holds leased presignatures of all five: closing
    // nodes right after mint would otherwise race the pool's first presign runs (a lease timeout, not
    // the bad-share case this test is about).
    await client.pkpSign({ pubKey: pkp.publicKey, toSign: hashOf('warm-up') })
    const cheater = net.ids[2]
    const closed = net.ids.filter(id => id !== cheater).slice(0, 2)
    for (const id of closed) net.network.setOnline(id, false)
    try {
      const err = await client.pkpSign({ pubKey: pkp.publicKey, toSign: hashOf('too few') }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(BadShareError)
      expect((err as BadShareError).badNodes).toEqual([cheater])
    } finally {
      for (const id of closed) net.network.setOnline(id, true)
    }
  })
})

describe('LitClient with a corrupt node and presignatures among exactly 2t+1', () => {
  let net: Testnet
  beforeAll(async () => { net = await testnet('client-corrupt-minimal', { 1: { corruptShares: true } }) })
  afterAll(async () => { await net?.stop() })

  it('a bad share costs one retry with a presignature without that node, and is named in the answer', async () => {
    const client = net.client()
    await client.connect({ minNodes: 5 })
    const pkp = await client.mintPkp()
    const cheater = net.ids[1]
    let named = false
    // The cheater is a participant of about 3 in 5 presignatures: 10 tries miss it with odds 0.4^10.
    for (let i = 0; i < 10 && !named; i++) {
      const toSign = hashOf(`minimal ${i}`)
      const sig = await client.pkpSign({ pubKey: pkp.publicKey, toSign })
      await expectSignedBy(pkp, toSign, sig)
      expect(sig.signers).toHaveLength(3)
      expect(sig.signers).not.toContain(cheater)
      const faults = [...sig.faults, ...await sig.lateFaults]
      expect(faults.filter(f => f.node !== cheater)).toEqual([])
      named = faults.some(f => f.node === cheater && f.code === FaultCode.BadShare)
    }
    expect(named).toBe(true)
  })
})
