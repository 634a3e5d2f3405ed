/**
 * Operations as EIP-712 typed data (spec: docs/registry.md §4): the domain,
 * one primary type per kind, the operation hash, signing with a viem
 * LocalAccount and recovering the signer.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { hashTypedData, recoverTypedDataAddress, type Hex, type LocalAccount, type TypedDataDomain } from 'viem'
import { InvalidArgumentError } from '../errors.js'
import { REGISTRY_CHAIN_ID, REGISTRY_DOMAIN_NAME, REGISTRY_DOMAIN_VERSION } from './constants.js'
import type { Operation, OperationKind, SignedOperation } from './types.js'

/** registry.md §4.2 */
export const REGISTRY_DOMAIN: TypedDataDomain = Object.freeze({
  name: REGISTRY_DOMAIN_NAME,
  version: REGISTRY_DOMAIN_VERSION,
  chainId: REGISTRY_CHAIN_ID
})

const head = [{ name: 'tokenId', type: 'bytes32' }, { name: 'nonce', type: 'uint64' }] as const
const tail = [{ name: 'issuedAt', type: 'uint64' }] as const

/** registry.md §4.1: one primary type per kind, fields in this order. */
export const REGISTRY_TYPES = {
  Mint: [...head, { name: 'publicKey', type: 'bytes' }, { name: 'committee', type: 'string[]' }, ...tail],
  Transfer: [...head, { name: 'to', type: 'address' }, ...tail],
  AddPermittedAddress: [...head, { name: 'permittedAddress', type: 'address' }, ...tail],
  RemovePermittedAddress: [...head, { name: 'permittedAddress', type: 'address' }, ...tail],
  AddPermittedAction: [...head, { name: 'cid', type: 'string' }, { name: 'scope', type: 'string' }, ...tail],
  RemovePermittedAction: [...head, { name: 'cid', type: 'string' }, ...tail]
} as const

export type RegistryPrimaryType = keyof typeof REGISTRY_TYPES

export const PRIMARY_TYPE: Record<OperationKind, RegistryPrimaryType> = {
  mint: 'Mint',
  transfer: 'Transfer',
  addPermittedAddress: 'AddPermittedAddress',
  removePermittedAddress: 'RemovePermittedAddress',
  addPermittedAction: 'AddPermittedAction',
  removePermittedAction: 'RemovePermittedAction'
}

/** The typed-data value an owner signs for `op` (registry.md §4). */
export function typedDataOf (op: Operation) {
  const base = { tokenId: op.tokenId, nonce: BigInt(op.nonce), issuedAt: BigInt(op.issuedAt) }
  let message: Record<string, unknown>
  switch (op.kind) {
    case 'mint': message = { ...base, publicKey: op.args.publicKey, committee: [...op.args.committee] }; break
    case 'transfer': message = { ...base, to: op.args.to }; break
    case 'addPermittedAddress':
    case 'removePermittedAddress': message = { ...base, permittedAddress: op.args.address }; break
    case 'addPermittedAction': message = { ...base, cid: op.args.cid, scope: op.args.scope }; break
    case 'removePermittedAction': message = { ...base, cid: op.args.cid }; break
    default: throw new InvalidArgumentError('op.kind', 'unknown kind')
  }
  return { domain: REGISTRY_DOMAIN, types: REGISTRY_TYPES, primaryType: PRIMARY_TYPE[op.kind], message } as const
}

/** registry.md §4.3: the EIP-712 digest of the operation (not of its signature). */
export function operationHash (op: Operation): Hex {
  // The typed-data union is too wide for viem's inference; the shape is fixed above.
  return hashTypedData(typedDataOf(op) as Parameters<typeof hashTypedData>[0])
}

/** The owner signs `op` with EIP-712 (registry.md §4). */
export async function signOperation (account: LocalAccount, op: Operation): Promise<SignedOperation> {
  if (account.signTypedData === undefined) throw new InvalidArgumentError('account', 'cannot sign typed data')
  const signature = await account.signTypedData(typedDataOf(op) as Parameters<LocalAccount['signTypedData']>[0])
  return { ...op, signature } as SignedOperation
}

/** The checksummed address that signed `signed`; throws if the signature does not recover. */
export async function recoverOperationSigner (signed: SignedOperation): Promise<string> {
  const { signature, ...op } = signed
  return await recoverTypedDataAddress({ ...(typedDataOf(op as Operation) as Parameters<typeof hashTypedData>[0]), signature })
}

/** tokenId of a public key (`0x04…`, 65 bytes): `0x` + keccak256, as Lit derives it (registry.md §3). */
export function tokenIdOfPublicKey (publicKey: Hex): Hex {
  const bytes = hexToBytes(publicKey.startsWith('0x') ? publicKey.slice(2) : publicKey)
  if (bytes.length !== 65 || bytes[0] !== 0x04) throw new InvalidArgumentError('publicKey', 'expected a 65-byte uncompressed secp256k1 key')
  return `0x${bytesToHex(keccak_256(bytes))}`
}

/** The registry's tokenId form of a store tokenId (hex without 0x, node-store.ts). */
export function registryTokenId (storeTokenId: string): Hex {
  return `0x${storeTokenId.toLowerCase().replace(/^0x/, '')}`
}

/** Fields of the operation without its signature. */
export function unsigned (signed: SignedOperation): Operation {
  const { signature: _signature, ...op } = signed
  return op as Operation
}
