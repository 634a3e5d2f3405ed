/**
 * Strict parsing of operations and certificates (docs/registry.md §5): one
 * corrupted field at a time, each refused with the field it names; members
 * refuse the same through countersign.
 */
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  MalformedOperationError, parseCertificate, parseOperation, parseSignedOperation, signOperation, unsigned, type Certificate
} from '../../src/registry/index.js'
import { addActionOp, CID_V0, CID_V0_AS_V1, CID_V1, mintOp, NOW, Sim, testAccount, testPkp, transferOp } from './helpers.js'

const alice = testAccount('codec-alice')
const bob = testAccount('codec-bob')
const pkp = testPkp('codec')
const sim = new Sim(5, 'codec')

type Json = Record<string, any>
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

let mint: Json
let transfer: Json
let action: Json

beforeAll(async () => {
  mint = clone(await signOperation(alice, mintOp(pkp, sim.committee)))
  transfer = clone(await signOperation(alice, transferOp(pkp.tokenId, 1, bob.address)))
  action = clone(await signOperation(alice, addActionOp(pkp.tokenId, 2, CID_V1, 'sign-anything')))
})

function expectMalformed (value: unknown, field: string, reason: RegExp): void {
  let caught: unknown
  try {
    parseSignedOperation(value)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(MalformedOperationError)
  expect((caught as MalformedOperationError).code).toBe('ERR_REGISTRY_MALFORMED')
  expect((caught as MalformedOperationError).field).toBe(field)
  expect((caught as Error).message).toMatch(reason)
}

/** The address with one letter's case flipped: the EIP-55 checksum no longer matches. */
function flipOneLetter (address: string): string {
  const i = [...address].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c))
  const c = address[i]
  return address.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + address.slice(i + 1)
}

const cidWith = (code: number, hashCode: number, size: number): string =>
  CID.create(1, code, createDigest(hashCode, new Uint8Array(size).fill(7))).toString()

describe('well-formed operations parse', () => {
  it('round-trips mint, transfer and action ops; addresses come back checksummed', () => {
    expect(parseSignedOperation(mint)).toEqual(mint)
    expect(parseSignedOperation(transfer)).toEqual(transfer)
    expect(parseSignedOperation(action)).toEqual(action)
    const lower = { ...clone(transfer), args: { to: bob.address.toLowerCase() } }
    expect(parseSignedOperation(lower).args).toEqual({ to: bob.address })
    expect(parseOperation(unsigned(parseSignedOperation(transfer)))).toEqual(unsigned(transfer as never))
  })

  it('accepts CIDv0 and the canonical v1 forms', () => {
    for (const cid of [CID_V0, CID_V0_AS_V1, CID_V1, cidWith(0x55, 0x12, 32)]) {
      expect(parseSignedOperation({ ...clone(action), args: { cid, scope: 'personal-sign' } }).args).toEqual({ cid, scope: 'personal-sign' })
    }
  })
})

describe('malformed operations are refused, one field at a time', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['not an object', () => [transfer], 'op', /expected an object/],
    ['null', () => null, 'op', /expected an object/],
    ['an object with a prototype', () => Object.assign(Object.create({ polluted: true }), clone(transfer)), 'op', /expected an object/],
    ['unknown top-level field', () => ({ ...clone(transfer), owner: bob.address }), 'op.owner', /unknown field/],
    ['missing signature', () => { const t = clone(transfer); delete t.signature; return t }, 'op.signature', /missing/],
    ['missing kind', () => { const t = clone(transfer); delete t.kind; return t }, 'op.kind', /missing/],
    ['unknown kind', () => ({ ...clone(transfer), kind: 'burn' }), 'op.kind', /expected one of/],
    ['tokenId upper-case', () => ({ ...clone(transfer), tokenId: transfer.tokenId.toUpperCase().replace('0X', '0x') }), 'op.tokenId', /lower-case hex/],
    ['tokenId without 0x', () => ({ ...clone(transfer), tokenId: transfer.tokenId.slice(2) }), 'op.tokenId', /0x and 64/],
    ['tokenId too short', () => ({ ...clone(transfer), tokenId: transfer.tokenId.slice(0, 64) }), 'op.tokenId', /0x and 64/],
    ['nonce negative', () => ({ ...clone(transfer), nonce: -1 }), 'op.nonce', /integer >= 0/],
    ['nonce fractional', () => ({ ...clone(transfer), nonce: 1.5 }), 'op.nonce', /integer/],
    ['nonce a string', () => ({ ...clone(transfer), nonce: '1' }), 'op.nonce', /integer/],
    ['nonce beyond 2^53', () => ({ ...clone(transfer), nonce: 2 ** 53 }), 'op.nonce', /integer/],
    ['nonce 0 for a transfer', () => ({ ...clone(transfer), nonce: 0 }), 'op.nonce', /nonce 0 is the mint/],
    ['nonce 1 for a mint', () => ({ ...clone(mint), nonce: 1 }), 'op.nonce', /a mint has nonce 0/],
    ['issuedAt zero', () => ({ ...clone(transfer), issuedAt: 0 }), 'op.issuedAt', /integer >= 1/],
    ['issuedAt a date string', () => ({ ...clone(transfer), issuedAt: new Date(NOW).toISOString() }), 'op.issuedAt', /integer/],
    ['args an array', () => ({ ...clone(transfer), args: [bob.address] }), 'op.args', /expected an object/],
    ['args with an unknown field', () => ({ ...clone(transfer), args: { to: bob.address, amount: 1 } }), 'op.args.amount', /unknown field/],
    ['args of another kind', () => ({ ...clone(transfer), args: { address: bob.address } }), 'op.args.address', /unknown field/],
    ['to missing', () => ({ ...clone(transfer), args: {} }), 'op.args.to', /missing/],
    ['to not an address', () => ({ ...clone(transfer), args: { to: 'bob.eth' } }), 'op.args.to', /Ethereum address/],
    ['to with a bad checksum', () => ({ ...clone(transfer), args: { to: flipOneLetter(bob.address) } }), 'op.args.to', /checksum/],
    ['to the zero address', () => ({ ...clone(transfer), args: { to: '0x0000000000000000000000000000000000000000' } }), 'op.args.to', /zero address/],
    ['permitted address not hex', () => ({ ...clone(transfer), kind: 'addPermittedAddress', args: { address: '0xZZ' } }), 'op.args.address', /Ethereum address/],
    ['cid not a CID', () => ({ ...clone(action), args: { cid: 'Qmfoo', scope: 'sign-anything' } }), 'op.args.cid', /not a CID/],
    ['cid upper-case base32', () => ({ ...clone(action), args: { cid: CID_V1.toUpperCase(), scope: 'sign-anything' } }), 'op.args.cid', /not a CID/],
    ['cid with a stray upper-case letter', () => ({ ...clone(action), args: { cid: CID_V1.slice(0, -1) + 'I', scope: 'sign-anything' } }), 'op.args.cid', /canonical/],
    ['cid v1 in base58btc', () => ({ ...clone(action), args: { cid: 'zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7', scope: 'sign-anything' } }), 'op.args.cid', /canonical/],
    ['cid too long', () => ({ ...clone(action), args: { cid: 'b' + 'a'.repeat(128), scope: 'sign-anything' } }), 'op.args.cid', /1\.\.128 characters/],
    ['cid with a sha2-512 hash', () => ({ ...clone(action), args: { cid: cidWith(0x70, 0x13, 64), scope: 'sign-anything' } }), 'op.args.cid', /sha2-256/],
    ['cid with the dag-cbor codec', () => ({ ...clone(action), args: { cid: cidWith(0x71, 0x12, 32), scope: 'sign-anything' } }), 'op.args.cid', /dag-pb or raw/],
    ['scope unknown', () => ({ ...clone(action), args: { cid: CID_V1, scope: 'everything' } }), 'op.args.scope', /expected one of sign-anything, personal-sign/],
    ['publicKey compressed', () => ({ ...clone(mint), args: { ...clone(mint.args), publicKey: '0x02' + mint.args.publicKey.slice(4, 68) } }), 'op.args.publicKey', /65-byte/],
    ['publicKey of another token', () => ({ ...clone(mint), args: { ...clone(mint.args), publicKey: testPkp('codec-other').publicKey } }), 'op.args.publicKey', /not the tokenId/],
    ['committee unsorted', () => ({ ...clone(mint), args: { ...clone(mint.args), committee: [...mint.args.committee].reverse() } }), 'op.args.committee', /sorted and distinct/],
    ['committee with a duplicate', () => ({ ...clone(mint), args: { ...clone(mint.args), committee: [mint.args.committee[0], mint.args.committee[0]] } }), 'op.args.committee', /sorted and distinct/],
    ['committee with a bad node id', () => ({ ...clone(mint), args: { ...clone(mint.args), committee: ['a b'] } }), 'op.args.committee', /not a node id/],
    ['committee too large', () => ({ ...clone(mint), args: { ...clone(mint.args), committee: Array.from({ length: 65 }, (_, i) => `n${String(i).padStart(3, '0')}`) } }), 'op.args.committee', /1\.\.64 members/],
    ['committee empty', () => ({ ...clone(mint), args: { ...clone(mint.args), committee: [] } }), 'op.args.committee', /1\.\.64 members/],
    ['signature too short', () => ({ ...clone(transfer), signature: transfer.signature.slice(0, 130) }), 'op.signature', /130 hex digits/],
    ['signature without 0x', () => ({ ...clone(transfer), signature: transfer.signature.slice(2) + '00' }), 'op.signature', /130 hex digits/],
    ['signature with v = 29', () => ({ ...clone(transfer), signature: transfer.signature.slice(0, 130) + '1d' }), 'op.signature', /v must be 27 or 28/]
  ]
  it.each(cases)('%s', (_name, make, field, reason) => {
    expectMalformed(make(), field, reason)
  })

  it('members refuse them with the same reason (countersign parses first)', async () => {
    const o = await sim.ask(0, { ...clone(transfer), args: { to: 'bob.eth' } })
    expect(o.ok).toBe(false)
    expect(!o.ok && (o.error as MalformedOperationError).field).toBe('op.args.to')
  })

  it('a signature that does not recover is refused by members', async () => {
    sim.witnessMint(pkp, alice.address)
    const o = await sim.ask(0, { ...clone(mint), signature: '0x' + '00'.repeat(64) + '1b' })
    expect(o.ok).toBe(false)
    expect(!o.ok && (o.error as MalformedOperationError).field).toBe('op.signature')
    expect(!o.ok && o.error.message).toMatch(/does not recover/)
  })

  it('an op issued more than 5 minutes in the member\'s future is refused', async () => {
    sim.witnessMint(pkp, alice.address)
    const early = await signOperation(alice, mintOp(pkp, sim.committee, NOW + 6 * 60 * 1000))
    const o = await sim.ask(0, early)
    expect(!o.ok && o.error.code).toBe('ERR_REGISTRY_OPERATION_TIME')
    // A minute ahead is clock skew, accepted.
    const skewed = await signOperation(alice, mintOp(pkp, sim.committee, NOW + 60 * 1000))
    expect((await sim.ask(1, skewed)).ok).toBe(true)
  })
})

describe('malformed certificates are refused', () => {
  let cert: Certificate
  beforeAll(() => {
    cert = { op: clone(transfer) as never, countersigs: [{ nodeId: sim.committee.members[0], sig: 'ab'.repeat(64) }] }
  })
  const cases: [string, (c: Json) => unknown, string][] = [
    ['unknown field', (c) => ({ ...c, epoch: '0' }), 'certificate.epoch'],
    ['op malformed', (c) => ({ ...c, op: { ...c.op, nonce: -3 } }), 'certificate.op.nonce'],
    ['countersigs not an array', (c) => ({ ...c, countersigs: {} }), 'certificate.countersigs'],
    ['no countersigs', (c) => ({ ...c, countersigs: [] }), 'certificate.countersigs'],
    ['too many countersigs', (c) => ({ ...c, countersigs: Array.from({ length: 65 }, () => c.countersigs[0]) }), 'certificate.countersigs'],
    ['countersig with an unknown field', (c) => ({ ...c, countersigs: [{ ...c.countersigs[0], at: 1 }] }), 'certificate.countersigs[0].at'],
    ['countersig node id invalid', (c) => ({ ...c, countersigs: [{ nodeId: '', sig: 'ab' }] }), 'certificate.countersigs[0].nodeId'],
    ['countersig upper-case hex', (c) => ({ ...c, countersigs: [{ nodeId: 'n', sig: 'AB' }] }), 'certificate.countersigs[0].sig'],
    ['countersig odd length', (c) => ({ ...c, countersigs: [{ nodeId: 'n', sig: 'abc' }] }), 'certificate.countersigs[0].sig'],
    ['countersig too long', (c) => ({ ...c, countersigs: [{ nodeId: 'n', sig: 'ab'.repeat(257) }] }), 'certificate.countersigs[0].sig']
  ]
  it.each(cases)('%s', (_name, make, field) => {
    let caught: unknown
    try { parseCertificate(make(clone(cert) as Json)) } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(MalformedOperationError)
    expect((caught as MalformedOperationError).field).toBe(field)
  })
})
