/**
 * One request/response exchange on a fresh stream of a given connection: send
 * `payload`, close our write side, read exactly `expectedBytes`. Used for pings
 * (RTT of a specific link, not "some connection to the peer") and echo benches.
 */
import type { Connection } from '@libp2p/interface'
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
