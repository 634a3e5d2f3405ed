/**
 * In-memory registry committee for tests (docs/registry.md): n members with
 * Ed25519 identity keys, memory vote stores, their own certified states and
 * mint records. Everything is derived from labels, so runs reproduce.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Hex, LocalAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  applyCertified, buildCertificate, countersign, MemoryVoteStore, quorumSize, signOperation, tokenIdOfPublicKey, verifyCertificate,
  type Certificate, type Committee, type Countersignature, type MemberKeys, type MemberSigner, type MintRecord, type Operation,
  type SignedOperation, type TokenState
} from '../../src/registry/index.js'

/** A fixed "now" for every member, so issuedAt checks do not depend on the clock. */
export const NOW = Date.UTC(2026, 0, 1)

export function testAccount (label: string): LocalAccount {
  return privateKeyToAccount(`0x${bytesToHex(keccak_256(utf8ToBytes(`registry-account/${label}`)))}`)
}

/** A PKP public key (65 bytes, 0x04…) and its token id. */
export function testPkp (label: string): { publicKey: Hex, tokenId: Hex } {
  const secret = sha256(utf8ToBytes(`registry-pkp/${label}`))
  const publicKey = `0x${bytesToHex(secp256k1.getPublicKey(secret, false))}` as Hex
  return { publicKey, tokenId: tokenIdOfPublicKey(publicKey) }
}

export interface Member {
  nodeId: string
  publicKey: Uint8Array
  signer: MemberSigner
  votes: MemoryVoteStore
  /** Certified states by token. */
  states: Map<Hex, TokenState | undefined>
  /** What this member recorded of DKGs it took part in. */
  mints: Map<Hex, MintRecord>
}

export function makeMember (nodeId: string): Member {
  const secret = sha256(utf8ToBytes(`registry-node/${nodeId}`))
  return {
    nodeId,
    publicKey: ed25519.getPublicKey(secret),
    signer: { nodeId, sign: async (msg) => ed25519.sign(msg, secret) },
    votes: new MemoryVoteStore(),
    states: new Map(),
    mints: new Map()
  }
}

export function keysOf (members: readonly Member[]): MemberKeys {
  const byId = new Map(members.map((m) => [m.nodeId, m.publicKey]))
  return {
    verify: (nodeId, msg, sig) => {
      const pk = byId.get(nodeId)
      if (pk === undefined) return false
      try { return ed25519.verify(sig, msg, pk) } catch { return false }
    }
  }
}

export type Outcome = { ok: true, countersig: Countersignature } | { ok: false, error: Error & { code?: string } }

export class Sim {
  readonly members: Member[]
  readonly committee: Committee
  readonly keys: MemberKeys
  readonly q: number

  constructor (n: number, label = 'sim') {
    const ids = Array.from({ length: n }, (_, i) => `${label}-node-${String(i + 1).padStart(2, '0')}`).sort()
    this.members = ids.map(makeMember)
    this.committee = { epoch: '0', members: ids }
    this.keys = keysOf(this.members)
    this.q = quorumSize(n)
  }

  /** Every member (or those listed) records the DKG of a PKP minted by `minter`. */
  witnessMint (pkp: { publicKey: Hex, tokenId: Hex }, minter: string, who: number[] = this.all()): void {
    for (const i of who) this.members[i].mints.set(pkp.tokenId, { minter, publicKey: pkp.publicKey, committee: this.committee.members })
  }

  all (): number[] { return this.members.map((_, i) => i) }

  state (i: number, tokenId: Hex): TokenState | undefined { return this.members[i].states.get(tokenId) }

  /** Ask member i to countersign (a JSON round trip first: what travels is what is checked). */
  async ask (i: number, signed: SignedOperation | unknown): Promise<Outcome> {
    const m = this.members[i]
    const wire = JSON.parse(JSON.stringify(signed)) as unknown
    const tokenId = (signed as { tokenId: Hex }).tokenId
    try {
      const countersig = await countersign(wire, {
        committee: this.committee,
        signer: m.signer,
        votes: m.votes,
        state: m.states.get(tokenId),
        mintWitness: { minted: (id) => m.mints.get(id) },
        now: NOW
      })
      return { ok: true, countersig }
    } catch (error) {
      return { ok: false, error: error as Error }
    }
  }

  /** Ask the members listed; a certificate from the countersignatures if they reach a quorum. */
  async certify (signed: SignedOperation, who: number[] = this.all()): Promise<{ cert?: Certificate, outcomes: Outcome[] }> {
    const outcomes: Outcome[] = []
    for (const i of who) outcomes.push(await this.ask(i, signed))
    const sigs = outcomes.flatMap((o) => (o.ok ? [o.countersig] : []))
    return { cert: sigs.length >= this.q ? buildCertificate(signed, sigs) : undefined, outcomes }
  }

  /** Verify a certificate (after a JSON round trip) and apply it at the members listed. */
  async deliver (cert: Certificate, who: number[] = this.all()): Promise<void> {
    const certified = await verifyCertificate(JSON.parse(JSON.stringify(cert)), this.committee, this.keys)
    for (const i of who) {
      const m = this.members[i]
      m.states.set(certified.certificate.op.tokenId, applyCertified(m.states.get(certified.certificate.op.tokenId), certified))
    }
  }

  /** Sign, certify with everyone listed, deliver to everyone listed; throws if no quorum. */
  async run (account: LocalAccount, op: Operation, who: number[] = this.all()): Promise<Certificate> {
    const signed = await signOperation(account, op)
    const { cert, outcomes } = await this.certify(signed, who)
    if (cert === undefined) throw new Error(`no quorum: ${outcomes.map((o) => (o.ok ? 'ok' : o.error.message)).join(' | ')}`)
    await this.deliver(cert, who)
    return cert
  }
}

export function mintOp (pkp: { publicKey: Hex, tokenId: Hex }, committee: Committee, issuedAt = NOW - 1000): Operation {
  return { kind: 'mint', tokenId: pkp.tokenId, nonce: 0, issuedAt, args: { publicKey: pkp.publicKey, committee: [...committee.members] } }
}

export function transferOp (tokenId: Hex, nonce: number, to: string, issuedAt = NOW - 1000): Operation {
  return { kind: 'transfer', tokenId, nonce, issuedAt, args: { to } }
}

export function addAddressOp (tokenId: Hex, nonce: number, address: string): Operation {
  return { kind: 'addPermittedAddress', tokenId, nonce, issuedAt: NOW - 1000, args: { address } }
}

export function removeAddressOp (tokenId: Hex, nonce: number, address: string): Operation {
  return { kind: 'removePermittedAddress', tokenId, nonce, issuedAt: NOW - 1000, args: { address } }
}

export function addActionOp (tokenId: Hex, nonce: number, cid: string, scope: 'sign-anything' | 'personal-sign'): Operation {
  return { kind: 'addPermittedAction', tokenId, nonce, issuedAt: NOW - 1000, args: { cid, scope } }
}

export function removeActionOp (tokenId: Hex, nonce: number, cid: string): Operation {
  return { kind: 'removePermittedAction', tokenId, nonce, issuedAt: NOW - 1000, args: { cid } }
}

/** Well-formed CIDs (sha2-256, dag-pb): a v0 and its v1 form, and another v1. */
export const CID_V0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'
export const CID_V0_AS_V1 = 'bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34'
export const CID_V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

export function codeOf (o: Outcome): string | undefined {
  return o.ok ? undefined : o.error.code
}
