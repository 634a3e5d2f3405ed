/**
 * What the client believes about the network, from the answers of individual
 * nodes, any of which may lie (docs/node-runtime.md §1): the network BLS key
 * (accepted only when degree+1 of its own members vouch for it, so at least one
 * honest member does), the PKP list (facts recomputed from the public key), and
 * PKP references given by users (public key or token id). Pure functions.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { getAddress } from 'viem'
import { publicKeyToAddress } from 'viem/accounts'
import { decodeBlsPublicKeySet } from '../crypto/bls/index.js'
import { Secp256k1, type G1Point, type SecpPoint } from '../crypto/group.js'
import type { PublicKeySet } from '../crypto/key-share.js'
import { InvalidArgumentError } from '../errors.js'
import type { NetworkKeyInfo, PkpInfo } from '../node/rpc-definitions.js'
import type { NetworkInfo, NetworkNode, PkpSummary } from './types.js'

/** One node's network/info answer (as decoded by the RPC schema). */
export interface NodeInfoAnswer {
  node: string
  networkKey?: NetworkKeyInfo
  keyHolder: boolean
  genesis: 'waiting' | 'running' | 'done'
  pkps: number
  presignatures: number
  curveArithmetic?: 'wasm' | 'bigint'
}

/** The network key as the client uses it. */
export interface AcceptedNetworkKey {
  genesisId: string
  members: string[]
  publicKeySet: PublicKeySet<G1Point>
  /** hex of encodeBlsPublicKeySet, as reported */
  encoded: string
  /** How many members vouched for it. */
  vouchers: number
}

/**
 * The network key vouched for by at least degree+1 of its members (answering as
 * key holders, each under its own authenticated id), or undefined.
 */
export function acceptNetworkKey (answers: readonly NodeInfoAnswer[], previous?: AcceptedNetworkKey): AcceptedNetworkKey | undefined {
  const groups = new Map<string, { key: NetworkKeyInfo, vouchers: Set<string> }>()
  for (const a of answers) {
    if (a.networkKey == null || !a.keyHolder) continue
    if (!a.networkKey.members.includes(a.node)) continue
    const k = `${a.networkKey.genesisId}/${a.networkKey.publicKeySet}/${a.networkKey.members.join(',')}`
    let g = groups.get(k)
    if (g == null) { g = { key: a.networkKey, vouchers: new Set() }; groups.set(k, g) }
    g.vouchers.add(a.node)
  }
  let best: AcceptedNetworkKey | undefined
  for (const { key, vouchers } of groups.values()) {
    let pks: PublicKeySet<G1Point>
    try {
      // Decoding checks every point (G1 subgroup checks: ~1 ms each in a tab); the dashboard asks every few seconds.
      pks = previous?.encoded === key.publicKeySet ? previous.publicKeySet : decodeBlsPublicKeySet(hexToBytes(key.publicKeySet))
    } catch {
      continue // a key that does not even decode is nobody's
    }
    if (new Set(key.members).size !== key.members.length) continue
    if (pks.participants.some(id => id > key.members.length)) continue
    if (vouchers.size < pks.degree + 1) continue
    if (best == null || vouchers.size > best.vouchers) {
      best = { genesisId: key.genesisId, members: [...key.members], publicKeySet: pks, encoded: key.publicKeySet, vouchers: vouchers.size }
    }
  }
  return best
}

/** The NetworkInfo shown to users, from the answers and the accepted key (maybe remembered from before). */
export function networkInfoOf (answers: readonly NodeInfoAnswer[], key: AcceptedNetworkKey | undefined): NetworkInfo {
  const nodes: NetworkNode[] = answers
    .map(a => ({ peerId: a.node, keyHolder: key != null && a.keyHolder && key.members.includes(a.node), pkps: a.pkps, presignatures: a.presignatures, ...(a.curveArithmetic !== undefined ? { curveArithmetic: a.curveArithmetic } : {}) }))
    .sort((a, b) => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0))
  const genesis: NetworkInfo['genesis'] = key != null
    ? 'done'
    : answers.some(a => a.genesis === 'running' || a.genesis === 'done') ? 'running' : 'waiting'
  const info: NetworkInfo = { nodes, genesis }
  if (key != null) {
    info.networkKey = {
      publicKey: `0x${bytesToHex(key.publicKeySet.publicKey.toBytes())}`,
      members: [...key.members],
      threshold: key.publicKeySet.degree + 1
    }
  }
  return info
}

// ---------------------------------------------------------------- PKPs

/** The token id (hex, no 0x): keccak256 of all 65 bytes of the uncompressed public key, 0x04 included, as Lit derives it. */
export function tokenIdOf (publicKey: SecpPoint): string {
  return bytesToHex(keccak_256(publicKey.toBytes(false)))
}

export function ethAddressOf (publicKey: SecpPoint): string {
  return publicKeyToAddress(`0x${bytesToHex(publicKey.toBytes(false))}`)
}

/** A user's reference to a PKP: its public key (33 or 65 bytes) or token id (32 bytes), hex with or without 0x. */
export type PkpRef = { kind: 'tokenId', tokenId: string } | { kind: 'publicKey', publicKey: SecpPoint, tokenId: string }

export function parsePkpRef (ref: string): PkpRef {
  if (typeof ref !== 'string') throw new InvalidArgumentError('pubKey', 'expected a hex string')
  const h = ref.startsWith('0x') || ref.startsWith('0X') ? ref.slice(2) : ref
  if (!/^[0-9a-fA-F]*$/.test(h) || h.length % 2 !== 0) throw new InvalidArgumentError('pubKey', 'not hex')
  const bytes = hexToBytes(h.toLowerCase())
  if (bytes.length === 32) return { kind: 'tokenId', tokenId: bytesToHex(bytes) }
  if (bytes.length !== 33 && bytes.length !== 65) throw new InvalidArgumentError('pubKey', 'expected a 33- or 65-byte public key or a 32-byte token id')
  let point: SecpPoint
  try {
    point = secp256k1.Point.fromBytes(bytes)
    point.assertValidity()
  } catch {
    throw new InvalidArgumentError('pubKey', 'not a secp256k1 point')
  }
  if (point.equals(Secp256k1.ZERO)) throw new InvalidArgumentError('pubKey', 'the identity point')
  return { kind: 'publicKey', publicKey: point, tokenId: tokenIdOf(point) }
}

/** A PKP as the client keeps it for signing. */
export interface KnownPkp extends PkpSummary {
  /** Token id without 0x (the wire form). */
  tokenIdHex: string
  point: SecpPoint
}

/** One node's pkp/list answer. */
export interface PkpListAnswer {
  node: string
  pkps: readonly PkpInfo[]
}

/**
 * Merge the nodes' PKP lists. A node's entry counts only when it is in the
 * committee it reports and the token id and address match the public key;
 * where members disagree on the record, the version most members report wins.
 * `pool` sums what each allocator reports.
 */
export function mergePkpLists (answers: readonly PkpListAnswer[]): KnownPkp[] {
  const byToken = new Map<string, { versions: Map<string, { info: PkpInfo, reporters: number, mintedAt: number }>, pool: number, point: SecpPoint }>()
  for (const { node, pkps } of answers) {
    const seenHere = new Set<string>()
    for (const info of pkps) {
      if (seenHere.has(info.tokenId) || !info.committee.includes(node)) continue
      seenHere.add(info.tokenId)
      let point: SecpPoint
      try {
        point = secp256k1.Point.fromBytes(hexToBytes(info.publicKey))
        point.assertValidity()
      } catch {
        continue
      }
      if (tokenIdOf(point) !== info.tokenId) continue
      let address: string
      try { address = getAddress(info.ethAddress) } catch { continue }
      if (address !== ethAddressOf(point)) continue
      if (!isSortedDistinct(info.committee) || 2 * info.degree + 1 > info.committee.length) continue
      let entry = byToken.get(info.tokenId)
      if (entry == null) { entry = { versions: new Map(), pool: 0, point }; byToken.set(info.tokenId, entry) }
      entry.pool += info.pool
      // Each member stamps mintedAt with its own clock: not part of what must agree.
      const v = `${info.committee.join(',')}|${info.degree}|${info.minter.toLowerCase()}`
      const version = entry.versions.get(v)
      if (version == null) entry.versions.set(v, { info, reporters: 1, mintedAt: info.mintedAt })
      else { version.reporters++; version.mintedAt = Math.min(version.mintedAt, info.mintedAt) }
    }
  }
  const out: KnownPkp[] = []
  for (const [tokenId, { versions, pool, point }] of byToken) {
    const { info, mintedAt } = [...versions.values()].sort((a, b) => b.reporters - a.reporters)[0]
    out.push({
      tokenId: `0x${tokenId}`,
      tokenIdHex: tokenId,
      point,
      publicKey: `0x${info.publicKey}`,
      ethAddress: ethAddressOf(point),
      committee: [...info.committee],
      degree: info.degree,
      threshold: 2 * info.degree + 1,
      minter: getAddress(info.minter),
      mintedAt,
      pool,
      // What the nodes report knows nothing of this client's leases: the client adds them.
      leased: 0
    })
  }
  return out.sort((a, b) => b.mintedAt - a.mintedAt || (a.tokenId < b.tokenId ? -1 : 1))
}

export function isSortedDistinct (peers: readonly string[]): boolean {
  for (let i = 1; i < peers.length; i++) if (!(peers[i - 1] < peers[i])) return false
  return true
}
