/**
 * The tab's ActionCodeStore: a Helia 7 node on the tab's own libp2p (docs/actions.md
 * §1.5–1.6). Block broker: bitswap only. Routers: none — no trustless gateway,
 * no delegated HTTP routing, no DHT; bitswap sends its want-list to every
 * connected peer that speaks `/ipfs/bitswap/1.2.0` (the full mesh), so nothing
 * leaves the testnet.
 *
 * Built with `createHeliaLight` (not `createHelia`, which adds `withHTTP` —
 * gateways and delegated routing — and `withLibp2p`, which creates its own
 * libp2p from defaults and stops it on `stop()`). The existing libp2p is handed
 * to bitswap as a component; Helia neither starts nor stops it.
 *
 * Stored roots are pinned (§1.5) with metadata `{ bytes, usedAt }`; retention
 * keeps ≤ 256 roots and ≤ 64 MiB of code, least recently used dropped first
 * (unpinned, its blocks deleted; a peer can send it again).
 */
import { concatBytes } from '@noble/hashes/utils.js'
import { withBitswap, type BitswapOptions } from '@helia/bitswap'
import type { ComponentLogger, Libp2p } from '@libp2p/interface'
import { dns } from '@multiformats/dns'
import { createHeliaLight, type Helia } from 'helia'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import { MemoryBlockstore } from 'blockstore-core/memory'
import type { CID } from 'multiformats/cid'
import * as dagPb from '@ipld/dag-pb'
import { ACTION_CODE_MAX_BYTES, actionCodeBytes, importActionBlocks, parseActionCid } from './cid.js'
import {
  DEFAULT_CODE_FETCH_MS, MAX_RETAINED_BYTES, MAX_RETAINED_ROOTS, decodeActionCode,
  type ActionCodeStore, type CodeGetOptions, type CodeSource, type StoredActionCode
} from './code-store.js'
import { readActionDag } from './code-store-walk.js'
import { ActionCodeLimitError, ActionNotFoundError } from './errors.js'
import { BadRequestError, RpcError } from '../net/rpc/errors.js'

export interface HeliaCodeStoreInit {
  /** The tab's libp2p, already created; the store never starts or stops it. */
  libp2p: Libp2p
  /** Where blocks live (a tab: blockstore-idb `lit-actions/<nodeId>`, see code-store-idb.ts). */
  blockstore: Blockstore
  /** Where pins live (a tab: datastore-idb, so pins survive a reload with their blocks). */
  datastore: Datastore
  logger?: ComponentLogger
  /** Default for `get` without `timeoutMs` (actions.md §2.7 `codeFetchMs`). */
  codeFetchMs?: number
  /** Retention bounds (actions.md §1.5). */
  maxRoots?: number
  maxBytes?: number
  /** Bitswap overrides (tests); the defaults below suit a tab. */
  bitswap?: Partial<BitswapOptions>
}

/** Bitswap in a tab: few streams, messages sized for ≤ 2 blocks of 256 KiB (a code DAG's leaves). */
const BITSWAP_DEFAULTS: Partial<BitswapOptions> = {
  maxInboundStreams: 32,
  maxOutboundStreams: 32,
  maxIncomingMessageSize: 1024 * 1024,
  maxOutgoingMessageSize: 1024 * 1024
}

/** A pinned root refreshes its `usedAt` in the datastore at most this often. */
const USED_AT_PERSIST_MS = 60_000

/** A pinned root; `persistedAt` is the `usedAt` last written to its pin's metadata. */
interface Retained { cid: CID, bytes: number, usedAt: number, persistedAt: number }

export class HeliaCodeStore implements ActionCodeStore {
  /** The Helia node (exposed for tests and diagnostics). */
  readonly helia: Helia
  private readonly retained = new Map<string, Retained>()
  private readonly codeFetchMs: number
  private readonly maxRoots: number
  private readonly maxBytes: number

  constructor (init: HeliaCodeStoreInit) {
    this.codeFetchMs = init.codeFetchMs ?? DEFAULT_CODE_FETCH_MS
    this.maxRoots = init.maxRoots ?? MAX_RETAINED_ROOTS
    this.maxBytes = init.maxBytes ?? MAX_RETAINED_BYTES
    const helia = createHeliaLight({
      blockstore: init.blockstore,
      datastore: init.datastore,
      ...(init.logger !== undefined ? { logger: init.logger } : {}),
      blockBrokers: [],
      routers: [],
      // Helia's default DNS is DNS-over-HTTPS to public resolvers; nothing here resolves names (§1.5).
      dns: dns({ resolvers: { '.': async (domain: string) => { throw new Error(`DNS is off in the action code store (${domain})`) } } }),
      // The bitswap broker reads `libp2p` from Helia's components.
      components: { libp2p: init.libp2p }
    })
    // withBitswap's mixin builds its broker from the Helia object, which must carry the libp2p.
    Object.defineProperty(helia, 'libp2p', { value: init.libp2p, enumerable: true })
    this.helia = withBitswap(helia as unknown as Parameters<typeof withBitswap>[0], { ...BITSWAP_DEFAULTS, ...init.bitswap }) as unknown as Helia
  }

  async start (): Promise<void> {
    await this.helia.start()
    this.retained.clear()
    const pins: Retained[] = []
    for await (const pin of this.helia.pins.ls()) {
      // Pins are listed as CIDv1; a dag-pb root is reported in its §1.1 (v0) form.
      const cid = pin.cid.code === dagPb.code ? pin.cid.toV0() : pin.cid
      const usedAt = Number(pin.metadata.usedAt ?? 0)
      pins.push({ cid, bytes: Number(pin.metadata.bytes ?? 0), usedAt, persistedAt: usedAt })
    }
    // The map's order is the LRU order: least recently used first.
    for (const r of pins.sort((a, b) => a.usedAt - b.usedAt)) this.retained.set(r.cid.toV1().toString(), r)
  }

  async stop (): Promise<void> {
    await this.helia.stop()
  }

  async put (code: string, expectedIpfsId?: string): Promise<StoredActionCode> {
    const bytes = actionCodeBytes(code)
    // actions.md §2.7 codeBytes: refused before anything is hashed or kept.
    if (bytes.length > ACTION_CODE_MAX_BYTES) throw new ActionCodeLimitError('bytes', ACTION_CODE_MAX_BYTES, bytes.length)
    const expected = expectedIpfsId !== undefined ? parseActionCid(expectedIpfsId) : undefined
    // actions.md §1.5: re-import with §1.2 (in memory first, so a mismatch stores nothing).
    const root = await importActionBlocks(bytes, new MemoryBlockstore())
    if (expected !== undefined && !expected.toV1().equals(root.toV1())) {
      throw new BadRequestError(`code hashes to ${root.toString()}, not ${expectedIpfsId}`)
    }
    // Written through Helia's blockstore so bitswap serves peers already waiting for these blocks.
    await importActionBlocks(bytes, this.helia.blockstore)
    await this.retain(root, bytes.length)
    return { ipfsId: root.toString(), cidV1: root.toV1().toString(), bytes: bytes.length }
  }

  async get (ipfsId: string, options: CodeGetOptions = {}): Promise<{ code: string, source: CodeSource }> {
    const root = parseActionCid(ipfsId)
    options.signal?.throwIfAborted()
    const timeoutMs = options.timeoutMs ?? this.codeFetchMs
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = options.signal !== undefined ? AbortSignal.any([options.signal, timeout]) : timeout
    const fetched: CID[] = []
    const getBlock = async (cid: CID): Promise<Uint8Array> => {
      // actions.md §1.6 step 2: the local blockstore first, else bitswap (Helia checks the hash).
      if (!(await this.helia.blockstore.has(cid))) fetched.push(cid)
      return await collect(this.helia.blockstore.get(cid, { signal }))
    }
    try {
      const bytes = await readActionDag(root, getBlock)
      const code = decodeActionCode(bytes)
      await this.retain(root, bytes.length)
      return { code, source: fetched.length > 0 ? 'peer' : 'cache' }
    } catch (err) {
      await this.discard(fetched)
      if (err instanceof RpcError) throw err
      if (options.signal?.aborted === true) throw options.signal.reason
      if (timeout.aborted) throw new ActionNotFoundError(ipfsId, `no peer supplied it within ${timeoutMs} ms`)
      if ((err as Error).name === 'LoadBlockFailedError') throw new ActionNotFoundError(ipfsId, (err as Error).message)
      throw err
    }
  }

  async has (ipfsId: string): Promise<boolean> {
    return await this.helia.blockstore.has(parseActionCid(ipfsId))
  }

  /** Roots pinned here, least recently used first (diagnostics, tests). */
  retainedRoots (): string[] {
    return [...this.retained.values()].map((r) => r.cid.toString())
  }

  /** Pin `root` (§1.5) or refresh its use, then drop least recently used roots over the bounds. */
  private async retain (root: CID, bytes: number): Promise<void> {
    const key = root.toV1().toString()
    const now = Date.now()
    const known = this.retained.get(key)
    if (known !== undefined) {
      known.usedAt = now
      this.retained.delete(key)
      this.retained.set(key, known) // now the most recently used
      if (now - known.persistedAt >= USED_AT_PERSIST_MS) {
        known.persistedAt = now
        await this.helia.pins.setMetadata(known.cid, { bytes: known.bytes, usedAt: now }).catch(() => {})
      }
      return
    }
    this.retained.set(key, { cid: root, bytes, usedAt: now, persistedAt: now })
    try {
      await drain(this.helia.pins.add(root, { metadata: { bytes, usedAt: now } }))
    } catch (err) {
      // Two puts of the same code at once: the other one pinned it.
      if ((err as Error).name !== 'AlreadyPinnedError') {
        this.retained.delete(key)
        throw err
      }
    }
    await this.evictOver(key)
  }

  private async evictOver (keep: string): Promise<void> {
    let total = [...this.retained.values()].reduce((n, r) => n + r.bytes, 0)
    const oldestFirst = [...this.retained.entries()].filter(([k]) => k !== keep)
    for (const [key, r] of oldestFirst) {
      if (this.retained.size <= this.maxRoots && total <= this.maxBytes) break
      this.retained.delete(key)
      total -= r.bytes
      await this.drop(r.cid).catch(() => {})
    }
  }

  /** Unpin a root and delete its blocks (a block another pinned root shares stays: Helia refuses to delete it). */
  private async drop (root: CID): Promise<void> {
    const blocks = [root]
    try {
      if (root.code === dagPb.code) blocks.push(...dagPb.decode(await collect(this.helia.blockstore.get(root, { offline: true }))).Links.map((l) => l.Hash))
    } catch {}
    await drain(this.helia.pins.rm(root))
    await this.discard(blocks)
  }

  /** Delete blocks that no pin holds (fetched for a refused or failed get, or of a dropped root). */
  private async discard (blocks: CID[]): Promise<void> {
    for (const cid of blocks) {
      try {
        await this.helia.blockstore.delete(cid)
      } catch {
        // pinned by another root, or already gone
      }
    }
  }
}

async function collect (chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return parts.length === 1 ? parts[0] : concatBytes(...parts)
}

async function drain (it: AsyncIterable<unknown>): Promise<void> {
  const iterator = it[Symbol.asyncIterator]()
  while ((await iterator.next()).done !== true) { /* consume */ }
}
