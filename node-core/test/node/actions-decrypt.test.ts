/**
 * Lit.Actions.decryptAndCombine (docs/actions.md §3.6 as built): a runner
 * decrypts as a client of the key holders with the request's own auth, so an
 * action decrypts exactly what its caller may decrypt. 4 in-memory nodes with a
 * network key formed by genesis; the real LitClient encrypts and executes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LitClient } from '../../src/client/lit-client.js'
import { callerIs } from '../../src/node/access-conditions.js'
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
