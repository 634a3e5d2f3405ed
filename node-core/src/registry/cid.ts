/**
 * Strict IPFS CIDs for Lit Action permissions (spec: docs/registry.md §5.3.4).
 * Only canonical text: CIDv0 `Qm…` (base58btc) or CIDv1 lower-case base32
 * `b…`; sha2-256 multihash; dag-pb or raw codec. An action is keyed by its
 * CIDv1 base32 form, so `Qm…` and its `bafy…` form name the same action.
 */
import { CID } from 'multiformats/cid'
import { MAX_CID_CHARS } from './constants.js'

const SHA2_256 = 0x12
const DAG_PB = 0x70
const RAW = 0x55

/** The CIDv1 base32 key of a CID string, or the reason it is refused. */
export function cidKeyOrProblem (value: unknown): { key: string } | { problem: string } {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CID_CHARS) return { problem: `expected 1..${MAX_CID_CHARS} characters` }
  let cid: CID
  try {
    cid = CID.parse(value)
  } catch (err) {
    return { problem: `not a CID (${(err as Error).message})` }
  }
  // CID.parse caches the text it was given: decode the bytes afresh for the canonical form.
  const fresh = CID.decode(cid.bytes)
  if (fresh.toString() !== value) return { problem: 'not in canonical form (CIDv0 as Qm… or CIDv1 as lower-case base32 b…)' }
  if (fresh.multihash.code !== SHA2_256 || fresh.multihash.digest.length !== 32) return { problem: 'expected a sha2-256 multihash' }
  if (fresh.code !== DAG_PB && fresh.code !== RAW) return { problem: 'expected codec dag-pb or raw' }
  return { key: fresh.toV1().toString() }
}

/** Key of a CID that is known to be valid (parsed before), or undefined if it is not. */
export function cidKey (value: string): string | undefined {
  const r = cidKeyOrProblem(value)
  return 'key' in r ? r.key : undefined
}
