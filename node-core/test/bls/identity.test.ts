import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { InvalidArgumentError } from '../../src/errors.js'
import { accessControlIdentity, canonicalJson, hashAccessControlConditions, identityForData } from '../../src/crypto/bls/index.js'
import { utf8 } from './helpers.js'

const conditions = [{
  contractAddress: '',
  standardContractType: '',
  chain: 'ethereum',
  method: 'eth_getBalance',
  parameters: [':userAddress', 'latest'],
  returnValueTest: { comparator: '>=', value: '1000000000000' }
}]

describe('access-control identities', () => {
  it('has Lit’s format', () => {
    const data = utf8('the data')
    const id = identityForData(conditions, data)
    expect(id).toBe(`lit-accesscontrolcondition://${bytesToHex(hashAccessControlConditions(conditions))}/${bytesToHex(sha256(data))}`)
    expect(id).toMatch(/^lit-accesscontrolcondition:\/\/[0-9a-f]{64}\/[0-9a-f]{64}$/)
    expect(accessControlIdentity(new Uint8Array(32), new Uint8Array(32).fill(255))).toBe(`lit-accesscontrolcondition://${'00'.repeat(32)}/${'ff'.repeat(32)}`)
    expect(() => accessControlIdentity(new Uint8Array(31), new Uint8Array(32))).toThrow(InvalidArgumentError)
  })

  it('canonical JSON ignores key order and whitespace but not values', () => {
    const reordered = [{ returnValueTest: { value: '1000000000000', comparator: '>=' }, parameters: [':userAddress', 'latest'], method: 'eth_getBalance', chain: 'ethereum', standardContractType: '', contractAddress: '' }]
    expect(canonicalJson(reordered)).toBe(canonicalJson(conditions))
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}')
    expect(hashAccessControlConditions(reordered)).toEqual(hashAccessControlConditions(conditions))
    expect(hashAccessControlConditions([{ ...conditions[0], chain: 'polygon' }])).not.toEqual(hashAccessControlConditions(conditions))
  })

  it('refuses values with no canonical form', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const bad of [{ a: undefined }, { a: Number.NaN }, { a: 1n }, { a: () => 1 }, cyclic]) {
      expect(() => canonicalJson(bad)).toThrow(InvalidArgumentError)
    }
  })
})
