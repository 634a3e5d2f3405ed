/** In-process libp2p nodes for the message-layer tests: memory transport, noise, yamux, identify, gossipsub. */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import type { ComponentLogger, Libp2p, Logger } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'

export type TestNode = Libp2p<{ identify: unknown, pubsub: GossipSub }>

export async function createTestNode (): Promise<TestNode> {
  return await createLibp2p({
    addresses: { listen: [`/memory/${crypto.randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({ scoreParams: { IPColocationFactorWeight: 0 }, heartbeatInterval: 100 })
    }
  }) as TestNode
}

/** Connect a → b and wait until identify has run on both sides (so protocol topologies, e.g. gossipsub, fire). */
export async function connect (a: TestNode, b: TestNode): Promise<void> {
  const identified = (node: TestNode, peer: TestNode): Promise<void> => new Promise(resolve => {
    const onIdentify = (evt: CustomEvent<{ peerId: { equals: (o: unknown) => boolean } }>): void => {
      if (evt.detail.peerId.equals(peer.peerId)) {
        node.removeEventListener('peer:identify', onIdentify as any)
        resolve()
      }
    }
    node.addEventListener('peer:identify', onIdentify as any)
  })
  const both = Promise.all([identified(a, b), identified(b, a)])
  await a.dial(b.getMultiaddrs())
  await both
}

/** A ComponentLogger that records every line (format string and arguments) and lets a test wait for one. */
export class CapturingLogger implements ComponentLogger {
  readonly lines: string[] = []
  private readonly waiters: Array<{ match: RegExp, count: number, resolve: () => void }> = []

  forComponent (name: string): Logger {
    const record = (level: string) => (formatter: unknown, ...args: unknown[]): void => {
      this.lines.push(`${level} ${name} ${String(formatter)} ${args.map(a => a instanceof Error ? `${a.name}: ${a.message}` : String(a)).join(' ')}`)
      for (const w of [...this.waiters]) {
        if (this.count(w.match) >= w.count) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve()
        }
      }
    }
    const logger = Object.assign(record('log'), {
      error: record('error'),
      trace: () => {},
      enabled: true,
      newScope: (scope: string) => this.forComponent(`${name}:${scope}`)
    })
    return logger
  }

  count (match: RegExp): number {
    return this.lines.filter(l => match.test(l)).length
  }

  /** Resolves once at least `count` lines match. */
  async waitFor (match: RegExp, count = 1): Promise<void> {
    if (this.count(match) >= count) return
    await new Promise<void>(resolve => this.waiters.push({ match, count, resolve }))
  }
}
