/**
 * Identities for access-controlled data, in Lit's format (docs/ibe.md "Identity for
 * access-controlled data"): lit-accesscontrolcondition://<hex sha256(conditions)>/<hex sha256(data)>.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { InvalidArgumentError } from '../../errors.js'

export const ACCESS_CONTROL_IDENTITY_PREFIX = 'lit-accesscontrolcondition://'

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, finite numbers only;
 * refuses undefined, functions, bigint, symbols and cycles rather than guessing.
 */
export function canonicalJson (value: unknown): string {
  const onPath = new Set<object>()
  const walk = (v: unknown, path: string): string => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v)
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new InvalidArgumentError(path, 'non-finite number')
      return JSON.stringify(v)
    }
    if (typeof v !== 'object') throw new InvalidArgumentError(path, `${typeof v} has no canonical JSON form`)
    if (onPath.has(v)) throw new InvalidArgumentError(path, 'cyclic structure')
    onPath.add(v)
    let out: string
    if (Array.isArray(v)) {
      out = `[${v.map((item, i) => walk(item, `${path}[${i}]`)).join(',')}]`
    } else {
      const keys = Object.keys(v).sort()
      out = `{${keys.map((k) => `${JSON.stringify(k)}:${walk((v as Record<string, unknown>)[k], `${path}.${k}`)}`).join(',')}}`
    }
    onPath.delete(v)
    return out
  }
  return walk(value, 'conditions')
}

/** SHA-256 of the canonical JSON of access control conditions. */
export function hashAccessControlConditions (conditions: unknown): Uint8Array {
  return sha256(new TextEncoder().encode(canonicalJson(conditions)))
}

/** The IBE identity for data with hash `dataHash` guarded by conditions with hash `conditionsHash`. */
export function accessControlIdentity (conditionsHash: Uint8Array, dataHash: Uint8Array): string {
  if (!(conditionsHash instanceof Uint8Array) || conditionsHash.length !== 32) throw new InvalidArgumentError('conditionsHash', 'must be 32 bytes')
  if (!(dataHash instanceof Uint8Array) || dataHash.length !== 32) throw new InvalidArgumentError('dataHash', 'must be 32 bytes')
  return `${ACCESS_CONTROL_IDENTITY_PREFIX}${bytesToHex(conditionsHash)}/${bytesToHex(dataHash)}`
}

/** Convenience: identity for `data` guarded by `conditions` (hashes both). */
export function identityForData (conditions: unknown, data: Uint8Array): string {
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('data', 'must be a Uint8Array')
  return accessControlIdentity(hashAccessControlConditions(conditions), sha256(data))
}
