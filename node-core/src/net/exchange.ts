/**
 * Request/response on a given connection (the RTT of a specific link, not of
 * "some connection to the peer"): {@link exchange} is one exchange on a fresh
 * stream (echo benches); {@link ProbeStream} is a long-lived stream for the
 * mesh's periodic link probes.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { LitError } from '../errors.js'

export class ExchangeError extends LitError {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_EXCHANGE', options)
  }
}

export interface ExchangeOptions {
  signal: AbortSignal
  /** Allow relayed (limited) connections. */
  runOnLimitedConnection?: boolean
}

/** Returns the response bytes and the wall time of the whole exchange in ms (stream open included). */
export async function exchange (
  connection: Connection, protocol: string, payload: Uint8Array, expectedBytes: number, options: ExchangeOptions
): Promise<{ response: Uint8Array, ms: number }> {
  const start = performance.now()
  const stream = await connection.newStream(protocol, {
    signal: options.signal,
    runOnLimitedConnection: options.runOnLimitedConnection ?? true
  })
  try {
    const response = new Uint8Array(expectedBytes)
    let got = 0
    const done = new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => { reject(new ExchangeError('exchange timed out')) }
      options.signal.addEventListener('abort', onAbort, { once: true })
      stream.addEventListener('message', (evt) => {
        const chunk = evt.data instanceof Uint8Array ? evt.data : evt.data.subarray()
        const take = Math.min(chunk.byteLength, expectedBytes - got)
        response.set(chunk.subarray(0, take), got)
        got += take
        if (got >= expectedBytes) {
          options.signal.removeEventListener('abort', onAbort)
          resolve(response)
        }
      })
      stream.addEventListener('close', () => {
        if (got < expectedBytes) reject(new ExchangeError(`stream closed after ${got} of ${expectedBytes} bytes`))
      })
    })
    stream.send(payload)
    await done
    const ms = performance.now() - start
    await stream.close({ signal: options.signal }).catch(() => { stream.abort(new ExchangeError('close failed')) })
    return { response, ms }
  } catch (err) {
    stream.abort(err instanceof Error ? err : new ExchangeError('exchange failed'))
    throw err instanceof ExchangeError ? err : new ExchangeError('exchange failed', { cause: err })
  }
}

/**
 * A long-lived echo stream on one connection, for repeated round-trip probes.
 * On WebRTC every new stream is a new SCTP data channel (open, protocol
 * negotiation, reset on close: a dozen packets and IPC hops for 64 bytes of
 * payload); one stream per link keeps a probe at two small messages.
 * Probes are sequential: call {@link roundTrip} again only after it settled.
 */
export class ProbeStream {
  private readonly pending: Uint8Array[] = []
  private buffered = 0
  private waiter: (() => void) | null = null
  private closedReason: Error | null = null

  private constructor (private readonly stream: Stream) {
    stream.addEventListener('message', (evt) => {
      const chunk = evt.data instanceof Uint8Array ? evt.data : evt.data.subarray()
      this.pending.push(chunk)
      this.buffered += chunk.byteLength
      this.waiter?.()
    })
    stream.addEventListener('close', (evt) => {
      this.closedReason = evt.error ?? new ExchangeError('probe stream closed')
      this.waiter?.()
    })
  }

  /** Open the stream (`protocol` must echo every byte it reads, e.g. the echo protocol). */
  static async open (connection: Connection, protocol: string, options: ExchangeOptions): Promise<ProbeStream> {
    const stream = await connection.newStream(protocol, {
      signal: options.signal,
      runOnLimitedConnection: options.runOnLimitedConnection ?? true
    })
    return new ProbeStream(stream)
  }

  get isOpen (): boolean {
    return this.closedReason == null && this.stream.status === 'open'
  }

  /** Send `payload`, wait for the same bytes back; resolves with the round trip in ms. */
  async roundTrip (payload: Uint8Array, signal: AbortSignal): Promise<number> {
    if (this.closedReason != null) throw new ExchangeError('probe stream closed', { cause: this.closedReason })
    const start = performance.now()
    if (!this.stream.send(payload)) await this.stream.onDrain({ signal })
    const response = await this.read(payload.byteLength, signal)
    const ms = performance.now() - start
    for (let i = 0; i < payload.byteLength; i++) {
      if (response[i] !== payload[i]) throw new ExchangeError('probe answered with different bytes')
    }
    return ms
  }

  /** Close the stream; never throws. */
  close (): void {
    this.closedReason ??= new ExchangeError('probe stream closed locally')
    this.stream.close({ signal: AbortSignal.timeout(5_000) }).catch(() => { this.stream.abort(new ExchangeError('close failed')) })
  }

  private async read (n: number, signal: AbortSignal): Promise<Uint8Array> {
    while (this.buffered < n) {
      if (this.closedReason != null) throw new ExchangeError('probe stream closed', { cause: this.closedReason })
      signal.throwIfAborted()
      await new Promise<void>((resolve) => {
        const done = (): void => { this.waiter = null; signal.removeEventListener('abort', done); resolve() }
        this.waiter = done
        signal.addEventListener('abort', done, { once: true })
      })
    }
    const out = new Uint8Array(n)
    let got = 0
    while (got < n) {
      const head = this.pending[0]
      const take = Math.min(head.byteLength, n - got)
      out.set(head.subarray(0, take), got)
      got += take
      if (take === head.byteLength) this.pending.shift()
      else this.pending[0] = head.subarray(take)
    }
    this.buffered -= n
    return out
  }
}
