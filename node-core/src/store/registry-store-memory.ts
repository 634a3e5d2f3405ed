/**
 * In-memory RegistryStore (tests, Node processes). Same contract as
 * IdbRegistryStore (node-core/test/store/registry-store.test.ts): rows go
 * through the same codecs as in IndexedDB, so callers never share objects
 * with the store. A MemoryRegistryStorage plays the browser's IndexedDB:
 * stores opened on it with the same node id see the same data (a reload).
 */
import type { Hex } from 'viem'
import type { Certificate } from '../registry/index.js'
import { assertNodeId } from './node-store-codec.js'
import { StorageUnavailableError } from './node-store.js'
import {
  type CertificateRow, type RegistryStore, CertificateConflictError, assertNonce, assertOpHash, assertTokenId, certificateFromRow,
  certificateToRow, readLimit, sameOperation, voteFromRow
} from './registry-store.js'
import { CorruptRecordError } from './node-store-codec.js'

interface MemoryRegistryData {
  /** `${tokenId}/${nonce}` → op hash (unknown: tests may plant corrupt values) */
  votes: Map<string, unknown>
  /** tokenId → nonce → row */
  certificates: Map<string, Map<number, unknown>>
}

/** The backing memory of many registry stores, by node id. */
export class MemoryRegistryStorage {
  private readonly nodes = new Map<string, MemoryRegistryData>()

  /** @internal (tests may reach in to corrupt records) */
  dataOf (nodeId: string): MemoryRegistryData {
    let data = this.nodes.get(nodeId)
    if (data === undefined) {
      data = { votes: new Map(), certificates: new Map() }
      this.nodes.set(nodeId, data)
    }
    return data
  }
}

export class MemoryRegistryStore implements RegistryStore {
  private data: MemoryRegistryData | undefined

  constructor (readonly nodeId: string, storage: MemoryRegistryStorage = new MemoryRegistryStorage()) {
    assertNodeId(nodeId)
    this.data = storage.dataOf(nodeId)
  }

  private open (): MemoryRegistryData {
    if (this.data === undefined) throw new StorageUnavailableError('store is closed')
    return this.data
  }

  async get (tokenId: Hex, nonce: number): Promise<Hex | undefined> {
    assertTokenId(tokenId)
    assertNonce(nonce)
    return voteFromRow(tokenId, nonce, this.open().votes.get(`${tokenId}/${nonce}`))
  }

  async putIfAbsent (tokenId: Hex, nonce: number, opHash: Hex): Promise<Hex | undefined> {
    assertTokenId(tokenId)
    assertNonce(nonce)
    assertOpHash(opHash)
    const votes = this.open().votes
    const key = `${tokenId}/${nonce}`
    // A corrupt vote is never overwritten: refusing to vote is the safe side.
    const existing = voteFromRow(tokenId, nonce, votes.get(key))
    if (existing !== undefined) return existing
    votes.set(key, opHash)
    return undefined
  }

  async putCertificate (certificate: Certificate): Promise<void> {
    const row: CertificateRow = certificateToRow(certificate)
    const tokenId = row.tokenId as Hex
    const byNonce = this.open().certificates.get(tokenId) ?? new Map<number, unknown>()
    const existing = byNonce.get(row.nonce)
    if (existing !== undefined) {
      let stored: Certificate | undefined
      try {
        stored = certificateFromRow(tokenId, row.nonce, structuredClone(existing))
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err
      }
      if (stored !== undefined) {
        if (sameOperation(stored, certificate)) return
        throw new CertificateConflictError(tokenId, row.nonce)
      }
    }
    byNonce.set(row.nonce, structuredClone(row))
    this.open().certificates.set(tokenId, byNonce)
  }

  async certificates (tokenId: Hex, fromNonce = 0, limit?: number): Promise<Certificate[]> {
    assertTokenId(tokenId)
    assertNonce(fromNonce, 'fromNonce')
    const max = readLimit(limit)
    const byNonce = this.open().certificates.get(tokenId)
    if (byNonce === undefined) return []
    const nonces = [...byNonce.keys()].filter((n) => n >= fromNonce).sort((a, b) => a - b).slice(0, max)
    return nonces.map((n) => certificateFromRow(tokenId, n, structuredClone(byNonce.get(n))))
  }

  async tokens (): Promise<Hex[]> {
    return [...this.open().certificates.entries()].filter(([, m]) => m.size > 0).map(([t]) => t as Hex).sort()
  }

  async close (): Promise<void> {
    this.data = undefined
  }
}
