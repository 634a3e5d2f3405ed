/**
 * A memory network of LitNodes and a client driving them by RPC, as a client
 * would (the real SDK is node-core/src/client).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { recoverAddress, bytesToHex as viemHex } from 'viem'
import { privateKeyToAccount, type LocalAccount } from 'viem/accounts'
import { AuthVerifier, createAuthSig } from '../../src/auth/index.js'
import { expect } from 'vitest'
import { Secp256k1 } from '../../src/crypto/group.js'
import {
  combineSignatureShares, decodePresignaturePublic, decodeSignatureShare, type PresignaturePublic, type SignRequest, type SignatureShare
} from '../../src/crypto/ecdsa/index.js'
import { decodePublicKeySet } from '../../src/protocols/dkg/index.js'
import { MemoryNodeStorage, MemoryNodeStore, MemoryRegistryStorage, MemoryRegistryStore } from '../../src/store/index.js'
import { MemoryNetwork, memoryPeerIds, memoryPeerKey } from '../../src/node/memory-transport.js'
import { LitNode, type LitNodeConfig } from '../../src/node/lit-node.js'
import type { AuthSigVerifier } from '../../src/node/caller-auth.js'
import type { NodeFaults } from '../../src/node/faults.js'
import { MintStart, PkpList, PresignLease, SignShareRequest, type AuthSig, type PkpInfo } from '../../src/node/rpc-definitions.js'
import type { NodeRpc } from '../../src/node/transport.js'
import type { ActionServiceInit } from '../../src/node/action-service.js'

export function randomHex (bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** A SIWE auth signature made with the real auth module (auth/siwe.ts). */
export async function authSigFor (account: LocalAccount, opts: { expirationMs?: number } = {}): Promise<AuthSig> {
  return await createAuthSig(account, { domain: 'localhost', uri: 'http://localhost/', expirationMs: opts.expirationMs ?? 3_600_000 })
}

/** The production verifier (caching SIWE checks). */
export const testAuthVerifier: AuthSigVerifier = new AuthVerifier()

export function testAccount (seed: string): LocalAccount {
  return privateKeyToAccount(`0x${bytesToHex(keccak_256(new TextEncoder().encode(seed)))}`)
}

export interface TestNetwork {
  net: MemoryNetwork
  /** Node PeerIds, sorted. */
  peers: string[]
  nodes: Map<string, LitNode>
  storage: MemoryNodeStorage
  /** The nodes' registry stores (votes, certificates), kept across reloads. */
  registryStorage: MemoryRegistryStorage
  client: NodeRpc
  /** Stop a node and start a new LitNode on the same stored state (a tab reload). */
  reload(peer: string): Promise<LitNode>
  stop(): Promise<void>
}

export const FAST: Partial<LitNodeConfig> = {
  genesisStableMs: 200,
  genesisBackoff: { initialMs: 200, maxMs: 1_000, factor: 2 },
  roundTimeoutMs: 3_000,
  presignPauseMs: 20,
  poolTarget: 0
}

export async function startNetwork (n: number, opts: {
  seed?: string
  config?: Partial<LitNodeConfig>
  /** Faults by index in the sorted peer list. */
  faults?: Record<number, NodeFaults>
  /** Indices (sorted order) that start offline. */
  offline?: number[]
  /** Lit Actions per node (docs/actions.md): code store and sandbox. */
  actions?: (peer: string) => ActionServiceInit
} = {}): Promise<TestNetwork> {
  const net = new MemoryNetwork()
  const peers = memoryPeerIds(n, opts.seed ?? 'net').sort()
  const storage = new MemoryNodeStorage()
  const registryStorage = new MemoryRegistryStorage()
  const nodes = new Map<string, LitNode>()
  const config = { ...FAST, ...opts.config }
  const make = async (peer: string): Promise<LitNode> => {
    const i = peers.indexOf(peer)
    const node = new LitNode({
      rpc: net.endpoint(peer),
      directory: net.directory(peer),
      store: new MemoryNodeStore(peer, { storage }),
      registryStore: new MemoryRegistryStore(peer, registryStorage),
      identityKey: memoryPeerKey(peer),
      auth: testAuthVerifier,
      config: { ...config, faults: opts.faults?.[i] ?? {} },
      ...(opts.actions !== undefined ? { actions: opts.actions(peer) } : {})
    })
    await node.start()
    nodes.set(peer, node)
    return node
  }
  for (const p of peers) net.endpoint(p)
  for (const i of opts.offline ?? []) net.setOnline(peers[i], false)
  for (const p of peers) await make(p)
  const client = net.endpoint(memoryPeerIds(1, `${opts.seed ?? 'net'}-client`)[0], 'client')
  return {
    net,
    peers,
    nodes,
    storage,
    registryStorage,
    client,
    reload: async (peer) => {
      await nodes.get(peer)!.stop()
      return await make(peer)
    },
    stop: async () => { for (const node of nodes.values()) await node.stop() }
  }
}

/** Resolve when `predicate` holds, re-checked on every node snapshot and every 25 ms. */
export async function until (predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The unleased presignatures of `tokenId` that `peer` allocates, as it reports them (pkp/list). */
export async function poolAt (net: TestNetwork, peer: string, tokenId: string): Promise<number> {
  return (await net.client.request(PkpList, peer, {})).pkps.find((x) => x.tokenId === tokenId)?.pool ?? 0
}

/** Resolve once every node's own pool of `tokenId` holds at least `target`. */
export async function untilPoolsAt (net: TestNetwork, tokenId: string, target: number, timeoutMs = 45_000): Promise<void> {
  await until(async () => (await Promise.all(net.peers.map(async (p) => await poolAt(net, p, tokenId)))).every((n) => n >= target), timeoutMs, `pools at ${target}`)
}

/**
 * A network of `n` nodes and one PKP of degree 1 minted by `owner`, started once every
 * node's pool of it holds `config.poolTarget` (the presign pool tests start from there).
 */
export async function startWithFullPools (n: number, seed: string, owner: LocalAccount, config: Partial<LitNodeConfig> & { poolTarget: number }): Promise<{ net: TestNetwork, auth: AuthSig, pkp: MintedForTest }> {
  const net = await startNetwork(n, { seed, config: { genesisMinNodes: 99, ...config } })
  const auth = await authSigFor(owner)
  const pkp = await mintByRpc(net.client, net.peers, 1, auth)
  await untilPoolsAt(net, pkp.info.tokenId, config.poolTarget, 45_000)
  return { net, auth, pkp }
}

export interface MintedForTest {
  info: PkpInfo
  publicKeyHex: string
  degree: number
  committee: string[]
}

/** Drive pkp/mint to every committee member; require identical answers (as the client does). */
export async function mintByRpc (client: NodeRpc, committee: string[], degree: number, auth: AuthSig): Promise<MintedForTest> {
  const mintId = randomHex(16)
  const answers = await Promise.all(committee.map(async (p) => await client.request(MintStart, p, { mintId, committee, degree, auth })))
  expect(new Set(answers.map((a) => a.publicKeySet)).size).toBe(1)
  const pks = decodePublicKeySet(Secp256k1, hexToBytes(answers[0].publicKeySet))
  const publicKeyHex = bytesToHex(pks.publicKey.toBytes(false))
  const { pkps } = await client.request(PkpList, committee[0], {})
  const info = pkps.find((p) => p.publicKey === publicKeyHex)
  expect(info).toBeDefined()
  expect(info!.tokenId).toBe(bytesToHex(keccak_256(pks.publicKey.toBytes(false))))
  return { info: info!, publicKeyHex, degree, committee }
}

export async function leaseOne (client: NodeRpc, allocator: string, tokenId: string, auth: AuthSig): Promise<PresignaturePublic> {
  const { presignatures } = await client.request(PresignLease, allocator, { tokenId, count: 1, auth })
  expect(presignatures.length).toBe(1)
  return decodePresignaturePublic(hexToBytes(presignatures[0]))
}

export interface SignOutcome {
  signature: ReturnType<typeof combineSignatureShares>['signature']
  culprits: readonly number[]
  failures: Map<string, unknown>
  request: SignRequest
}

/** sign-share to `signerPeers`; the decoded shares and the failures by peer. */
export async function collectShares (
  client: NodeRpc, pkp: MintedForTest, pub: PresignaturePublic, messageHash: Uint8Array, signerPeers: string[], auth: AuthSig,
  opts: { timeoutMs?: number } = {}
): Promise<{ shares: SignatureShare[], failures: Map<string, unknown>, request: SignRequest }> {
  const signers = signerPeers.map((p) => pkp.committee.indexOf(p) + 1).sort((a, b) => a - b)
  const request: SignRequest = { messageHash, signers, entropy: crypto.getRandomValues(new Uint8Array(32)) }
  const failures = new Map<string, unknown>()
  const shares = (await Promise.all(signerPeers.map(async (p) => {
    try {
      const res = await client.request(SignShareRequest, p, {
        tokenId: pkp.info.tokenId,
        presignatureId: bytesToHex(pub.id),
        messageHash: bytesToHex(messageHash),
        signers,
        entropy: bytesToHex(request.entropy),
        auth
      }, { timeoutMs: opts.timeoutMs })
      return decodeSignatureShare(hexToBytes(res.share))
    } catch (err) {
      failures.set(p, err)
      return undefined
    }
  }))).filter((s) => s !== undefined)
  return { shares, failures, request }
}

/** sign-share to `signerPeers`, combine whatever came back with the crypto core. */
export async function signByRpc (
  client: NodeRpc, pkp: MintedForTest, pub: PresignaturePublic, messageHash: Uint8Array, signerPeers: string[], auth: AuthSig,
  opts: { timeoutMs?: number } = {}
): Promise<SignOutcome> {
  const { shares, failures, request } = await collectShares(client, pkp, pub, messageHash, signerPeers, auth, opts)
  const { signature, culprits } = combineSignatureShares(pub, request, shares)
  return { signature, culprits, failures, request }
}

/** noble verify AND viem recoverAddress must agree with the PKP's address. */
export async function expectValidSignature (pkp: MintedForTest, messageHash: Uint8Array, signature: SignOutcome['signature']): Promise<void> {
  const compact = hexToBytes(signature.signature.slice(2, 130))
  expect(secp256k1.verify(compact, messageHash, hexToBytes(pkp.publicKeyHex), { prehash: false })).toBe(true)
  const recovered = await recoverAddress({ hash: viemHex(messageHash), signature: signature.signature })
  expect(recovered).toBe(pkp.info.ethAddress)
}
