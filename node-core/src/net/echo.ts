/**
 * A tiny echo protocol: the responder sends back what it reads until the
 * requester closes its write side. Used by bench:net for request round trips and
 * throughput between two tabs; a stream is capped at {@link ECHO_MAX_BYTES}.
 */
import type { Connection, Startable, Stream } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'
import { exchange } from './exchange.js'

export const ECHO_PROTOCOL = '/lit-testnet/echo/1.0.0'
/** Most bytes one echo stream may carry (a bench ping-pongs 1,000 small messages on one stream). */
export const ECHO_MAX_BYTES = 1 << 20

export interface Echo {
  /** One echo exchange on `connection`; resolves with the round-trip time in ms. */
  echo (connection: Connection, payload: Uint8Array, signal: AbortSignal): Promise<number>
}

export interface EchoComponents {
  registrar: Registrar
}

class EchoService implements Echo, Startable {
  constructor (private readonly components: EchoComponents) {}

  async start (): Promise<void> {
    await this.components.registrar.handle(ECHO_PROTOCOL, (stream) => { void this.respond(stream) }, {
      maxInboundStreams: 256,
      maxOutboundStreams: 256,
      runOnLimitedConnection: true
    })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(ECHO_PROTOCOL)
  }

  private async respond (stream: Stream): Promise<void> {
    let seen = 0
    try {
      for await (const chunk of stream) {
        seen += chunk.byteLength
        if (seen > ECHO_MAX_BYTES) throw new Error('echo request too large')
        if (!stream.send(chunk)) await stream.onDrain({ signal: AbortSignal.timeout(5_000) })
      }
      await stream.close({ signal: AbortSignal.timeout(5_000) })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error('echo failed'))
    }
  }

  async echo (connection: Connection, payload: Uint8Array, signal: AbortSignal): Promise<number> {
    const { response, ms } = await exchange(connection, ECHO_PROTOCOL, payload, payload.byteLength, { signal })
    if (!equalBytes(response, payload)) throw new Error('echo returned different bytes')
    return ms
  }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

export function echo (): (components: EchoComponents) => Echo {
  return (components) => new EchoService(components)
}
