/**
 * Types of the PKP registry (spec: docs/registry.md). Wire values are plain
 * JSON-shaped objects; parse them with operation-codec.ts before use.
 */
import type { Hex } from 'viem'

/** What an action may sign (registry.md §3). */
export type ActionScope = 'sign-anything' | 'personal-sign'
export const ACTION_SCOPES: readonly ActionScope[] = ['sign-anything', 'personal-sign']

export type OperationKind =
  | 'mint'
  | 'transfer'
  | 'addPermittedAddress'
  | 'removePermittedAddress'
  | 'addPermittedAction'
  | 'removePermittedAction'

export const OPERATION_KINDS: readonly OperationKind[] = [
  'mint', 'transfer', 'addPermittedAddress', 'removePermittedAddress', 'addPermittedAction', 'removePermittedAction'
]

interface OperationBase<K extends OperationKind, A> {
  kind: K
  /** `0x` + 64 lower-case hex digits: keccak256 of the uncompressed public key. */
  tokenId: Hex
  /** 0 for the mint, then 1, 2, … (registry.md §3). */
  nonce: number
  /** Milliseconds since the epoch (registry.md §4.4). */
  issuedAt: number
  args: A
}

/** registry.md §6 */
export type MintOperation = OperationBase<'mint', {
  /** `0x04…`, 65 bytes, lower-case. */
  publicKey: Hex
  /** The registry committee (sorted node ids) = the PKP's DKG committee. */
  committee: readonly string[]
}>
export type TransferOperation = OperationBase<'transfer', { to: string }>
export type AddPermittedAddressOperation = OperationBase<'addPermittedAddress', { address: string }>
export type RemovePermittedAddressOperation = OperationBase<'removePermittedAddress', { address: string }>
export type AddPermittedActionOperation = OperationBase<'addPermittedAction', { cid: string, scope: ActionScope }>
export type RemovePermittedActionOperation = OperationBase<'removePermittedAction', { cid: string }>

/** One change of a PKP's registry entry (registry.md §4.1). */
export type Operation =
  | MintOperation
  | TransferOperation
  | AddPermittedAddressOperation
  | RemovePermittedAddressOperation
  | AddPermittedActionOperation
  | RemovePermittedActionOperation

/** An operation and its owner's EIP-712 signature (`0x` + 130 hex digits). */
export type SignedOperation = Operation & { signature: Hex }

/** A member's signature over registry.md §8.1's message; `sig` is lower-case hex without 0x. */
export interface Countersignature {
  nodeId: string
  sig: string
}

/** An owner-signed operation with a quorum of countersignatures (registry.md §8). */
export interface Certificate {
  op: SignedOperation
  countersigs: readonly Countersignature[]
}

/** The members that run a PKP's registry (registry.md §2.1). */
export interface Committee {
  epoch: string
  /** Sorted (string order), distinct. */
  members: readonly string[]
}

/**
 * A certificate that verifyCertificate accepted (registry.md §8.2.6). Only
 * values made there can be applied; building one by hand does not work.
 */
export interface CertifiedOperation {
  readonly certificate: Certificate
  /** EIP-712 digest of the operation, 0x-hex. */
  readonly opHash: Hex
  /** Checksummed address that signed the operation. */
  readonly signer: string
  /** The committee it was verified against, and its registry.md §8.1 hash (0x-hex). */
  readonly committee: Committee
  readonly committeeHash: Hex
}

/** A PKP's certified registry entry (registry.md §3). Frozen; apply returns a new one. */
export interface TokenState {
  readonly tokenId: Hex
  readonly publicKey: Hex
  readonly committee: Committee
  readonly owner: string
  readonly permittedAddresses: ReadonlySet<string>
  /** CIDv1 base32 → scope. */
  readonly permittedActions: ReadonlyMap<string, ActionScope>
  /** Next expected nonce = history.length. */
  readonly nonce: number
  readonly history: readonly CertifiedOperation[]
  /** issuedAt of the mint. */
  readonly mintedAt: number
}

/** A node's identity key, as used for countersigning (registry.md §7.9). Must be deterministic. */
export interface MemberSigner {
  nodeId: string
  sign(msg: Uint8Array): Promise<Uint8Array>
}

/** Verifies members' countersignatures; false for an unknown node id. */
export interface MemberKeys {
  verify(nodeId: string, msg: Uint8Array, sig: Uint8Array): boolean | Promise<boolean>
}

/** What a member itself recorded about a PKP's DKG (its PkpRecord; registry.md §6.3). */
export interface MintRecord {
  /** Checksummed address of the SIWE auth signature that asked for the DKG. */
  minter: string
  /** `0x04…` lower-case. */
  publicKey: Hex
  committee: readonly string[]
}

export interface MintWitness {
  /** This node's record of the DKG that made `tokenId`, or undefined if it took no part. */
  minted(tokenId: Hex): Promise<MintRecord | undefined> | MintRecord | undefined
}
