/**
 * A tiny logging seam for the node services: a sink that receives component,
 * level and text. The default drops everything; the node page and tests pass
 * their own. Messages never contain secrets (shares, presignatures, keys).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogSink = (component: string, level: LogLevel, message: string) => void

export interface NodeLogger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export const silentSink: LogSink = () => {}

export function nodeLogger (sink: LogSink, component: string): NodeLogger {
  return {
    debug: (m) => { sink(component, 'debug', m) },
    info: (m) => { sink(component, 'info', m) },
    warn: (m) => { sink(component, 'warn', m) },
    error: (m) => { sink(component, 'error', m) }
  }
}

/** Short form of a PeerId or hex id for log lines. */
export function short (id: string): string {
  return id.length > 12 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id
}

/** An error as one safe line (name and message; never a stack, never a cause's data). */
export function describeError (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
