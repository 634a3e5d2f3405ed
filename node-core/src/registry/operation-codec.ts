/**
 * Strict parsing of operations and certificates from the wire (spec:
 * docs/registry.md §5). Input is an already JSON-decoded `unknown`; every
 * field is checked, unknown fields are refused, addresses come back
 * checksummed. Failures are MalformedOperationError naming the field path.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { getAddress, isAddress, zeroAddress, type Hex } from 'viem'
import { cidKeyOrProblem } from './cid.js'
import { isNodeId, memberListProblem } from './committee.js'
import { MAX_COMMITTEE, MAX_COUNTERSIG_BYTES } from './constants.js'
import { MalformedOperationError } from './errors.js'
import { ACTION_SCOPES, OPERATION_KINDS, type ActionScope, type Certificate, type Countersignature, type Operation, type OperationKind, type SignedOperation } from './types.js'

function fail (field: string, reason: string): never {
  throw new MalformedOperationError(field, reason)
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
}

/** registry.md §5.1: exactly these keys. */
function object (value: unknown, keys: readonly string[], path: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(path, 'expected an object')
  for (const k of Object.keys(value)) if (!keys.includes(k)) fail(`${path}.${k}`, 'unknown field')
  for (const k of keys) if (!Object.hasOwn(value, k)) fail(`${path}.${k}`, 'missing')
  return value
}

const TOKEN_ID = /^0x[0-9a-f]{64}$/
const PUBLIC_KEY = /^0x04[0-9a-f]{128}$/
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/
const SIG_HEX = /^(?:[0-9a-f]{2})+$/

function tokenId (v: unknown, path: string): Hex {
  if (typeof v !== 'string' || !TOKEN_ID.test(v)) fail(path, 'expected 0x and 64 lower-case hex digits')
  return v as Hex
}

function safeInt (v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(path, `expected an integer >= ${min}`)
  return v
}

/** registry.md §5.3.1: viem isAddress (checksum enforced on mixed case), not zero; returned checksummed. */
function address (v: unknown, path: string): string {
  if (typeof v !== 'string' || !isAddress(v, { strict: true })) fail(path, 'expected an Ethereum address (EIP-55 checksum if mixed case)')
  const checksummed = getAddress(v)
  if (checksummed === zeroAddress) fail(path, 'the zero address is not allowed')
  return checksummed
}

function cid (v: unknown, path: string): string {
  const r = cidKeyOrProblem(v)
  if ('problem' in r) fail(path, r.problem)
  return v as string
}

function scope (v: unknown, path: string): ActionScope {
  if (typeof v !== 'string' || !(ACTION_SCOPES as readonly string[]).includes(v)) fail(path, `expected one of ${ACTION_SCOPES.join(', ')}`)
  return v as ActionScope
}

function args (kind: OperationKind, v: unknown, path: string, id: Hex): Operation['args'] {
  switch (kind) {
    case 'mint': {
      const a = object(v, ['publicKey', 'committee'], path)
      if (typeof a.publicKey !== 'string' || !PUBLIC_KEY.test(a.publicKey)) fail(`${path}.publicKey`, 'expected 0x04 and 128 lower-case hex digits (65-byte uncompressed key)')
      // registry.md §5.3.2: the token id is the key's keccak256.
      if (`0x${bytesToHex(keccak_256(hexToBytes(a.publicKey.slice(2))))}` !== id) fail(`${path}.publicKey`, 'keccak256 of the public key is not the tokenId')
      const problem = memberListProblem(a.committee)
      if (problem !== null) fail(`${path}.committee`, problem)
      return { publicKey: a.publicKey as Hex, committee: [...(a.committee as string[])] }
    }
    case 'transfer': {
      const a = object(v, ['to'], path)
      return { to: address(a.to, `${path}.to`) }
    }
    case 'addPermittedAddress':
    case 'removePermittedAddress': {
      const a = object(v, ['address'], path)
      return { address: address(a.address, `${path}.address`) }
    }
    case 'addPermittedAction': {
      const a = object(v, ['cid', 'scope'], path)
      return { cid: cid(a.cid, `${path}.cid`), scope: scope(a.scope, `${path}.scope`) }
    }
    case 'removePermittedAction': {
      const a = object(v, ['cid'], path)
      return { cid: cid(a.cid, `${path}.cid`) }
    }
  }
}

const OP_KEYS = ['kind', 'tokenId', 'nonce', 'issuedAt', 'args'] as const

function operationFields (o: Record<string, unknown>, path: string): Operation {
  if (typeof o.kind !== 'string' || !(OPERATION_KINDS as readonly string[]).includes(o.kind)) fail(`${path}.kind`, `expected one of ${OPERATION_KINDS.join(', ')}`)
  const kind = o.kind as OperationKind
  const id = tokenId(o.tokenId, `${path}.tokenId`)
  const nonce = safeInt(o.nonce, `${path}.nonce`, 0)
  // registry.md §3: the mint is nonce 0 and nothing else is.
  if (kind === 'mint' && nonce !== 0) fail(`${path}.nonce`, 'a mint has nonce 0')
  if (kind !== 'mint' && nonce === 0) fail(`${path}.nonce`, 'nonce 0 is the mint')
  const issuedAt = safeInt(o.issuedAt, `${path}.issuedAt`, 1)
  return { kind, tokenId: id, nonce, issuedAt, args: args(kind, o.args, `${path}.args`, id) } as Operation
}

/** An unsigned operation (what a client builds before signing). */
export function parseOperation (value: unknown, path = 'op'): Operation {
  return operationFields(object(value, OP_KEYS, path), path)
}

/** An operation with its owner's signature (registry.md §5). */
export function parseSignedOperation (value: unknown, path = 'op'): SignedOperation {
  const o = object(value, [...OP_KEYS, 'signature'], path)
  const op = operationFields(o, path)
  const sig = o.signature
  if (typeof sig !== 'string' || !SIGNATURE.test(sig)) fail(`${path}.signature`, 'expected 0x and 130 hex digits')
  const v = Number.parseInt(sig.slice(130), 16)
  if (v !== 27 && v !== 28) fail(`${path}.signature`, 'v must be 27 or 28')
  return { ...op, signature: sig.toLowerCase() as Hex }
}

function countersig (value: unknown, path: string): Countersignature {
  const c = object(value, ['nodeId', 'sig'], path)
  if (!isNodeId(c.nodeId)) fail(`${path}.nodeId`, 'not a node id')
  if (typeof c.sig !== 'string' || c.sig.length > 2 * MAX_COUNTERSIG_BYTES || !SIG_HEX.test(c.sig)) fail(`${path}.sig`, `expected 1..${MAX_COUNTERSIG_BYTES} bytes of lower-case hex`)
  return { nodeId: c.nodeId, sig: c.sig }
}

/** A certificate from the wire (registry.md §5). Parsing proves nothing: verify it (certificate.ts). */
export function parseCertificate (value: unknown, path = 'certificate'): Certificate {
  const c = object(value, ['op', 'countersigs'], path)
  const op = parseSignedOperation(c.op, `${path}.op`)
  if (!Array.isArray(c.countersigs)) fail(`${path}.countersigs`, 'expected an array')
  if (c.countersigs.length < 1 || c.countersigs.length > MAX_COMMITTEE) fail(`${path}.countersigs`, `expected 1..${MAX_COMMITTEE} countersignatures`)
  return { op, countersigs: c.countersigs.map((s, i) => countersig(s, `${path}.countersigs[${i}]`)) }
}
