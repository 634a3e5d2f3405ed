/**
 * Shared set-up of the registry tests: a memory network of LitNodes with real
 * Ed25519 identities (memoryPeerKey), LitClients per account, and a PKP minted
 * and certified through the client SDK.
 */
import { expect } from 'vitest'
import type { LocalAccount } from 'viem/accounts'
import { LitClient } from '../../src/client/lit-client.js'
import type { MintedPkp } from '../../src/client/types.js'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import { PkpList, type AuthSig } from '../../src/node/rpc-definitions.js'
import type { LitNodeConfig } from '../../src/node/lit-node.js'
import type { Hex } from 'viem'
import type { TokenState } from '../../src/registry/index.js'
import type { PresignaturePublic } from '../../src/crypto/ecdsa/index.js'
import { authSigFor, collectShares, leaseOne, startNetwork, type MintedForTest, type TestNetwork } from './helpers.js'

export interface RegistryNet {
  net: TestNetwork
  /** A LitClient for `account` (one per account, made on first use). */
  client(account: LocalAccount): LitClient
  stop(): Promise<void>
}

export async function startRegistryNet (n: number, seed: string, config: Partial<LitNodeConfig> = {}): Promise<RegistryNet> {
  const net = await startNetwork(n, { seed, config: { genesisMinNodes: 99, poolTarget: 0, ...config } })
  const clients = new Map<string, LitClient>()
  return {
    net,
    client: (account) => {
      let c = clients.get(account.address)
      if (c === undefined) {
        const id = memoryPeerIds(1, `${seed}/client/${account.address}`)[0]
        c = new LitClient({
          rpc: net.net.endpoint(id, 'client'),
          directory: net.net.directory(id),
          account,
          createAuthSig: async (acc) => await authSigFor(acc)
        })
        clients.set(account.address, c)
      }
      return c
    },
    stop: async () => {
      for (const c of clients.values()) await c.close()
      await net.stop()
    }
  }
}

/** Mint through the client (the mint is certified) and return it in the shape the RPC helpers use. */
export async function mintCertified (rn: RegistryNet, minter: LocalAccount): Promise<{ minted: MintedPkp, pkp: MintedForTest }> {
  const minted = await rn.client(minter).mintPkp()
  expect(minted.registry).toEqual({ certified: true })
  const { pkps } = await rn.net.client.request(PkpList, minted.committee[0], {})
  const info = pkps.find((p) => `0x${p.tokenId}` === minted.tokenId)
  expect(info).toBeDefined()
  return { minted, pkp: { info: info!, publicKeyHex: minted.publicKey.slice(2), degree: minted.degree, committee: minted.committee } }
}

/** Every running node's certified state of the token. */
export function statesOf (rn: RegistryNet, tokenId: string, peers = rn.net.peers): Array<TokenState | undefined> {
  return peers.map((p) => rn.net.nodes.get(p)!.registry.token(tokenId as Hex))
}

/**
 * One real pkp/sign-share round: a presignature leased from `allocator` with
 * the minter's auth (presign/lease still checks the minter until presign-pool.ts
 * moves to the registry check), then sign-share with `auth` to `askPeers`
 * (default: the presignature's participants, which include the allocator).
 */
export async function signShares (
  rn: RegistryNet, pkp: MintedForTest, minterAuth: AuthSig, auth: AuthSig, messageHash: Uint8Array,
  opts: { allocator?: string, askPeers?: string[] } = {}
): Promise<Awaited<ReturnType<typeof collectShares>> & { pub: PresignaturePublic, participants: string[] }> {
  const allocator = opts.allocator ?? pkp.committee[0]
  const pub = await leaseOne(rn.net.client, allocator, pkp.info.tokenId, minterAuth)
  const participants = pub.participants.map((id) => pkp.committee[id - 1])
  expect(participants).toContain(allocator)
  const collected = await collectShares(rn.net.client, pkp, pub, messageHash, opts.askPeers ?? participants, auth)
  return { ...collected, pub, participants }
}
