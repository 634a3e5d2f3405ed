/**
 * Lit.Actions.decryptAndCombine (docs/actions.md §3.6): without an action
 * condition a runner decrypts as a client of the key holders with the request's
 * own auth, so an action decrypts exactly what its caller may decrypt; under
 * Lit's `:currentActionIpfsId` condition only a run of that action decrypts, with
 * shares from the key holders that run the same request. 4 in-memory nodes with a
 * network key formed by genesis; the real LitClient encrypts and executes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LitClient } from '../../src/client/lit-client.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { actionCid } from '../../src/actions/cid.js'
import { MalformedMessageError } from '../../src/errors.js'
import { callerIs, canonicalConditions, currentActionIs, parseAccessControlConditions, unmetCondition } from '../../src/node/access-conditions.js'
import { ActionBind, ActionDecryptShare, ActionExecute } from '../../src/node/rpc-definitions.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { isAddressEqual, recoverAddress, type Hex } from 'viem'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import { authSigFor, startNetwork, testAccount, until, type TestNetwork } from './helpers.js'
import { inProcessSandbox, memoryCodeStores } from '../actions/test-sandbox.js'

let net: TestNetwork
let alice: LitClient
let bob: LitClient

const DECRYPT = `const text = await Lit.Actions.decryptAndCombine({ accessControlConditions, ciphertext, dataToEncryptHash, chain: 'ethereum' })
Lit.Actions.setResponse({ response: text.toUpperCase() })`

function clientFor (seed: string): LitClient {
  const id = memoryPeerIds(1, `actions-decrypt-${seed}`)[0]
  return new LitClient({ rpc: net.net.endpoint(id, 'client'), directory: net.net.directory(id), account: testAccount(seed), createAuthSig: async (a) => await authSigFor(a) })
}

beforeAll(async () => {
  const stores = memoryCodeStores()
  net = await startNetwork(4, {
    seed: 'actions-decrypt',
    config: { genesisMinNodes: 4 },
    actions: () => ({ codeStore: stores.storeFor(''), sandbox: inProcessSandbox() })
  })
  await until(() => [...net.nodes.values()].every((n) => n.genesis.state === 'done'), 40_000, 'genesis')
  alice = clientFor('alice')
  bob = clientFor('bob')
}, 60_000)

afterAll(async () => {
  await alice?.close()
  await bob?.close()
  await net?.stop()
})

describe('decryptAndCombine inside an action', () => {
  it("decrypts for the request's caller when the condition names the caller", async () => {
    const accessControlConditions = [callerIs(testAccount('alice').address)]
    const sealed = await alice.encrypt({ accessControlConditions, dataToEncrypt: 'meet at noon' })
    const res = await alice.executeJs({ code: DECRYPT, jsParams: { accessControlConditions, ...sealed } })
    expect(res.response).toBe('MEET AT NOON')
    expect(res.nodes.length).toBeGreaterThanOrEqual(3)
  })

  it('another caller running the same action gets an error inside the action, not the plaintext', async () => {
    const accessControlConditions = [callerIs(testAccount('alice').address)]
    const sealed = await alice.encrypt({ accessControlConditions, dataToEncrypt: 'not for bob' })
    const code = `try { await Lit.Actions.decryptAndCombine({ accessControlConditions, ciphertext, dataToEncryptHash }); Lit.Actions.setResponse({ response: 'leaked' }) }
catch (e) { Lit.Actions.setResponse({ response: 'refused: ' + e.name }) }`
    const res = await bob.executeJs({ code, jsParams: { accessControlConditions, ...sealed } })
    expect(res.response).toBe('refused: UnauthorizedError')
  })
})

describe('the action condition, parsed and judged', () => {
  const HELLO = 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX' // actionCid('hello')
  const lit = (value: string): unknown => ({
    conditionType: 'evmBasic',
    contractAddress: '',
    standardContractType: '',
    chain: 'ethereum',
    method: '',
    parameters: [':currentActionIpfsId'],
    returnValueTest: { comparator: '=', value }
  })

  it("takes Lit's shape, keeps the Qm… form (a bafybei… value becomes it), and is met only by a run of that CID", async () => {
    const { cidV1 } = await actionCid('hello')
    expect(parseAccessControlConditions([lit(HELLO)])).toEqual([currentActionIs(HELLO)])
    expect(canonicalConditions(parseAccessControlConditions([lit(cidV1)]))).toBe(canonicalConditions([currentActionIs(HELLO)]))
    const caller = testAccount('alice').address
    expect(unmetCondition([currentActionIs(HELLO)], caller)).toMatch(/only a run of the Lit Action Qm/)
    expect(unmetCondition([currentActionIs(HELLO)], caller, undefined, { actionCid: cidV1 })).toBeNull()
    expect(unmetCondition([currentActionIs(HELLO)], caller, undefined, { actionCid: (await actionCid('other')).ipfsId })).toMatch(/is not Qm/)
  })

  it('refuses a value that is not an action CID, naming the field', () => {
    for (const bad of ['Qm123', '', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']) {
      let err: unknown
      try { parseAccessControlConditions([lit(bad)]) } catch (e) { err = e }
      expect(err).toBeInstanceOf(MalformedMessageError)
      expect((err as Error).message).toContain('returnValueTest.value')
    }
    expect(() => currentActionIs('not a cid')).toThrow(/CID of a Lit Action/)
  })
})

describe("decryptAndCombine under Lit's action condition (:currentActionIpfsId)", () => {
  const SECRET_ACTION = `const key = await Lit.Actions.decryptAndCombine({ accessControlConditions, ciphertext, dataToEncryptHash })
Lit.Actions.setResponse({ response: 'key has ' + key.length + ' characters' })`

  it('a run of that action decrypts; the same data is refused to a plain decrypt and to another action', async () => {
    const { ipfsId } = await actionCid(SECRET_ACTION)
    const accessControlConditions = [currentActionIs(ipfsId)]
    const sealed = await alice.encrypt({ accessControlConditions, dataToEncrypt: 'sk-0123456789abcdef' })

    const res = await bob.executeJs({ code: SECRET_ACTION, jsParams: { accessControlConditions, ...sealed } })
    expect(res.ipfsId).toBe(ipfsId)
    expect(res.response).toBe('key has 19 characters')

    // Nobody gets it outside a run of that action, not even the one who encrypted it.
    await expect(alice.decrypt({ accessControlConditions, ...sealed })).rejects.toMatchObject({ name: 'UnauthorizedError' })
    const other = `try { await Lit.Actions.decryptAndCombine({ accessControlConditions, ciphertext, dataToEncryptHash }); Lit.Actions.setResponse({ response: 'leaked' }) }
catch (e) { Lit.Actions.setResponse({ response: 'refused: ' + e.name + ': ' + e.message }) }`
    const res2 = await alice.executeJs({ code: other, jsParams: { accessControlConditions, ...sealed } })
    expect(String(res2.response)).toMatch(/^refused: UnauthorizedError: the running action Qm\w+ is not Qm/)
  })

  it('the condition ANDs with the others: the action decrypts only for a caller the other conditions allow', async () => {
    const { ipfsId } = await actionCid(SECRET_ACTION)
    const accessControlConditions = [currentActionIs(ipfsId), callerIs(testAccount('alice').address)]
    const sealed = await alice.encrypt({ accessControlConditions, dataToEncrypt: 'for alice, in the action' })
    const res = await alice.executeJs({ code: SECRET_ACTION, jsParams: { accessControlConditions, ...sealed } })
    expect(res.response).toBe('key has 24 characters')
    await expect(bob.executeJs({ code: SECRET_ACTION, jsParams: { accessControlConditions, ...sealed } })).rejects.toMatchObject({ name: 'ActionFailedError' })
  })

  it('a key holder answers action/decrypt-share only for a decryption its own run of the request asked for, to a runner', async () => {
    const { ipfsId } = await actionCid(SECRET_ACTION)
    const accessControlConditions = [currentActionIs(ipfsId)]
    const sealed = await alice.encrypt({ accessControlConditions, dataToEncrypt: 'not for a stranger' })
    const conditions = JSON.stringify(accessControlConditions)
    const ask = { conditions, dataHash: sealed.dataToEncryptHash }
    // An unknown request.
    await expect(net.client.request(ActionDecryptShare, net.peers[0], { requestId: bytesToHex(crypto.getRandomValues(new Uint8Array(32))), ...ask }))
      .rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    // A request the node runs, of the right action, whose run never asks for that decryption.
    const waiting = 'await new Promise((resolve) => setTimeout(resolve, 300)); Lit.Actions.setResponse({ response: \'done\' })'
    const requestId = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
    const run = net.client.request(ActionExecute, net.peers[0], {
      requestId, code: waiting, jsParams: '{}', auth: await authSigFor(testAccount('alice')), runners: [net.peers[0]], bindings: []
    })
    await expect(net.client.request(ActionDecryptShare, net.peers[0], { requestId, ...ask })).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    expect((await run).outcome).toEqual({ kind: 'ok', response: 'done' })
    // Malformed conditions are a typed refusal too, and the node keeps serving.
    await expect(net.client.request(ActionDecryptShare, net.peers[0], { requestId, conditions: '[{"conditionType":"nope"}]', dataHash: sealed.dataToEncryptHash }))
      .rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    const res = await bob.executeJs({ code: SECRET_ACTION, jsParams: { accessControlConditions, ...sealed } })
    expect(res.response).toBe('key has 18 characters')
  })
})

describe('sigNames the client did not bind: the binder (actions.md §5.3)', () => {
  it('a run signs with a presignature its binder picked for every runner; the next run of the CID binds on the client', async () => {
    const pkp = await alice.mintPkp()
    // No jsParams.sigName / publicKey: the client cannot tell what the action will sign.
    const code = `await Lit.Actions.signEcdsa({ toSign, publicKey: pkpKey, sigName: 'fixed' })
Lit.Actions.setResponse({ response: 'signed' })`
    for (const round of [1, 2]) {
      const toSign = keccak_256(new TextEncoder().encode(`binder ${round}`))
      const res = await alice.executeJs({ code, jsParams: { toSign, pkpKey: pkp.publicKey } })
      expect(res.response).toBe('signed')
      expect(res.faults).toEqual([])
      const sig = res.signatures.fixed
      expect(sig?.dataSigned).toBe(`0x${bytesToHex(toSign)}`)
      expect(secp256k1.verify(hexToBytes(sig.signature.slice(2, 130)), toSign, hexToBytes(pkp.publicKey.slice(2)), { prehash: false })).toBe(true)
      expect(isAddressEqual(await recoverAddress({ hash: `0x${bytesToHex(toSign)}`, signature: sig.signature }), pkp.ethAddress as Hex)).toBe(true)
      // Round 1: nothing bound, every node runs it and the binder binds; round 2: the client remembers the sigName and binds it.
      const ran = [...res.nodes, ...(await res.late).nodes]
      expect(ran).toHaveLength(round === 1 ? net.peers.length : 3)
    }
  })

  it('a binder answers only runners of a request it runs, the same binding to each', async () => {
    const tokenId = bytesToHex(new Uint8Array(32))
    await expect(net.client.request(ActionBind, net.peers[0], { requestId: bytesToHex(crypto.getRandomValues(new Uint8Array(32))), sigName: 's', tokenId }))
      .rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' })
  })
})
