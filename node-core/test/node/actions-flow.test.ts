/**
 * Lit Actions end to end in one process (docs/actions.md §9.2): 5 LitNodes on
 * the memory transport, each with a code store and a QuickJS sandbox, driven
 * by the real LitClient. Signatures are checked with noble and viem, not with
 * the code under test.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { isAddressEqual, recoverAddress, verifyMessage, type Hex } from 'viem'
import { LitClient } from '../../src/client/lit-client.js'
import type { ActionSignature, ExecuteJsRequest, ExecuteJsResult } from '../../src/client/execute-js.js'
import { memoryPeerIds } from '../../src/node/memory-transport.js'
import type { MintedPkp } from '../../src/client/types.js'
import { authSigFor, startNetwork, testAccount, type TestNetwork } from './helpers.js'
import { inProcessSandbox, memoryCodeStores } from '../actions/test-sandbox.js'

let net: TestNetwork
let owner: LitClient
let other: LitClient
let pkp: MintedPkp
/** Each request a node's ActionService held the foreground for, and how many holds had begun when it released. */
const foreground: Array<{ peer: string, begunAt: number, releasedAt: number }> = []

const SIGN = `await Lit.Actions.signEcdsa({ toSign, publicKey, sigName })
Lit.Actions.setResponse({ response: JSON.stringify({ ok: true, n: jsParams.n }) })
console.log('signed', sigName)`

function clientFor (seed: string): LitClient {
  const id = memoryPeerIds(1, `actions-${seed}`)[0]
  return new LitClient({
    rpc: net.net.endpoint(id, 'client'),
    directory: net.net.directory(id),
    account: testAccount(seed),
    createAuthSig: async (acc) => await authSigFor(acc)
  })
}

async function expectSignedBy (sig: ActionSignature, hash: Uint8Array): Promise<void> {
  expect(sig.dataSigned).toBe(`0x${bytesToHex(hash)}`)
  const compact = hexToBytes(sig.signature.slice(2, 130))
  expect(secp256k1.verify(compact, hash, hexToBytes(pkp.publicKey.slice(2)), { prehash: false })).toBe(true)
  const recovered = await recoverAddress({ hash: `0x${bytesToHex(hash)}`, signature: sig.signature })
  expect(isAddressEqual(recovered, pkp.ethAddress as Hex)).toBe(true)
}

/**
 * Run until the signature is made: a presignature whose 2t+1 participants include the
 * corrupting node (index 4) yields none; that node is named and left out next time.
 */
async function runSigned (client: LitClient, req: ExecuteJsRequest, sigName: string): Promise<ExecuteJsResult> {
  for (let attempt = 1; ; attempt++) {
    const res = await client.executeJs(req)
    const bad = res.faults.filter((f) => f.kind === 'bad-share').map((f) => f.node)
    expect(bad.every((n) => n === net.peers[4])).toBe(true)
    if (res.signatures[sigName] !== undefined || attempt === 2) return res
    expect(bad).toHaveLength(1)
  }
}

beforeAll(async () => {
  const stores = memoryCodeStores()
  net = await startNetwork(5, {
    seed: 'actions',
    config: { genesisMinNodes: 99, poolTarget: 2 },
    faults: { 4: { corruptShares: true } },
    actions: (peer) => ({
      codeStore: stores.storeFor(peer),
      sandbox: inProcessSandbox(),
      limits: { wallTimeMs: 2_000 },
      // Stands in for the presignature pool's hold (lit-node.ts wires pool.beginSigning here).
      beginForeground: () => {
        const mark = { peer, begunAt: foreground.length + 1, releasedAt: -1 }
        foreground.push(mark)
        return () => { mark.releasedAt = foreground.length }
      }
    })
  })
  owner = clientFor('owner')
  other = clientFor('other')
  pkp = await owner.mintPkp()
}, 60_000)

afterAll(async () => {
  await owner?.close()
  await other?.close()
  await net?.stop()
})

describe('executeJs over 5 in-memory nodes', () => {
  it('the owner runs inline code: the combined signature verifies; a corrupt signer is named and avoided next time', async () => {
    // Presignatures have exactly 2t+1 participants: when the corrupting node is one of them the
    // signature cannot be made (actions are not re-run: they may have side effects), the node is
    // named, and the client leaves it out of the next binding.
    let res
    for (let attempt = 1; ; attempt++) {
      const toSign = keccak_256(new TextEncoder().encode(`action 1.${attempt}`))
      res = await owner.executeJs({ code: SIGN, jsParams: { toSign, publicKey: pkp.publicKey, sigName: 'sig1', n: 7 } })
      expect(res.response).toEqual({ ok: true, n: 7 })
      const bad = res.faults.filter((f) => f.kind === 'bad-share')
      expect(bad.map((f) => f.node)).toEqual(bad.length === 0 ? [] : [net.peers[4]])
      if (res.signatures.sig1 !== undefined) {
        await expectSignedBy(res.signatures.sig1, toSign)
        break
      }
      expect(bad).toHaveLength(1)
      expect(attempt).toBe(1)
    }
    expect(res.ipfsId).toMatch(/^Qm/)
    expect(res.logs).toContain('signed sig1')
    expect(res.signatures.sig1.signers).not.toContain(net.peers[4])
    expect(res.nodes.map((n) => n.codeSource)).toEqual(Array(res.nodes.length).fill('inline'))
  })

  it("runners: the binding's 2t+1 signers by default; every online node with runners 'all' or when nothing is bound", async () => {
    const toSign = keccak_256(new TextEncoder().encode('who runs'))
    const bound = await runSigned(owner, { code: SIGN, jsParams: { toSign, publicKey: pkp.publicKey, sigName: 'who', n: 1 } }, 'who')
    await expectSignedBy(bound.signatures.who, toSign)
    const ran = bound.nodes.map((n) => n.nodeId).sort()
    expect(ran).toHaveLength(3)
    expect(ran).toEqual([...bound.signatures.who.signers].sort())

    const toSign2 = keccak_256(new TextEncoder().encode('who runs, all'))
    const all = await runSigned(owner, { code: SIGN, runners: 'all', jsParams: { toSign: toSign2, publicKey: pkp.publicKey, sigName: 'who', n: 2 } }, 'who')
    await expectSignedBy(all.signatures.who, toSign2)
    // A majority (3 of 5) and the 3 signers answer before the result; the rest come in `late`.
    const late = await all.late
    expect([...all.nodes, ...late.nodes].map((n) => n.nodeId).sort()).toEqual(net.peers)
    expect(late.faults).toEqual([])

    const unbound = await owner.executeJs({ code: 'Lit.Actions.setResponse({ response: "none bound" })' })
    expect(unbound.response).toBe('none bound')
    expect([...unbound.nodes, ...(await unbound.late).nodes].map((n) => n.nodeId).sort()).toEqual(net.peers)
    await expect(owner.executeJs({ code: 'Lit.Actions.setResponse({ response: "x" })', runners: 'some' as 'all' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })

  it('a run holds the foreground (background presigning waits) from the request until its answer, failed runs too', async () => {
    foreground.length = 0
    const ok = await owner.executeJs({ code: 'Lit.Actions.setResponse({ response: "held" })' })
    const okRan = [...ok.nodes, ...(await ok.late).nodes].map((n) => n.nodeId).sort()
    expect(foreground.map((f) => f.peer).sort()).toEqual(okRan)
    // Each released once its run answered (after it began).
    for (const f of foreground) expect(f.releasedAt).toBeGreaterThanOrEqual(f.begunAt)
    foreground.length = 0
    await expect(owner.executeJs({ code: 'throw new Error("boom")' })).rejects.toMatchObject({ name: 'ActionFailedError' })
    // The error comes once a majority failed alike; the other runs end on their own.
    await vi.waitFor(() => { expect(foreground.filter((f) => f.releasedAt >= f.begunAt)).toHaveLength(net.peers.length) })
  })

  it('another account: refused while the CID is not permitted, signs once the owner permits it', async () => {
    const toSign = keccak_256(new TextEncoder().encode('action 2'))
    const err = await other.executeJs({ code: SIGN, jsParams: { toSign, publicKey: pkp.publicKey, sigName: 'mine' } }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'UnauthorizedError' })
    expect((err as Error).message).toContain('mine')
    const { ipfsId } = await owner.uploadAction(SIGN)
    await owner.addPermittedAction({ pubKey: pkp.publicKey, cid: ipfsId, scope: 'sign-anything' })
    const res = await runSigned(other, { ipfsId, jsParams: { toSign, publicKey: pkp.publicKey, sigName: 'mine', n: 1 } }, 'mine')
    await expectSignedBy(res.signatures.mine, toSign)
  })

  it('a personal-sign grant: signEcdsa refused, ethPersonalSignMessageEcdsa signs an EIP-191 message', async () => {
    const personal = `await Lit.Actions.ethPersonalSignMessageEcdsa({ message, publicKey, sigName })
Lit.Actions.setResponse({ response: 'done' })`
    const { ipfsId } = await owner.uploadAction(personal)
    const { ipfsId: rawId } = await owner.uploadAction(SIGN + '\n// raw')
    await owner.addPermittedAction({ pubKey: pkp.publicKey, cid: ipfsId, scope: 'personal-sign' })
    await owner.addPermittedAction({ pubKey: pkp.publicKey, cid: rawId, scope: 'personal-sign' })
    const refused = await other.executeJs({ ipfsId: rawId, jsParams: { toSign: new Uint8Array(32).fill(9), publicKey: pkp.publicKey, sigName: 's' } }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ name: 'UnauthorizedError' })
    const message = 'I like post 42'
    const res = await runSigned(other, { ipfsId, jsParams: { message, publicKey: pkp.publicKey, sigName: 'like' } }, 'like')
    const sig = res.signatures.like
    expect(sig.kind).toBe('personal')
    expect(await verifyMessage({ address: pkp.ethAddress as Hex, message, signature: sig.signature })).toBe(true)
  })

  it('an infinite loop is stopped at the wall-time limit on every node, and the nodes keep serving', async () => {
    const started = Date.now()
    const err = await owner.executeJs({ code: 'while (true) {}', timeoutMs: 20_000 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'ActionLimitError', limit: 'wallTime' })
    // In this process the five runs share one thread (in tabs they run side by side): 5 × (limit + 1 s) at most.
    expect(Date.now() - started).toBeLessThan(5 * 3_000)
    const toSign = keccak_256(new TextEncoder().encode('after the loop'))
    const sig = await owner.pkpSign({ pubKey: pkp.publicKey, toSign })
    expect(sig.signature).toMatch(/^0x/)
    const res = await owner.executeJs({ code: 'Lit.Actions.setResponse({ response: "alive" })' })
    expect(res.response).toBe('alive')
  })

  it('code uploaded to one node is fetched from it by the others', async () => {
    const code = 'Lit.Actions.setResponse({ response: "from a peer" })'
    const up = await owner.uploadAction(code, { to: [net.peers[0]] })
    expect(up.storedOn).toEqual([net.peers[0]])
    const res = await owner.executeJs({ ipfsId: up.ipfsId })
    expect(res.response).toBe('from a peer')
    const sources = Object.fromEntries(res.nodes.map((n) => [n.nodeId, n.codeSource]))
    expect(sources[net.peers[0]]).toBe('cache')
    for (const peer of net.peers.slice(1)) if (sources[peer] !== undefined) expect(sources[peer]).toBe('peer')
  })

  it('an unknown CID is ActionNotFoundError; a run that throws is ActionFailedError and releases no share', async () => {
    const missing = await owner.executeJs({ ipfsId: 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX', timeoutMs: 20_000 }).catch((e: unknown) => e)
    expect(missing).toMatchObject({ name: 'ActionNotFoundError' })
    const toSign = keccak_256(new TextEncoder().encode('never'))
    const failed = await owner.executeJs({
      code: 'await Lit.Actions.signEcdsa({ toSign, publicKey, sigName }); throw new Error("changed my mind")',
      jsParams: { toSign, publicKey: pkp.publicKey, sigName: 'x' }
    }).catch((e: unknown) => e)
    expect(failed).toMatchObject({ name: 'ActionFailedError' })
    expect((failed as Error).message).toContain('changed my mind')
  })

  it('nodes that disagree are outvoted or reported, never hidden', async () => {
    const err = await owner.executeJs({ code: 'Lit.Actions.setResponse({ response: String(Math.random()) })' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'ResponseDisagreementError' })
    expect((err as { groups: unknown[] }).groups.length).toBeGreaterThan(1)
  })

  it('no progress is reported once executeJs has settled: a late answer does not look like a call still running', async () => {
    const events: string[] = []
    const res = await owner.executeJs({ code: 'Lit.Actions.setResponse({ response: "quick" })', onProgress: (p) => { events.push(p.phase) } })
    const atReturn = events.length
    expect(events[atReturn - 1]).toBe('done')
    await res.late
    expect(events.length).toBe(atReturn)
  })

  it('malformed requests are refused with typed errors and the nodes keep serving', async () => {
    await expect(owner.executeJs({ code: 'x', ipfsId: 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(owner.executeJs({ ipfsId: 'not-a-cid' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    const res = await owner.executeJs({ code: 'Lit.Actions.setResponse({ response: "still here" })' })
    expect(res.response).toBe('still here')
    expect(net.net.internalFailures).toEqual([])
  })
})
