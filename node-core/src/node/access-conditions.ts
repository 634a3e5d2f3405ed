/**
 * Access control conditions for data encrypted to the network (spec:
 * docs/node-runtime.md §7). Lit's evmBasic shape for "caller is address X"
 * (`parameters: [':userAddress']`, comparator '='), plus an explicit
 * `{ conditionType: 'anyone' }` this network adds, and three that rest on the
 * PKP registry (docs/registry.md §11, §15.5): `{ conditionType: 'ownsPkp',
 * tokenId }` (the caller owns the PKP), `{ conditionType: 'permittedOnPkp',
 * tokenId }` (the caller is its owner or a permitted address) and
 * `{ conditionType: 'callerIn', addresses }` (the caller is one of 1..64
 * addresses), and Lit's action condition (`parameters: [':currentActionIpfsId']`,
 * met only inside a run of that action, docs/actions.md §3.6). A list is an AND
 * of its entries.
 *
 * The IBE identity binds the canonical JSON of the parsed conditions, so a node
 * checks exactly what the client encrypted under.
 */
import { getAddress, isAddress, type Hex } from 'viem'
import { canonicalJson, hashAccessControlConditions } from '../crypto/bls/identity.js'
import { InvalidArgumentError, MalformedMessageError } from '../errors.js'
import { isPermittedOnPkp, ownsPkp as registryOwnsPkp, type RegistryView } from '../registry/index.js'
import { actionCidV1, parseActionCid } from '../actions/cid.js'

export interface UserAddressCondition {
  conditionType: 'evmBasic'
  contractAddress: ''
  standardContractType: ''
  chain: 'ethereum'
  method: ''
  parameters: [':userAddress']
  returnValueTest: { comparator: '='; value: string }
}

/**
 * Lit's action condition: met only inside a run of the Lit Action with this CID
 * (docs/actions.md §3.6), never by a plain decrypt request. The value is the
 * CIDv0 (Qm…) text; a bafybei… form is accepted and stored as its Qm… form.
 */
export interface CurrentActionCondition {
  conditionType: 'evmBasic'
  contractAddress: ''
  standardContractType: ''
  chain: 'ethereum'
  method: ''
  parameters: [':currentActionIpfsId']
  returnValueTest: { comparator: '='; value: string }
}

export interface AnyoneCondition {
  conditionType: 'anyone'
}

/** The caller owns the PKP (its certified registry entry's owner). */
export interface OwnsPkpCondition {
  conditionType: 'ownsPkp'
  /** 0x + 64 lower-case hex digits (registry.md §3). */
  tokenId: Hex
}

/** The caller is the PKP's owner or one of its permitted addresses. */
export interface PermittedOnPkpCondition {
  conditionType: 'permittedOnPkp'
  tokenId: Hex
}

/** The caller is one of these addresses (checksummed, sorted, distinct). */
export interface CallerInCondition {
  conditionType: 'callerIn'
  addresses: string[]
}

export type AccessControlCondition = UserAddressCondition | CurrentActionCondition | AnyoneCondition | OwnsPkpCondition | PermittedOnPkpCondition | CallerInCondition
export type AccessControlConditions = AccessControlCondition[]

export const MAX_CONDITIONS = 16
/** Addresses one callerIn condition may list. */
export const MAX_CALLER_IN = 64

const TOKEN_ID = /^0x[0-9a-f]{64}$/

/** Lit's evmBasic shape with no contract: `parameter = value`. */
function evmBasic<P extends string> (parameter: P, value: string): {
  conditionType: 'evmBasic', contractAddress: '', standardContractType: '', chain: 'ethereum', method: '', parameters: [P], returnValueTest: { comparator: '=', value: string }
} {
  return {
    conditionType: 'evmBasic',
    contractAddress: '',
    standardContractType: '',
    chain: 'ethereum',
    method: '',
    parameters: [parameter],
    returnValueTest: { comparator: '=', value }
  }
}

/** "caller is address X", in Lit's shape. */
export function callerIs (address: string): UserAddressCondition {
  return evmBasic(':userAddress', getAddress(address))
}

/** "only a run of the Lit Action `ipfsId`", in Lit's shape (Qm… or bafybei…; stored as Qm…). */
export function currentActionIs (ipfsId: string): CurrentActionCondition {
  let v0: string
  try {
    v0 = parseActionCid(ipfsId).toV0().toString()
  } catch {
    throw new InvalidArgumentError('ipfsId', 'expected the CID of a Lit Action (Qm… or bafybei…)')
  }
  return evmBasic(':currentActionIpfsId', v0)
}

/** Whether the conditions name an action (§3.6): only a run of it may decrypt. */
export function actionConditionOf (conditions: AccessControlConditions): CurrentActionCondition | undefined {
  return conditions.find((c): c is CurrentActionCondition => c.conditionType === 'evmBasic' && c.parameters[0] === ':currentActionIpfsId')
}

export const anyone: AnyoneCondition = { conditionType: 'anyone' }

function tokenIdArg (tokenId: string): Hex {
  const t = typeof tokenId === 'string' ? `0x${tokenId.replace(/^0x/i, '').toLowerCase()}` : ''
  if (!TOKEN_ID.test(t)) throw new InvalidArgumentError('tokenId', 'expected 32 bytes of hex')
  return t as Hex
}

/** "caller owns PKP X" (X: its token id, with or without 0x, any case). */
export function ownsPkp (tokenId: string): OwnsPkpCondition {
  return { conditionType: 'ownsPkp', tokenId: tokenIdArg(tokenId) }
}

/** "caller is PKP X's owner or a permitted address". */
export function permittedOnPkp (tokenId: string): PermittedOnPkpCondition {
  return { conditionType: 'permittedOnPkp', tokenId: tokenIdArg(tokenId) }
}

/** "caller is one of these addresses" (1..64, distinct). */
export function callerIn (addresses: readonly string[]): CallerInCondition {
  return parseAccessControlConditions([{ conditionType: 'callerIn', addresses: [...addresses] }])[0] as CallerInCondition
}

function fail (path: string, reason: string): never {
  throw new MalformedMessageError(path, reason)
}

function exactKeys (value: Record<string, unknown>, keys: string[], path: string): void {
  for (const k of Object.keys(value)) if (!keys.includes(k)) fail(`${path}.${k}`, 'unknown field')
  for (const k of keys) if (!(k in value)) fail(`${path}.${k}`, 'missing')
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
}

/** Strict parse of untrusted conditions (already JSON-decoded). Addresses come back checksummed. */
export function parseAccessControlConditions (value: unknown): AccessControlConditions {
  if (!Array.isArray(value)) fail('conditions', 'expected an array')
  if (value.length === 0 || value.length > MAX_CONDITIONS) fail('conditions', `expected 1..${MAX_CONDITIONS} conditions`)
  return value.map((c, i): AccessControlCondition => {
    const path = `conditions[${i}]`
    if (!isPlainObject(c)) fail(path, 'expected an object')
    if (c.conditionType === 'anyone') {
      exactKeys(c, ['conditionType'], path)
      return anyone
    }
    if (c.conditionType === 'ownsPkp' || c.conditionType === 'permittedOnPkp') {
      exactKeys(c, ['conditionType', 'tokenId'], path)
      if (typeof c.tokenId !== 'string' || !TOKEN_ID.test(c.tokenId)) fail(`${path}.tokenId`, 'expected 0x and 64 lower-case hex digits')
      return { conditionType: c.conditionType, tokenId: c.tokenId as Hex }
    }
    if (c.conditionType === 'callerIn') {
      exactKeys(c, ['conditionType', 'addresses'], path)
      const list = c.addresses
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CALLER_IN) fail(`${path}.addresses`, `expected 1..${MAX_CALLER_IN} addresses`)
      const addresses = list.map((a: unknown, j: number) => {
        // Mixed case must carry a correct EIP-55 checksum.
        if (typeof a !== 'string' || !isAddress(a, { strict: true })) fail(`${path}.addresses[${j}]`, 'expected an address (EIP-55 checksum if mixed case)')
        return getAddress(a)
      })
      const canonical = [...new Set(addresses)].sort()
      if (canonical.length !== addresses.length) fail(`${path}.addresses`, 'addresses must be distinct')
      return { conditionType: 'callerIn', addresses: canonical }
    }
    if (c.conditionType !== 'evmBasic') fail(`${path}.conditionType`, 'expected evmBasic, anyone, ownsPkp, permittedOnPkp or callerIn')
    exactKeys(c, ['conditionType', 'contractAddress', 'standardContractType', 'chain', 'method', 'parameters', 'returnValueTest'], path)
    if (c.contractAddress !== '' || c.standardContractType !== '' || c.method !== '') fail(path, 'only the :userAddress and :currentActionIpfsId conditions are supported')
    if (c.chain !== 'ethereum') fail(`${path}.chain`, 'expected ethereum')
    const param = Array.isArray(c.parameters) && c.parameters.length === 1 ? c.parameters[0] : undefined
    if (param !== ':userAddress' && param !== ':currentActionIpfsId') fail(`${path}.parameters`, "expected [':userAddress'] or [':currentActionIpfsId']")
    const test = c.returnValueTest
    if (!isPlainObject(test)) fail(`${path}.returnValueTest`, 'expected an object')
    exactKeys(test, ['comparator', 'value'], `${path}.returnValueTest`)
    if (test.comparator !== '=') fail(`${path}.returnValueTest.comparator`, "expected '='")
    if (param === ':currentActionIpfsId') {
      if (typeof test.value !== 'string') fail(`${path}.returnValueTest.value`, 'expected a CID')
      try {
        return currentActionIs(test.value)
      } catch {
        fail(`${path}.returnValueTest.value`, 'expected the CID of a Lit Action (Qm… or bafybei…)')
      }
    }
    if (typeof test.value !== 'string' || !isAddress(test.value, { strict: false })) fail(`${path}.returnValueTest.value`, 'expected an address')
    return callerIs(test.value)
  })
}

/** Parse conditions from their JSON text (as they travel in a decrypt request). */
export function parseAccessControlConditionsJson (text: string): AccessControlConditions {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    fail('conditions', 'not valid JSON')
  }
  return parseAccessControlConditions(value)
}

/** The canonical JSON text of parsed conditions (what is hashed into the identity). */
export function canonicalConditions (conditions: AccessControlConditions): string {
  return canonicalJson(conditions)
}

/** sha256 of the canonical conditions: the first half of the IBE identity. */
export function conditionsHash (conditions: AccessControlConditions): Uint8Array {
  return hashAccessControlConditions(conditions)
}

/** The PKPs (token ids) whose registry entries the conditions consult. */
export function pkpTokensOf (conditions: AccessControlConditions): Hex[] {
  const out = new Set<Hex>()
  for (const c of conditions) if (c.conditionType === 'ownsPkp' || c.conditionType === 'permittedOnPkp') out.add(c.tokenId)
  return [...out].sort()
}

/**
 * Whether a caller satisfies every condition. `caller` is the address proven by
 * the request's auth signature, or undefined when the request carried none;
 * `registry` is the node's certified registry state (PKP conditions are unmet
 * without it). Returns null when satisfied, else the reason (for the Unauthorized error).
 */
export function unmetCondition (
  conditions: AccessControlConditions, caller: string | undefined, registry?: RegistryView, run?: { actionCid: string }
): string | null {
  for (const c of conditions) {
    if (c.conditionType === 'anyone') continue
    if (c.conditionType === 'evmBasic' && c.parameters[0] === ':currentActionIpfsId') {
      const wanted = c.returnValueTest.value
      if (run === undefined) return `only a run of the Lit Action ${wanted} may decrypt this`
      if (actionCidV1(run.actionCid) !== actionCidV1(wanted)) return `the running action ${run.actionCid} is not ${wanted}`
      continue
    }
    if (caller == null) return 'an auth signature is required'
    const who = getAddress(caller)
    switch (c.conditionType) {
      case 'evmBasic':
        if (who !== c.returnValueTest.value) return `caller ${who} is not ${c.returnValueTest.value}`
        break
      case 'callerIn':
        if (!c.addresses.includes(who)) return `caller ${who} is not one of the ${c.addresses.length} addresses allowed`
        break
      case 'ownsPkp':
      case 'permittedOnPkp': {
        const state = registry?.token(c.tokenId)
        if (state === undefined) return `PKP ${c.tokenId} has no certified registry entry on this node`
        if (c.conditionType === 'ownsPkp' && !registryOwnsPkp(registry!, c.tokenId, who)) return `caller ${who} does not own PKP ${c.tokenId}`
        if (c.conditionType === 'permittedOnPkp' && !isPermittedOnPkp(registry!, c.tokenId, who)) return `caller ${who} is neither the owner nor a permitted address of PKP ${c.tokenId}`
        break
      }
    }
  }
  return null
}
