import { afterEach, describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Secp256k1 } from '../../src/crypto/group.js'
import { DkgSession } from '../../src/protocols/dkg/index.js'
import { MemoryNetwork, memoryPeerIds } from '../../src/node/memory-transport.js'
import { SessionHub, committeePeers } from '../../src/node/session-hub.js'
import { SessionMessage } from '../../src/node/rpc-definitions.js'
import { SessionCancelledError, SessionReplayError } from '../../src/node/errors.js'
import { mintSessionId } from '../../src/node/session-ids.js'
import type { ProtocolSession } from '../../src/protocols/types.js'
import type { LogSink } from '../../src/node/log.js'

const hubs: SessionHub[] = []
afterEach(async () => { for (const h of hubs.splice(0)) await h.stop() })

async function setup (n: number, opts: { roundTimeoutMs?: number, log?: LogSink } = {}): Promise<{ net: MemoryNetwork, peers: string[], hubs: SessionHub[] }> {
  const net = new MemoryNetwork()
  const peers = memoryPeerIds(n, 'hub').sort()
  const mine = []
  for (const p of peers) {
    const hub = new SessionHub({ rpc: net.endpoint(p), roundTimeoutMs: opts.roundTimeoutMs ?? 3_000, log: opts.log })
    await hub.start()
    hubs.push(hub)
    mine.push(hub)
  }
  return { net, peers, hubs: mine }
}

function dkgFor (peers: string[], me: number, sessionId: Uint8Array, degree = 1): DkgSession<any> {
  return new DkgSession({ group: Secp256k1, sessionId, degree, participants: peers.map((_, i) => i + 1), me })
}

describe('SessionHub', () => {
  it('runs a DKG among 5 nodes over the memory transport; every node gets the same key', async () => {
    const { peers, hubs } = await setup(5)
    const id = mintSessionId('00'.repeat(16), 1, peers)
    const phases: string[] = []
    const sessions = peers.map((_, i) => dkgFor(peers, i + 1, id))
    const shares = await Promise.all(hubs.map((hub, i) => hub.run({
      id, peers: committeePeers(peers), session: sessions[i], onProgress: i === 0 ? () => { phases.push(sessions[0].state) } : undefined
    })))
    const keys = new Set(shares.map((s) => bytesToHex(s.publicKeySet.publicKey.toBytes())))
    expect(keys.size).toBe(1)
    expect(phases).toContain('round2')
    expect(phases.at(-1)).toBe('done')
    // A session id runs once.
    await expect(hubs[0].run({ id, peers: committeePeers(peers), session: dkgFor(peers, 1, id) })).rejects.toBeInstanceOf(SessionReplayError)
  })

  it('buffers messages that arrive before a node starts the session', async () => {
    const { peers, hubs } = await setup(3)
    const id = mintSessionId('01'.repeat(16), 1, peers)
    const first = [0, 1].map((i) => hubs[i].run({ id, peers: committeePeers(peers), session: dkgFor(peers, i + 1, id) }))
    // Node 3 hears round-1 messages from both before it starts.
    await vitestWaitFor(() => hubs[2].bufferedCount >= 4)
    const late = hubs[2].run({ id, peers: committeePeers(peers), session: dkgFor(peers, 3, id) })
    const shares = await Promise.all([...first, late])
    expect(new Set(shares.map((s) => bytesToHex(s.publicKeySet.publicKey.toBytes()))).size).toBe(1)
  })

  it('refuses messages from a non-participant (ERR_UNAUTHORIZED) and the session completes', async () => {
    const warnings: string[] = []
    const { net, peers, hubs } = await setup(3, { log: (_c, level, m) => { if (level === 'warn') warnings.push(m) } })
    const [stranger] = memoryPeerIds(1, 'stranger')
    const strangerRpc = net.endpoint(stranger)
    const id = mintSessionId('02'.repeat(16), 1, peers)
    const runs = hubs.map((hub, i) => hub.run({ id, peers: committeePeers(peers), session: dkgFor(peers, i + 1, id) }))
    // A stranger's message: refused with ERR_UNAUTHORIZED.
    await expect(strangerRpc.request(SessionMessage, peers[0], { session: bytesToHex(id), data: '0001' }))
      .rejects.toMatchObject({ name: 'RemoteError', code: 'ERR_UNAUTHORIZED' })
    const shares = await Promise.all(runs)
    expect(new Set(shares.map((s) => bytesToHex(s.publicKeySet.publicKey.toBytes()))).size).toBe(1)
    expect(warnings.some((w) => w.includes('not a participant'))).toBe(true)
  })

  it('a participant\'s garbage message is refused and logged, and the session still completes', async () => {
    const warnings: string[] = []
    const net = new MemoryNetwork()
    const peers = memoryPeerIds(3, 'garbage').sort()
    const id = mintSessionId('03'.repeat(16), 1, peers)
    const mine: SessionHub[] = []
    for (const p of peers.slice(0, 2)) {
      const hub = new SessionHub({ rpc: net.endpoint(p), roundTimeoutMs: 3_000, log: (_c, level, m) => { if (level === 'warn') warnings.push(m) } })
      await hub.start(); hubs.push(hub); mine.push(hub)
    }
    // Participant 3 sends garbage through its own endpoint first, then plays honestly through its hub.
    const rpc3 = net.endpoint(peers[2])
    const hub3 = new SessionHub({ rpc: rpc3, roundTimeoutMs: 3_000 })
    await hub3.start(); hubs.push(hub3)
    const runs = mine.map((hub, i) => hub.run({ id, peers: committeePeers(peers), session: dkgFor(peers, i + 1, id) }))
    await expect(rpc3.request(SessionMessage, peers[0], { session: bytesToHex(id), data: 'ff00ff00' }))
      .rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' })
    const shares = await Promise.all([...runs, hub3.run({ id, peers: committeePeers(peers), session: dkgFor(peers, 3, id) })])
    expect(new Set(shares.map((s) => bytesToHex(s.publicKeySet.publicKey.toBytes()))).size).toBe(1)
    expect(warnings.some((w) => w.includes('refused'))).toBe(true)
  })

  it('a silent party is excluded at the round deadline; the others finish', async () => {
    // Rounds long enough that honest messages arrive in time on a loaded 2-core CI machine
    // (4 s once let an honest dealer's round-2 messages miss the deadline there); only the silent one is late.
    const { net, peers, hubs } = await setup(5, { roundTimeoutMs: 10_000 })
    net.setSilent(peers[4], true)
    const id = mintSessionId('04'.repeat(16), 1, peers)
    const sessions = peers.map((_, i) => dkgFor(peers, i + 1, id))
    const started = Date.now()
    const runs = hubs.slice(0, 4).map((hub, i) => hub.run({ id, peers: committeePeers(peers), session: sessions[i] }))
    const silentRun = hubs[4].run({ id, peers: committeePeers(peers), session: sessions[4] })
    silentRun.catch(() => {})
    const shares = await Promise.all(runs)
    expect(new Set(shares.map((s) => bytesToHex(s.publicKeySet.publicKey.toBytes()))).size).toBe(1)
    expect(sessions[0].outcome?.disqualified.has(5)).toBe(true)
    expect(Date.now() - started).toBeLessThan(90_000)
  })

  it('a party whose deadline fires late is not pushed a round behind by the others\' next messages', async () => {
    // Party 4's deadline fires 700 ms after the others' (a busy tab's late timer). The others'
    // complaints reach it while it still waits on the silent party's round 1. Were those
    // messages counted as activity, its round 1 would close a whole deadline later, and the
    // others would close round 2 without its complaint and disqualify an honest dealer.
    const net = new MemoryNetwork()
    const peers = memoryPeerIds(5, 'late').sort()
    const mine: SessionHub[] = []
    for (const [i, p] of peers.entries()) {
      const hub = new SessionHub({ rpc: net.endpoint(p), roundTimeoutMs: i === 3 ? 2_200 : 1_500 })
      await hub.start(); hubs.push(hub); mine.push(hub)
    }
    net.setSilent(peers[4], true)
    const id = mintSessionId('08'.repeat(16), 1, peers)
    const sessions = peers.map((_, i) => dkgFor(peers, i + 1, id))
    const runs = mine.slice(0, 4).map((hub, i) => hub.run({ id, peers: committeePeers(peers), session: sessions[i] }))
    mine[4].run({ id, peers: committeePeers(peers), session: sessions[4] }).catch(() => {})
    const shares = await Promise.all(runs)
    expect(new Set(shares.map((s) => bytesToHex(s.publicKeySet.publicKey.toBytes()))).size).toBe(1)
    for (const s of sessions.slice(0, 4)) expect([...s.outcome!.disqualified.keys()]).toEqual([5])
  })

  it('an aborted signal and stop() end runs with SessionCancelledError', async () => {
    const { peers, hubs } = await setup(3)
    const id = mintSessionId('05'.repeat(16), 1, peers)
    const controller = new AbortController()
    const run = hubs[0].run({ id, peers: committeePeers(peers), session: dkgFor(peers, 1, id), signal: controller.signal })
    controller.abort()
    await expect(run).rejects.toBeInstanceOf(SessionCancelledError)
    const id2 = mintSessionId('06'.repeat(16), 1, peers)
    const run2 = hubs[1].run({ id: id2, peers: committeePeers(peers), session: dkgFor(peers, 2, id2) })
    await hubs[1].stop()
    await expect(run2).rejects.toBeInstanceOf(SessionCancelledError)
  })

  it('a session that throws on poke fails with culprits as PeerIds', async () => {
    const { peers, hubs } = await setup(3)
    const { ProtocolAbortError } = await import('../../src/errors.js')
    const bad: ProtocolSession<number> = {
      participants: [1, 2, 3],
      me: 1,
      poke: () => { throw new ProtocolAbortError('test abort', [2]) },
      message: () => {}
    }
    const id = mintSessionId('07'.repeat(16), 1, peers)
    await expect(hubs[0].run({ id, peers: committeePeers(peers), session: bad })).rejects.toMatchObject({ name: 'SessionFailedError', culprits: [peers[1]] })
  })
})

async function vitestWaitFor (cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
