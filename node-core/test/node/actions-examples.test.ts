/**
 * The example actions of examples/actions/ (docs/actions.md §9.4), each run by
 * 4 in-memory nodes through the real LitClient, with the HTTP endpoints they
 * fetch served by this test on 127.0.0.1. Results are checked with viem.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { isAddressEqual, parseTransaction, recoverAddress, recoverTransactionAddress, serializeTransaction, verifyMessage, type Hex, type TransactionSerializableEIP1559 } from 'viem'
import { buildEip1559Signer } from '../../../examples/actions/eip1559-build.js'
import { LitClient } from '../../src/client/lit-client.js'
import type { MintedPkp } from '../../src/client/types.js'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import { authSigFor, startNetwork, testAccount, type TestNetwork } from './helpers.js'
import { inProcessSandbox, memoryCodeStores } from '../actions/test-sandbox.js'

let net: TestNetwork
let client: LitClient
let pkp: MintedPkp
let server: Server
let origin: string
let price = 90
const likes = new Map<string, string[]>([['42', ['0xaaaa']]])

const example = async (name: string): Promise<string> => await readFile(new URL(`../../../examples/actions/${name}`, import.meta.url), 'utf8')

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('content-type', 'application/json')
    const m = /^\/posts\/([\w-]+)\/likes$/.exec(req.url ?? '')
    if (req.url === '/price') res.end(JSON.stringify({ price }))
    else if (m !== null) res.end(JSON.stringify(likes.get(m[1]) ?? []))
    else { res.statusCode = 404; res.end('{}') }
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const stores = memoryCodeStores()
  net = await startNetwork(4, {
    seed: 'action-examples',
    config: { genesisMinNodes: 99, poolTarget: 2 },
    actions: () => ({ codeStore: stores.storeFor(''), sandbox: inProcessSandbox(), fetchAllow: [origin] })
  })
  const id = memoryPeerIds(1, 'examples-client')[0]
  client = new LitClient({ rpc: net.net.endpoint(id, 'client'), directory: net.net.directory(id), account: testAccount('examples'), createAuthSig: async (a) => await authSigFor(a) })
  pkp = await client.mintPkp()
}, 60_000)

afterAll(async () => {
  await client?.close()
  await net?.stop()
  await new Promise<void>((resolve) => { server?.close(() => { resolve() }) })
})

describe('example actions', () => {
  it('price-condition signs while the fetched price is below the maximum, and not above it', async () => {
    const code = await example('price-condition.js')
    const toSign = keccak_256(new TextEncoder().encode('buy 1'))
    const params = { priceUrl: `${origin}/price`, maxPrice: 100, toSign, publicKey: pkp.publicKey, sigName: 'buy' }
    price = 90
    const yes = await client.executeJs({ code, jsParams: params })
    expect(yes.response).toEqual({ signed: true, price: 90 })
    const recovered = await recoverAddress({ hash: `0x${bytesToHex(toSign)}`, signature: yes.signatures.buy.signature })
    expect(isAddressEqual(recovered, pkp.ethAddress as Hex)).toBe(true)
    price = 120
    const no = await client.executeJs({ code, jsParams: params })
    expect(no.response).toMatchObject({ signed: false, price: 120 })
    expect(no.signatures).toEqual({})
  })

  it('likePost signs a like once per user: a user who liked already gets no signature', async () => {
    const code = await example('like-post.js')
    const user = '0xbbbb'
    const params = { likesUrl: `${origin}/posts/42/likes`, postId: '42', user, ts: 1_700_000_000, publicKey: pkp.publicKey, sigName: 'like' }
    const first = await client.executeJs({ code, jsParams: params })
    expect(first.response).toMatchObject({ liked: true })
    const message = JSON.stringify({ action: 'like', postId: '42', user, ts: 1_700_000_000 })
    expect(await verifyMessage({ address: pkp.ethAddress as Hex, message, signature: first.signatures.like.signature })).toBe(true)
    likes.set('42', [...likes.get('42')!, user]) // the app records the like
    const again = await client.executeJs({ code, jsParams: params })
    expect(again.response).toMatchObject({ liked: false })
    expect(again.signatures).toEqual({})
  })

  it('eip1559-signer (bundled with viem) signs a transaction that viem parses back with the PKP as sender', async () => {
    const code = await buildEip1559Signer()
    const to = '0x000000000000000000000000000000000000dEaD'
    const tx = { chainId: '1', nonce: '7', to, value: '1000', gas: '21000', maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' }
    const res = await client.executeJs({ code, jsParams: { tx, allow: [to], maxValueWei: '1000000', publicKey: pkp.publicKey, sigName: 'tx' } })
    const { unsignedTransaction } = res.response as { unsignedTransaction: Hex }
    const parsed = parseTransaction(unsignedTransaction) as TransactionSerializableEIP1559
    const sig = res.signatures.tx
    const raw = serializeTransaction(parsed, { r: sig.r as Hex, s: sig.s as Hex, yParity: sig.recid })
    expect(isAddressEqual(await recoverTransactionAddress({ serializedTransaction: raw as never }), pkp.ethAddress as Hex)).toBe(true)
    expect(parseTransaction(raw)).toMatchObject({ to: to.toLowerCase(), value: 1000n, nonce: 7, chainId: 1 })
    const refused = await client.executeJs({ code, jsParams: { tx: { ...tx, value: '9999999' }, allow: [to], maxValueWei: '1000000', publicKey: pkp.publicKey, sigName: 'tx' } }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ name: 'ActionFailedError' })
    expect((refused as Error).message).toContain('over the cap')
  })
})
