/**
 * Session ids are derived from what every party already agreed on, never taken
 * raw from a client (docs/node-runtime.md §4.5): a request naming the same
 * mint/genesis/presign always maps to the same id, so a node can refuse to run
 * it twice, and a run is bound to its parameters.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

const utf8 = new TextEncoder()

function u32 (n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

/** sha256 over length-prefixed parts (label first), so no two part lists collide. */
function derive (label: string, parts: ReadonlyArray<Uint8Array>): Uint8Array {
  const all = [utf8.encode(label), ...parts]
  const chunks: Uint8Array[] = []
  for (const p of all) chunks.push(u32(p.length), p)
  const total = chunks.reduce((n, c) => n + c.length, 0)
  const buf = new Uint8Array(total)
  let at = 0
  for (const c of chunks) { buf.set(c, at); at += c.length }
  return sha256(buf)
}

function peers (list: readonly string[]): Uint8Array[] {
  return [u32(list.length), ...list.map((p) => utf8.encode(p))]
}

/** sha256("lit/mint/v1" ‖ mintId ‖ degree ‖ committee) */
export function mintSessionId (mintIdHex: string, degree: number, committee: readonly string[]): Uint8Array {
  return derive('lit/mint/v1', [hexToBytes(mintIdHex), u32(degree), ...peers(committee)])
}

/** sha256("lit/genesis/v1" ‖ genesisId ‖ degree ‖ members) */
export function genesisSessionId (genesisIdHex: string, degree: number, members: readonly string[]): Uint8Array {
  return derive('lit/genesis/v1', [hexToBytes(genesisIdHex), u32(degree), ...peers(members)])
}

/** sha256("lit/presign/v1" ‖ tokenId ‖ session ‖ participants) */
export function presignSessionId (tokenIdHex: string, sessionHex: string, participants: readonly string[]): Uint8Array {
  return derive('lit/presign/v1', [hexToBytes(tokenIdHex), hexToBytes(sessionHex), ...peers(participants)])
}

export { bytesToHex, hexToBytes }
