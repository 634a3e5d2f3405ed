/**
 * What a node tells anyone who asks (docs/node-runtime.md §3): `network/info`
 * (its id, the network key as it knows it, genesis state, counts) and
 * `pkp/list` (the PKPs whose committee it is in, with its own pool levels).
 */
import { serve, type NodeContext } from './context.js'
import type { GenesisService } from './genesis.js'
import { uncompressedHex } from './pkp-keys.js'
import type { PresignPool } from './presign-pool.js'
import { NetworkInfo, PkpList, type PkpInfo } from './rpc-definitions.js'
import { secp256k1WasmActive } from '../crypto/secp256k1/wasm.js'

export class NetworkInfoService {
  constructor (
    private readonly ctx: Pick<NodeContext, 'rpc' | 'store' | 'log'>,
    private readonly genesis: GenesisService,
    private readonly pool: PresignPool
  ) {}

  async start (): Promise<void> {
    await serve(this.ctx, NetworkInfo, async () => await this.info())
    await serve(this.ctx, PkpList, async () => ({ pkps: await this.pkps() }))
  }

  async stop (): Promise<void> {
    await this.ctx.rpc.unhandle(NetworkInfo)
    await this.ctx.rpc.unhandle(PkpList)
  }

  async info (): Promise<{ node: string, networkKey?: ReturnType<GenesisService['networkKeyInfo']>, keyHolder: boolean, genesis: 'waiting' | 'running' | 'done', pkps: number, presignatures: number, curveArithmetic: 'wasm' | 'bigint' }> {
    const pkps = await this.pkps()
    const networkKey = this.genesis.networkKeyInfo()
    const base = {
      node: this.ctx.rpc.self,
      keyHolder: this.genesis.keyHolder,
      genesis: this.genesis.state,
      pkps: pkps.length,
      presignatures: pkps.reduce((n, p) => n + p.pool, 0),
      curveArithmetic: secp256k1WasmActive() ? 'wasm' as const : 'bigint' as const
    }
    return networkKey === undefined ? base : { ...base, networkKey }
  }

  /** The PKPs of this node, oldest first, at most 1000 (pkp/list's limit). */
  async pkps (): Promise<PkpInfo[]> {
    const records = (await this.ctx.store.listPkps()).sort((a, b) => a.mintedAt - b.mintedAt).slice(0, 1000)
    return await Promise.all(records.map(async (r) => ({
      tokenId: r.tokenId,
      publicKey: uncompressedHex(r.publicKeySet.publicKey),
      ethAddress: r.ethAddress,
      committee: [...r.committee],
      degree: r.publicKeySet.degree,
      minter: r.minter,
      mintedAt: r.mintedAt,
      pool: await this.pool.poolSize(r.tokenId)
    })))
  }
}
