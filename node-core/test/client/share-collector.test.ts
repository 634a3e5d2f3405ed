/**
 * The share collector without a network: shares, failures and the time are fed
 * by hand (the clock is a number), so every timing rule is exercised exactly.
 */
import { describe, expect, it } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, recoverAddress } from 'viem'
import { publicKeyToAddress } from 'viem/accounts'
import { Secp256k1 } from '../../src/crypto/group.js'
import { seededRng } from '../../src/crypto/random.js'
import { encodeSignatureShare, signShare, signingNonce, decodeSignatureShare, type Presignature, type SignRequest } from '../../src/crypto/ecdsa/index.js'
import { decodeIbeCiphertext, encodeBlsDecryptionShare, ibeDecryptionShare, ibeEncrypt } from '../../src/crypto/bls/index.js'
import { runPresignInMemory } from '../../src/protocols/presign/index.js'
import { RemoteError, RpcTimeoutError } from '../../src/net/rpc/errors.js'
import { BadShareError, FaultCode, NotEnoughNodesError, TimeoutError, UnauthorizedError } from '../../src/client/errors.js'
import { decryptionShareCollector, signatureShareCollector, SETTLE_MS } from '../../src/client/share-collector.js'
import { keyFor, ids, requestFor } from '../ecdsa/helpers.js'
import { dealBls, g2OutsideSubgroup, utf8 } from '../bls/helpers.js'

const N = 5
const T = 1 // 2t+1 = 3
const DEADLINE = 10_000
const node = (id: number): string => `node-${id}`
const keys = keyFor(N, T, 'collector-key')
const address = publicKeyToAddress(bytesToHex(keys[0].publicKeySet.publicKey.toBytes(false)))

interface Fixture {
  pres: Map<number, Presignature>
  req: SignRequest
  share: (id: number) => Uint8Array
  corrupt: (id: number) => Uint8Array
  collector: ReturnType<typeof signatureShareCollector>
}

/** A fresh presignature among all five, a request signed by `signers`, and a collector for it. */
function fixture (seed: string, signers: number[] = ids(N)): Fixture {
  const pres = runPresignInMemory(keys, ids(N), seededRng(`presign-${seed}`))
  const req = requestFor(seed, signers)
  const shares = new Map(signers.map(id => [id, signShare(pres.get(id)!, req)] as const))
  const share = (id: number): Uint8Array => encodeSignatureShare(shares.get(id)!)
  const corrupt = (id: number): Uint8Array => {
    const s = decodeSignatureShare(share(id))
    return encodeSignatureShare({ ...s, s: (s.s + 1n) % Secp256k1.order })
  }
  const collector = signatureShareCollector({
    presignature: pres.get(1)!.public, request: req, signers: new Map(signers.map(id => [node(id), id] as const)), deadlineAt: DEADLINE
  })
  return { pres, req, share, corrupt, collector }
}

async function expectValidSignature (f: Fixture, signature: { signature: `0x${string}`, publicKey: Uint8Array }): Promise<void> {
  const compact = Uint8Array.from(Buffer.from(signature.signature.slice(2, 130), 'hex'))
  expect(secp256k1.verify(compact, f.req.messageHash, keys[0].publicKeySet.publicKey.toBytes(true), { prehash: false })).toBe(true)
  expect(await recoverAddress({ hash: bytesToHex(f.req.messageHash), signature: signature.signature })).toBe(address)
}

function thrown (f: () => unknown): any {
  try { f() } catch (err) { return err }
  throw new Error('expected a throw')
}

describe('signature share collector', () => {
  it('combines at once when every signer has answered', async () => {
    const f = fixture('all')
    for (const id of ids(N)) f.collector.addShare(node(id), f.share(id), 10)
    const step = f.collector.step(10)
    expect(step.kind).toBe('done')
    if (step.kind !== 'done') return
    expect(step.faults).toEqual([])
    expect(step.used).toEqual(ids(N).map(node))
    await expectValidSignature(f, step.result.signature)
  })

  it('prepare() and a nonce the caller computed give the same valid signature as combining from scratch', async () => {
    const f = fixture('prepared', [1, 2, 3])
    f.collector.prepare()
    f.collector.prepare() // idempotent
    for (const id of [1, 2, 3]) f.collector.addShare(node(id), f.share(id), 0)
    const prepared = f.collector.step(0)
    expect(prepared.kind).toBe('done')
    if (prepared.kind !== 'done') return
    await expectValidSignature(f, prepared.result.signature)
    const given = signatureShareCollector({
      presignature: f.pres.get(1)!.public,
      request: f.req,
      signers: new Map([1, 2, 3].map(id => [node(id), id] as const)),
      deadlineAt: DEADLINE,
      nonce: signingNonce(f.pres.get(1)!.public, f.req)
    })
    for (const id of [1, 2, 3]) given.addShare(node(id), f.share(id), 0)
    const step = given.step(0)
    expect(step.kind === 'done' && step.result.signature.signature).toBe(prepared.result.signature.signature)
  })

  it('names and drops a bad share, and still signs', async () => {
    const f = fixture('bad-one')
    for (const id of ids(N)) f.collector.addShare(node(id), id === 3 ? f.corrupt(3) : f.share(id), 0)
    const step = f.collector.step(0)
    expect(step.kind).toBe('done')
    if (step.kind !== 'done') return
    expect(step.faults).toEqual([{ node: node(3), code: FaultCode.BadShare, reason: 'share failed verification' }])
    expect(step.used).toEqual([1, 2, 4, 5].map(node))
    await expectValidSignature(f, step.result.signature)
  })

  it('refuses a share that claims another signer, or is for another presignature', () => {
    const f = fixture('claims')
    f.collector.addShare(node(1), f.share(2), 0) // node 1 relays node 2's share
    const other = fixture('other-presig')
    f.collector.addShare(node(2), other.share(2), 0)
    f.collector.addShare(node(3), new Uint8Array([1, 2, 3]), 0)
    for (const id of [4, 5]) f.collector.addShare(node(id), f.share(id), 0)
    const err = thrown(() => f.collector.step(0))
    expect(err).toBeInstanceOf(BadShareError)
    expect((err as BadShareError).badNodes).toEqual([node(1), node(2), node(3)])
    expect((err as BadShareError).good).toBe(2)
  })

  it('waits 250 ms after the first share once 2t+1 are in, then combines without the missing node', async () => {
    const f = fixture('missing')
    f.collector.addShare(node(1), f.share(1), 100)
    expect(f.collector.step(100)).toEqual({ kind: 'wait', until: DEADLINE }) // 1 of 3: only the deadline matters
    f.collector.addShare(node(2), f.share(2), 150)
    f.collector.addShare(node(4), f.share(4), 200)
    expect(f.collector.step(200)).toEqual({ kind: 'wait', until: 100 + SETTLE_MS })
    f.collector.addShare(node(5), f.share(5), 300)
    expect(f.collector.step(100 + SETTLE_MS - 1)).toEqual({ kind: 'wait', until: 100 + SETTLE_MS })
    const step = f.collector.step(100 + SETTLE_MS)
    expect(step.kind).toBe('done')
    if (step.kind !== 'done') return
    expect(step.faults).toEqual([{ node: node(3), code: FaultCode.NoAnswer, reason: 'no answer before the shares were combined' }])
    expect(step.used).toEqual([1, 2, 4, 5].map(node))
    await expectValidSignature(f, step.result.signature)
    // Decided once: a late answer changes nothing.
    f.collector.addShare(node(3), f.share(3), 400)
    expect(f.collector.step(400)).toBe(step)
  })

  it('after dropping a bad share, waits for more answers instead of failing', async () => {
    const f = fixture('refill')
    f.collector.addShare(node(1), f.share(1), 0)
    f.collector.addShare(node(2), f.corrupt(2), 0)
    f.collector.addShare(node(3), f.share(3), 0)
    expect(f.collector.step(SETTLE_MS)).toEqual({ kind: 'wait', until: DEADLINE }) // node 2 dropped: 2 good, 2 may come
    f.collector.addShare(node(4), f.share(4), 400)
    const step = f.collector.step(400)
    expect(step.kind).toBe('done')
    if (step.kind !== 'done') return
    expect(step.faults.map(x => [x.node, x.code])).toEqual([[node(2), FaultCode.BadShare], [node(5), FaultCode.NoAnswer]])
    await expectValidSignature(f, step.result.signature)
  })

  it('fails as soon as 2t+1 can no longer be reached: NotEnoughNodesError naming the nodes', () => {
    const f = fixture('too-few')
    f.collector.addShare(node(1), f.share(1), 0)
    f.collector.addShare(node(2), f.share(2), 0)
    f.collector.addFailure(node(3), new RemoteError('ERR_UNAVAILABLE', 'busy', node(3)))
    f.collector.addFailure(node(4), new RemoteError('ERR_PRESIGNATURE_USED', 'used', node(4)))
    expect(f.collector.step(1).kind).toBe('wait')
    f.collector.addFailure(node(5), new RemoteError('ERR_UNAVAILABLE', 'busy', node(5)))
    const err = thrown(() => f.collector.step(2))
    expect(err).toBeInstanceOf(NotEnoughNodesError)
    expect(err.code).toBe('ERR_NOT_ENOUGH_NODES')
    expect(err.faults.map((x: { node: string }) => x.node)).toEqual([3, 4, 5].map(node))
    expect(thrown(() => f.collector.step(3))).toBe(err) // the same error again
  })

  it('too few because of bad shares: BadShareError naming the cheaters', () => {
    const f = fixture('bad-many')
    f.collector.addShare(node(1), f.share(1), 0)
    f.collector.addShare(node(2), f.corrupt(2), 0)
    f.collector.addShare(node(3), f.corrupt(3), 0)
    f.collector.addShare(node(4), f.share(4), 0)
    f.collector.addFailure(node(5), new RpcTimeoutError())
    const err = thrown(() => f.collector.step(0))
    expect(err).toBeInstanceOf(BadShareError)
    expect(err.badNodes).toEqual([node(2), node(3)])
    expect(err.message).toContain('2 good shares, need 3')
  })

  it('a refusal by auth wins: UnauthorizedError with the node\'s reason', () => {
    const f = fixture('unauth')
    for (const id of [1, 2, 3]) f.collector.addFailure(node(id), new RemoteError('ERR_UNAUTHORIZED', 'caller is not the minter', node(id)))
    const err = thrown(() => f.collector.step(0))
    expect(err).toBeInstanceOf(UnauthorizedError)
    expect(err.reason).toBe('caller is not the minter')
  })

  it('at the deadline with too few shares: TimeoutError naming the silent nodes', () => {
    const f = fixture('deadline')
    f.collector.addShare(node(1), f.share(1), 0)
    f.collector.addShare(node(2), f.share(2), 0)
    expect(f.collector.step(DEADLINE - 1)).toEqual({ kind: 'wait', until: DEADLINE })
    const err = thrown(() => f.collector.step(DEADLINE))
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.faults.map((x: { node: string }) => x.node)).toEqual([3, 4, 5].map(node))
  })

  it('at the deadline with enough shares (settle time not reached): combines', () => {
    const f = fixture('deadline-ok')
    for (const id of [1, 2, 3]) f.collector.addShare(node(id), f.share(id), DEADLINE - 10)
    expect(f.collector.step(DEADLINE - 10)).toEqual({ kind: 'wait', until: DEADLINE })
    expect(f.collector.step(DEADLINE).kind).toBe('done')
  })

  it('ignores answers from nodes it did not ask, and second answers', () => {
    const f = fixture('strangers', [1, 2, 3])
    f.collector.addShare('stranger', f.corrupt(1), 0)
    f.collector.addShare(node(1), f.share(1), 0)
    f.collector.addShare(node(1), f.corrupt(1), 0)
    f.collector.addFailure(node(1), new RpcTimeoutError())
    f.collector.addShare(node(2), f.share(2), 0)
    f.collector.addShare(node(3), f.share(3), 0)
    const step = f.collector.step(0)
    expect(step.kind === 'done' && step.faults).toEqual([])
  })
})

describe('decryption share collector', () => {
  const bls = dealBls(N, 'collector-bls') // degree 3: 4 shares decrypt
  const pks = bls[0].publicKeySet
  const identity = 'lit-accesscontrolcondition://aa/bb'
  const plaintext = utf8('a secret for the collector')
  const ciphertext = decodeIbeCiphertext(ibeEncrypt(pks.publicKey, identity, plaintext, { rng: seededRng('collector-ibe') }))
  const share = (id: number, ident = identity): Uint8Array => encodeBlsDecryptionShare(ibeDecryptionShare(bls[id - 1], ident))
  const make = (): ReturnType<typeof decryptionShareCollector> => decryptionShareCollector({
    publicKeySet: pks, identity, ciphertext, holders: new Map(ids(N).map(id => [node(id), id] as const)), deadlineAt: DEADLINE
  })

  it('names a share for another identity, decrypts with the others', () => {
    const c = make()
    for (const id of ids(N)) c.addShare(node(id), id === 2 ? share(2, `${identity}x`) : share(id), 0)
    const step = c.step(0)
    expect(step.kind).toBe('done')
    if (step.kind !== 'done') return
    expect(new TextDecoder().decode(step.result)).toBe('a secret for the collector')
    expect(step.faults).toEqual([{ node: node(2), code: FaultCode.BadShare, reason: 'share failed verification' }])
  })

  it('takes a share outside the G2 subgroup on the curve-only decode, then names it and decrypts with the others', () => {
    const c = make()
    const outside = share(3)
    outside.set(g2OutsideSubgroup(), outside.length - 96)
    for (const id of ids(N)) c.addShare(node(id), id === 3 ? outside : share(id), 0)
    const step = c.step(0)
    expect(step.kind).toBe('done')
    if (step.kind !== 'done') return
    expect(new TextDecoder().decode(step.result)).toBe('a secret for the collector')
    expect(step.faults.map(f => [f.node, f.code])).toEqual([[node(3), FaultCode.BadShare]])
  })

  it('a share relabelled as another participant is refused before combining', () => {
    const c = make()
    c.addShare(node(1), share(2), 0)
    for (const id of [2, 3, 4]) c.addShare(node(id), share(id), 0)
    c.addFailure(node(5), new RpcTimeoutError())
    const err = thrown(() => c.step(0))
    expect(err).toBeInstanceOf(BadShareError)
    expect(err.badNodes).toEqual([node(1)])
  })
})
