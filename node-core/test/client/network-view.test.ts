/** What the client believes from nodes' answers, any of which may lie. */
import { describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import { encodeBlsPublicKeySet } from '../../src/crypto/bls/index.js'
import { acceptNetworkKey, mergePkpLists, networkInfoOf, parsePkpRef, tokenIdOf, ethAddressOf, type NodeInfoAnswer } from '../../src/client/network-view.js'
import { InvalidArgumentError } from '../../src/errors.js'
import type { PkpInfo } from '../../src/node/rpc-definitions.js'
import { dealBls } from '../bls/helpers.js'
import { keyFor } from '../ecdsa/helpers.js'

const members = ['peerA', 'peerB', 'peerC', 'peerD', 'peerE']
const real = dealBls(5, 'view-real')[0].publicKeySet // degree 3: 4 vouchers needed
const fake = dealBls(5, 'view-fake')[0].publicKeySet

function answer (node: string, pks = real, keyHolder = true): NodeInfoAnswer {
  return {
    node,
    keyHolder,
    genesis: 'done',
    pkps: 0,
    presignatures: 0,
    networkKey: { genesisId: '11'.repeat(16), publicKeySet: bytesToHex(encodeBlsPublicKeySet(pks)), members }
  }
}

describe('network key acceptance', () => {
  it('accepts the key degree+1 members vouch for', () => {
    const key = acceptNetworkKey(members.slice(0, 4).map(n => answer(n)))
    expect(key?.publicKeySet.publicKey.equals(real.publicKey)).toBe(true)
    expect(key?.vouchers).toBe(4)
    const info = networkInfoOf(members.slice(0, 4).map(n => answer(n)), key)
    expect(info.genesis).toBe('done')
    expect(info.networkKey?.threshold).toBe(4)
    expect(info.networkKey?.publicKey).toBe(`0x${bytesToHex(real.publicKey.toBytes())}`)
  })

  it('refuses a key only degree members vouch for, and votes of non-members or non-holders', () => {
    expect(acceptNetworkKey(members.slice(0, 3).map(n => answer(n)))).toBeUndefined()
    const outsiders = ['x1', 'x2', 'x3', 'x4'].map(n => answer(n))
    expect(acceptNetworkKey(outsiders)).toBeUndefined()
    expect(acceptNetworkKey(members.slice(0, 4).map(n => answer(n, real, false)))).toBeUndefined()
    const info = networkInfoOf(members.slice(0, 3).map(n => answer(n)), undefined)
    expect(info.networkKey).toBeUndefined()
    expect(info.genesis).toBe('running')
  })

  it('a liar\'s key does not displace the one the members vouch for', () => {
    const answers = [...members.slice(0, 4).map(n => answer(n)), answer('peerE', fake)]
    expect(acceptNetworkKey(answers)?.publicKeySet.publicKey.equals(real.publicKey)).toBe(true)
  })

  it('reuses the previous decode only for the same encoded key, and still counts the vouchers', () => {
    const first = acceptNetworkKey(members.slice(0, 4).map(n => answer(n)))!
    const again = acceptNetworkKey(members.slice(0, 4).map(n => answer(n)), first)
    expect(again?.publicKeySet).toBe(first.publicKeySet)
    expect(acceptNetworkKey(members.slice(0, 3).map(n => answer(n)), first)).toBeUndefined()
    // Another key is decoded afresh, never mistaken for the remembered one.
    const other = acceptNetworkKey(members.slice(0, 4).map(n => answer(n, fake)), first)
    expect(other?.publicKeySet).not.toBe(first.publicKeySet)
    expect(other?.publicKeySet.publicKey.equals(fake.publicKey)).toBe(true)
  })
})

describe('PKP lists and references', () => {
  const key = keyFor(5, 1, 'view-pkp')[0].publicKeySet.publicKey
  const committee = [...members]
  const info = (over: Partial<PkpInfo> = {}): PkpInfo => ({
    tokenId: tokenIdOf(key),
    publicKey: bytesToHex(key.toBytes(false)),
    ethAddress: ethAddressOf(key),
    committee,
    degree: 1,
    minter: '0x' + '12'.repeat(20),
    mintedAt: 1000,
    pool: 3,
    ...over
  })

  it('merges members\' reports, sums pools, drops entries whose facts do not match the key', () => {
    const merged = mergePkpLists([
      { node: 'peerA', pkps: [info()] },
      { node: 'peerB', pkps: [info({ mintedAt: 900, pool: 2 })] },
      { node: 'peerC', pkps: [info({ ethAddress: '0x' + '34'.repeat(20) })] }, // lies about the address
      { node: 'outsider', pkps: [info({ pool: 100 })] } // not in the committee
    ])
    expect(merged).toHaveLength(1)
    expect(merged[0].pool).toBe(5)
    expect(merged[0].mintedAt).toBe(900)
    expect(merged[0].tokenId).toBe(`0x${tokenIdOf(key)}`)
    expect(merged[0].threshold).toBe(3)
  })

  it('parses public keys (both forms) and token ids; refuses anything else', () => {
    const t = tokenIdOf(key)
    expect(parsePkpRef(`0x${bytesToHex(key.toBytes(false))}`).tokenId).toBe(t)
    expect(parsePkpRef(bytesToHex(key.toBytes(true))).tokenId).toBe(t)
    expect(parsePkpRef(`0x${t.toUpperCase()}`)).toEqual({ kind: 'tokenId', tokenId: t })
    expect(() => parsePkpRef('0x1234')).toThrow(InvalidArgumentError)
    expect(() => parsePkpRef('0x02' + 'ff'.repeat(32))).toThrow(InvalidArgumentError) // not on the curve
  })
})
