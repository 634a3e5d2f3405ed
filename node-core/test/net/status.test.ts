import { describe, expect, it } from 'vitest'
import { backoffDelay, PEER_BACKOFF, STATUS_TTL_MS } from '../../src/net/config.js'
import { webRtcAddrOf } from '../../src/net/mesh.js'
import {
  buildMeshView, classifyLink, decodeStatus, encodeStatus, liveStatuses, type PeerStatus, type ReceivedStatus
} from '../../src/net/status.js'

const status = (over: Partial<PeerStatus> = {}): PeerStatus => ({ v: 1, role: 'node', addrs: [], links: [], leaving: false, ...over })
const received = (from: string, over: Partial<PeerStatus> = {}, receivedAt = 1_000): ReceivedStatus => ({ from, status: status(over), receivedAt })
const bytes = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x))

describe('status codec', () => {
  it('round-trips', () => {
    const s = status({ addrs: ['/ip4/1.2.3.4/tcp/1/ws'], links: [{ peer: 'B', kind: 'direct', rttMs: 1.5 }, { peer: 'C', kind: 'relayed', rttMs: null }] })
    expect(decodeStatus(encodeStatus(s))).toEqual(s)
  })

  it.each([
    ['unknown version', { ...status(), v: 2 }],
    ['unknown role', { ...status(), role: 'relay' }],
    ['unknown field', { ...status(), from: 'someone-else' }],
    ['missing field', { v: 1, role: 'node', addrs: [], links: [] }],
    ['bad link kind', status({ links: [{ peer: 'B', kind: 'carrier-pigeon', rttMs: 1 } as never] })],
    ['negative rtt', status({ links: [{ peer: 'B', kind: 'direct', rttMs: -1 }] })],
    ['extra link field', status({ links: [{ peer: 'B', kind: 'direct', rttMs: 1, x: 1 } as never] })],
    ['non-string addr', { ...status(), addrs: [1] }],
    ['array body', [1, 2]]
  ])('refuses %s', (_name, body) => {
    expect(() => decodeStatus(bytes(body))).toThrowError(expect.objectContaining({ name: 'MalformedMessageError', code: 'ERR_MALFORMED_MESSAGE' }))
  })

  it('refuses oversize input and invalid UTF-8', () => {
    expect(() => decodeStatus(new Uint8Array(20_000).fill(32))).toThrow(/too large/)
    expect(() => decodeStatus(new Uint8Array([0xff, 0xfe]))).toThrow(/UTF-8/)
  })
})

describe('classifyLink', () => {
  it('counts /webrtc as direct only once ICE is connected', () => {
    const addr = '/ip4/127.0.0.1/tcp/1/ws/p2p/R/p2p-circuit/webrtc/p2p/B'
    expect(classifyLink(addr, 'connected')).toBe('direct')
    expect(classifyLink(addr, 'connecting')).toBeNull()
    expect(classifyLink(addr, undefined)).toBeNull()
  })
  it('sees circuit connections as relayed and ignores others', () => {
    expect(classifyLink('/ip4/127.0.0.1/tcp/1/ws/p2p/R/p2p-circuit/p2p/B', undefined)).toBe('relayed')
    expect(classifyLink('/ip4/127.0.0.1/tcp/1/ws/p2p/R', undefined)).toBeNull()
  })
})

describe('buildMeshView', () => {
  it('merges both ends of an edge: direct wins, smaller RTT wins', () => {
    const view = buildMeshView([
      received('A', { links: [{ peer: 'B', kind: 'relayed', rttMs: 9 }] }),
      received('B', { links: [{ peer: 'A', kind: 'direct', rttMs: 2 }] })
    ], 1_000)
    expect(view.edges).toEqual([{ a: 'A', b: 'B', kind: 'direct', rttMs: 2 }])
    expect(view.fullMesh).toBe(true)
  })

  it('leaves out clients, stale and leaving peers, and edges to unknown peers', () => {
    const now = 1_000 + STATUS_TTL_MS + 1
    const view = buildMeshView([
      received('A', { links: [{ peer: 'B', kind: 'direct', rttMs: 1 }, { peer: 'Z', kind: 'direct', rttMs: 1 }, { peer: 'D', kind: 'direct', rttMs: 1 }] }, now),
      received('B', {}, 1_000),
      received('C', { role: 'client' }, now),
      received('D', { leaving: true }, now)
    ], now)
    expect(view.nodes.map(n => n.peerId)).toEqual(['A'])
    expect(view.edges).toEqual([])
    expect(liveStatuses([received('B', {}, 1_000)], now)).toEqual([])
  })

  it('reports a missing pair as not a full mesh', () => {
    const view = buildMeshView([
      received('A', { links: [{ peer: 'B', kind: 'direct', rttMs: 1 }] }),
      received('B', { links: [{ peer: 'A', kind: 'direct', rttMs: 1 }] }),
      received('C', { links: [{ peer: 'A', kind: 'relayed', rttMs: null }] })
    ], 1_000)
    expect(view.fullMesh).toBe(false)
    expect(view.nodes.find(n => n.peerId === 'A')?.directLinks).toBe(1)
  })
})

describe('webRtcAddrOf', () => {
  const circuit = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc'
  it('takes the signer\'s own /p2p-circuit/webrtc address, appending its id if needed', () => {
    expect(webRtcAddrOf(received('12D3KooWA', { addrs: ['/ip4/127.0.0.1/tcp/9090/ws', `${circuit}/p2p/12D3KooWA`] }))).toBe(`${circuit}/p2p/12D3KooWA`)
  })
  it('refuses an address that points at another peer', () => {
    expect(webRtcAddrOf(received('12D3KooWA', { addrs: [`${circuit}/p2p/12D3KooWB`] }))).toBeNull()
  })
})

describe('backoffDelay', () => {
  it('grows geometrically up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 50].map(a => backoffDelay(PEER_BACKOFF, a))
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000])
    expect(backoffDelay(PEER_BACKOFF, -1)).toBe(1_000)
  })
})
