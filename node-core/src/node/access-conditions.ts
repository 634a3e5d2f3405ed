/**
 * Access control conditions for data encrypted to the network (spec:
 * docs/node-runtime.md §7). Lit's evmBasic shape for "caller is address X"
 * (`parameters: [':userAddress']`, comparator '='), plus an explicit
 * `{ conditionType: 'anyone' }` this network adds. A list is an AND of its
 * entries. The registry issue adds "owns PKP X", "permitted on PKP X", "one of".
 *
 * The IBE identity binds the canonical JSON of the parsed conditions, so a node
 * checks exactly what the client encrypted under.
 */
import { getAddress, isAddress } from 'viem'
import { canonicalJson, hashAccessControlConditions } from '../crypto/bls/identity.js'
import { MalformedMessageError } from '../errors.js'

export interface UserAddressCondition {
  conditionType: 'evmBasic'
  contractAddress: ''
  standardContractType: ''
  chain: 'ethereum'
  method: ''
  parameters: [':userAddress']
  returnValueTest: { comparator: '='; value: string }
}

export interface AnyoneCondition {
  conditionType: 'anyone'
}

export type AccessControlCondition = UserAddressCondition | AnyoneCondition
export type AccessControlConditions = AccessControlCondition[]

export const MAX_CONDITIONS = 16

/** "caller is address X", in Lit's shape. */
export function callerIs (address: string): UserAddressCondition {
  return {
    conditionType: 'evmBasic',
    contractAddress: '',
    standardContractType: '',
    chain: 'ethereum',
    method: '',
    parameters: [':userAddress'],
    returnValueTest: { comparator: '=', value: getAddress(address) }
  }
}

export const anyone: AnyoneCondition = { conditionType: 'anyone' }

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
    if (c.conditionType !== 'evmBasic') fail(`${path}.conditionType`, 'expected evmBasic or anyone')
    exactKeys(c, ['conditionType', 'contractAddress', 'standardContractType', 'chain', 'method', 'parameters', 'returnValueTest'], path)
    if (c.contractAddress !== '' || c.standardContractType !== '' || c.method !== '') fail(path, 'only the :userAddress condition is supported')
    if (c.chain !== 'ethereum') fail(`${path}.chain`, 'expected ethereum')
    if (!Array.isArray(c.parameters) || c.parameters.length !== 1 || c.parameters[0] !== ':userAddress') fail(`${path}.parameters`, "expected [':userAddress']")
    const test = c.returnValueTest
    if (!isPlainObject(test)) fail(`${path}.returnValueTest`, 'expected an object')
    exactKeys(test, ['comparator', 'value'], `${path}.returnValueTest`)
    if (test.comparator !== '=') fail(`${path}.returnValueTest.comparator`, "expected '='")
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

/**
 * Whether a caller satisfies every condition. `caller` is the address proven by
 * the request's auth signature, or undefined when the request carried none.
 * Returns null when satisfied, else the reason (for the Unauthorized error).
 */
export function unmetCondition (conditions: AccessControlConditions, caller: string | undefined): string | null {
  for (const c of conditions) {
    if (c.conditionType === 'anyone') continue
    if (caller == null) return 'an auth signature is required'
    if (getAddress(caller) !== c.returnValueTest.value) return `caller ${getAddress(caller)} is not ${c.returnValueTest.value}`
  }
  return null
}
