/**
 * Counting the bytes a protocol sends, per party.
 *
 * Our nodes talk over point-to-point libp2p streams, so a broadcast to k
 * recipients costs k copies on the wire. The counter therefore keeps two sums
 * per sender: `sent` (every copy, what the links carry) and `payload` (each
 * distinct message once, what the party had to produce). Only message bodies
 * are counted — no framing, encryption or transport headers — so numbers from
 * different protocols compare like for like.
 */

/** Per-sender totals. */
export interface PartyBytes {
  /** Bytes on the wire: broadcasts counted once per recipient. */
  sent: number
  /** Distinct message bytes: broadcasts counted once. */
  payload: number
  /** Bytes this party received (sum of copies addressed to it). */
  received: number
  /** Messages sent (a broadcast counts once). */
  messages: number
}

export interface ByteSummary {
  /** Sum of `sent` over all parties. */
  totalSent: number
  /** Largest `sent` of one party. */
  maxSentPerParty: number
  /** Mean `sent` over the parties that were counted. */
  meanSentPerParty: number
  /** Mean `payload` over the parties that were counted. */
  meanPayloadPerParty: number
  /** Messages sent in all (a broadcast counts once). */
  messages: number
  /** Totals per party id. */
  perParty: Record<string, PartyBytes>
}

/** Byte length of a message body. */
export function byteLength (body: ArrayBufferView | ArrayBuffer | string): number {
  if (typeof body === 'string') return new TextEncoder().encode(body).length
  return body.byteLength
}

export class ByteCounter {
  private readonly parties = new Map<number, PartyBytes>()

  private party (id: number): PartyBytes {
    let p = this.parties.get(id)
    if (p === undefined) {
      p = { sent: 0, payload: 0, received: 0, messages: 0 }
      this.parties.set(id, p)
    }
    return p
  }

  /** Makes `ids` appear in the summary even if they send nothing. */
  register (ids: Iterable<number>): this {
    for (const id of ids) this.party(id)
    return this
  }

  /** A message of `bytes` from `from` to one party. */
  direct (from: number, to: number, bytes: number): void {
    const p = this.party(from)
    p.sent += bytes
    p.payload += bytes
    p.messages += 1
    this.party(to).received += bytes
  }

  /** A message of `bytes` from `from` to each of `recipients` (the sender is skipped if listed). */
  broadcast (from: number, recipients: Iterable<number>, bytes: number): void {
    const p = this.party(from)
    p.payload += bytes
    p.messages += 1
    for (const to of recipients) {
      if (to === from) continue
      p.sent += bytes
      this.party(to).received += bytes
    }
  }

  /** Totals for one party (zeros if it never appeared). */
  of (id: number): PartyBytes {
    return { ...(this.parties.get(id) ?? { sent: 0, payload: 0, received: 0, messages: 0 }) }
  }

  summary (): ByteSummary {
    const all = [...this.parties.entries()].sort(([a], [b]) => a - b)
    const count = Math.max(1, all.length)
    let totalSent = 0
    let totalPayload = 0
    let maxSent = 0
    let messages = 0
    const perParty: Record<string, PartyBytes> = {}
    for (const [id, p] of all) {
      totalSent += p.sent
      totalPayload += p.payload
      maxSent = Math.max(maxSent, p.sent)
      messages += p.messages
      perParty[String(id)] = { ...p }
    }
    return {
      totalSent,
      maxSentPerParty: maxSent,
      meanSentPerParty: Math.round(totalSent / count),
      meanPayloadPerParty: Math.round(totalPayload / count),
      messages,
      perParty
    }
  }
}

/** A fresh counter, optionally pre-registering party ids. */
export function countingBytes (parties: Iterable<number> = []): ByteCounter {
  return new ByteCounter().register(parties)
}

/**
 * Wraps a point-to-point send function so every call is counted for `from`.
 * `to === undefined` means a broadcast to `everyone`.
 */
export function countingSend<M extends ArrayBufferView | string, R> (
  counter: ByteCounter,
  from: number,
  everyone: readonly number[],
  send: (to: number | undefined, body: M) => R
): (to: number | undefined, body: M) => R {
  return (to, body) => {
    const n = byteLength(body)
    if (to === undefined) counter.broadcast(from, everyone, n)
    else counter.direct(from, to, n)
    return send(to, body)
  }
}
