/**
 * Comparison peer: DKLs23 threshold ECDSA from `@silencelaboratories/dkls-wasm-ll-node`
 * (Rust compiled to WASM), with every party in this one process and messages
 * routed in memory, the loop its README describes.
 *
 * Threshold convention: `KeygenSession(n, t, id)` makes a t-of-n key — any t
 * parties sign, t - 1 colluding parties learn nothing (dishonest majority).
 * Our ECDSA has key degree t and needs 2t + 1 signers (honest majority). How
 * the two are paired is `dklsThresholdFor` below and bench/README.md.
 *
 * Phases timed, each for all parties together (one thread, so wall ≈ CPU):
 * - keygen: `KeygenSession` construction through `keyshare()` (5 message rounds);
 * - presign: `SignSession` construction through the third `handleMessages`,
 *   i.e. everything before the message hash is known;
 * - sign: `lastMessage(hash)` and `combine` for every signer.
 * `…PerPartyMs` is the largest single party's share of a phase: what one node
 * would spend if the parties ran on separate machines with a free network.
 *
 * Bytes are message payloads only (no framing, no transport encryption). The
 * chain-code commitments keygen passes out of band (32 bytes each, a broadcast
 * in a real network) are counted as broadcasts.
 */
import type { KeygenSession, Keyshare, Message, SignSession } from '@silencelaboratories/dkls-wasm-ll-node'
import { createRequire } from 'node:module'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { secureRng } from '../../node-core/src/crypto/random.js'
import { ByteCounter, type ByteSummary } from '../lib/bytes.js'
import { median, percentile, round } from '../lib/stats.js'
import { Stopwatch } from '../lib/timing.js'
import { progress } from '../lib/output.js'

type Dkls = typeof import('@silencelaboratories/dkls-wasm-ll-node')

const PACKAGE = '@silencelaboratories/dkls-wasm-ll-node'

let loaded: Dkls | undefined
/** The (2,2) warm-up runs once per process; later calls find the WASM already tiered up. */
let warmedUp = false

/**
 * The package compiles and instantiates its 600 KB WASM module synchronously
 * when first required; load it only when a DKLs benchmark actually runs.
 */
async function loadDkls (): Promise<Dkls> {
  loaded ??= await import('@silencelaboratories/dkls-wasm-ll-node')
  return loaded
}

function packageVersion (): string {
  try {
    const require = createRequire(import.meta.url)
    return (require(`${PACKAGE}/package.json`) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/**
 * How a DKLs threshold is chosen for one of our ECDSA configurations (same n):
 * - 'signers' (default): DKLs threshold = 2t + 1, our signer count. Both sides
 *   then run presign and sign among the same number of parties, so their time
 *   and bytes compare like for like; DKLs tolerates 2t corrupted parties, we t.
 * - 'corruptions': DKLs threshold = t + 1. Both tolerate t corrupted parties;
 *   DKLs then needs only t + 1 signers online where we need 2t + 1.
 */
export type ThresholdPairing = 'signers' | 'corruptions'

/** The DKLs threshold paired with our ECDSA key degree `t` (see `ThresholdPairing`). */
export function dklsThresholdFor (ourDegree: number, pairing: ThresholdPairing = 'signers'): number {
  if (!Number.isInteger(ourDegree) || ourDegree < 1) throw new RangeError(`ourDegree must be an integer >= 1, got ${ourDegree}`)
  return pairing === 'signers' ? 2 * ourDegree + 1 : ourDegree + 1
}

export interface DklsBenchOptions {
  /** DKLs threshold: the number of parties that sign (2 <= t <= n). */
  t: number
  /** Number of parties in keygen. */
  n: number
  /** Measured keygen runs. Default: 3 for n <= 3, 2 for n <= 5, else 1 (n = 10 takes ~45 s a run). */
  keygenRuns?: number
  /** Measured presign + sign runs. Default: 10 for t <= 5, else 5. */
  signRuns?: number
  /**
   * Warm up first (default true): a (2,2) keygen + sign once per process, and one
   * unmeasured presign + sign on each new key, so the WASM has tiered up.
   */
  warmup?: boolean
  /** Party ids that sign (default the first t: 0 … t-1). */
  signers?: number[]
}

/** One signature produced during the benchmark, checked with @noble/curves. */
export interface DklsSample {
  messageHash: string
  r: string
  s: string
  /** secp256k1.verify(r‖s, hash, publicKey, { prehash: false, lowS: false }). */
  verified: boolean
  /** Whether s <= n/2 (DKLs does not normalise s; Ethereum wants low s). */
  lowS: boolean
}

export interface DklsBenchResult {
  peer: string
  protocol: 'DKLs23'
  t: number
  n: number
  signers: number[]
  keygenRuns: number
  signRuns: number
  /** Median wall time of a whole keygen, all n parties in one process. */
  keygenMs: number
  keygenP95Ms: number
  /** Median of the largest single party's keygen compute. */
  keygenPerPartyMs: number
  /** Median wall time of presign (SignSession rounds 1-3), all signers. */
  presignMs: number
  presignP95Ms: number
  presignPerPartyMs: number
  /** Median wall time of lastMessage + combine, all signers. */
  signMs: number
  signP95Ms: number
  signPerPartyMs: number
  /** Mean bytes one party sends in keygen (broadcasts counted once per recipient). */
  bytesPerPartyKeygen: number
  /** Mean bytes one signer sends in presign. */
  bytesPerPartyPresign: number
  /** Mean bytes one signer sends in the sign round (lastMessage). */
  bytesPerPartySign: number
  /** Detailed byte totals of the last keygen and last presign/sign runs. */
  bytes: { keygen: ByteSummary, presign: ByteSummary, sign: ByteSummary }
  /** Size of one serialised Keyshare (what a node would store per key). */
  keyshareBytes: number
  /** Compressed public key of the last keygen, hex. */
  publicKey: string
  /** Every produced signature verified and all signers agreed on it. */
  allSignaturesVerified: boolean
  /** The last signature produced. */
  sample: DklsSample
}

function checkInt (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`)
  }
}

/**
 * Delivers a batch of outgoing messages: a broadcast (no `to_id`) goes to every
 * other id in `ids`, a direct one to its `to_id`. `handleMessages` and `combine`
 * consume (free) the messages they are given, so each recipient gets a clone and
 * the originals are freed here.
 */
function route (out: Message[], ids: readonly number[], bytes: ByteCounter): Map<number, Message[]> {
  const inbox = new Map<number, Message[]>(ids.map((id) => [id, []]))
  for (const m of out) {
    const size = m.payload.length
    if (m.to_id === undefined) {
      bytes.broadcast(m.from_id, ids, size)
      for (const id of ids) if (id !== m.from_id) inbox.get(id)!.push(m.clone())
    } else {
      const box = inbox.get(m.to_id)
      if (box === undefined) throw new Error(`DKLs message from ${m.from_id} to unknown party ${m.to_id}`)
      bytes.direct(m.from_id, m.to_id, size)
      box.push(m.clone())
    }
    m.free()
  }
  return inbox
}

interface KeygenRun { wallMs: number, perPartyMs: number, shares: Uint8Array[], publicKey: Uint8Array, bytes: ByteSummary }

/** One DKLs keygen among parties 0 … n-1, all in this process. README's dkg loop, counted. */
function runKeygen (dkls: Dkls, n: number, t: number): KeygenRun {
  const ids = Array.from({ length: n }, (_, i) => i)
  const bytes = new ByteCounter().register(ids)
  const clock = new Stopwatch<number>()
  const t0 = performance.now()
  const parties: KeygenSession[] = ids.map((i) => clock.time(i, () => new dkls.KeygenSession(n, t, i)))

  // Round 1: every party broadcasts its first message.
  let inbox = route(ids.map((i) => clock.time(i, () => parties[i].createFirstMessage())), ids, bytes)
  // Round 2: handle broadcasts, emit P2P messages; then each party commits to its chain-code share.
  let out = ids.flatMap((i) => clock.time(i, () => parties[i].handleMessages(inbox.get(i)!)))
  const commitments = ids.map((i) => clock.time(i, () => parties[i].calculateChainCodeCommitment()))
  for (const i of ids) bytes.broadcast(i, ids, commitments[i].length)
  inbox = route(out, ids, bytes)
  // Round 3: P2P in, P2P out.
  out = ids.flatMap((i) => clock.time(i, () => parties[i].handleMessages(inbox.get(i)!)))
  inbox = route(out, ids, bytes)
  // Round 4: P2P in with all commitments, last broadcast out.
  out = ids.flatMap((i) => clock.time(i, () => parties[i].handleMessages(inbox.get(i)!, commitments)))
  inbox = route(out, ids, bytes)
  // Round 5: handle the last broadcasts; nothing more is sent.
  for (const i of ids) {
    const rest = clock.time(i, () => parties[i].handleMessages(inbox.get(i)!))
    if (rest.length !== 0) throw new Error(`DKLs keygen: party ${i} sent ${rest.length} unexpected messages after the last round`)
  }
  const keyshares: Keyshare[] = ids.map((i) => clock.time(i, () => parties[i].keyshare()))
  const wallMs = performance.now() - t0

  const publicKey = keyshares[0].publicKey
  for (const k of keyshares) {
    if (bytesToHex(k.publicKey) !== bytesToHex(publicKey)) throw new Error('DKLs keygen: parties disagree on the public key')
  }
  const shares = keyshares.map((k) => {
    const b = k.toBytes()
    k.free()
    return b
  })
  return { wallMs, perPartyMs: clock.max(), shares, publicKey, bytes: bytes.summary() }
}

interface SignRun {
  presignMs: number
  presignPerPartyMs: number
  signMs: number
  signPerPartyMs: number
  presignBytes: ByteSummary
  signBytes: ByteSummary
  sample: DklsSample
  agreed: boolean
}

/** One presign (3 rounds) then sign (lastMessage + combine) among `signers`, fresh random hash. */
function runSign (dkls: Dkls, shares: readonly Uint8Array[], signers: readonly number[], publicKey: Uint8Array): SignRun {
  // Loading the stored key share is storage, not protocol: outside the timing.
  const keyshares = signers.map((i) => dkls.Keyshare.fromBytes(shares[i]))
  const presignBytes = new ByteCounter().register(signers)
  const presignClock = new Stopwatch<number>()

  const t0 = performance.now()
  // SignSession consumes its Keyshare; party ids in messages are the key-share ids.
  const sessions: SignSession[] = signers.map((id, j) => presignClock.time(id, () => new dkls.SignSession(keyshares[j], 'm')))
  let inbox = route(signers.map((id, j) => presignClock.time(id, () => sessions[j].createFirstMessage())), signers, presignBytes)
  for (let round = 2; round <= 3; round++) {
    const out = signers.flatMap((id, j) => presignClock.time(id, () => sessions[j].handleMessages(inbox.get(id)!)))
    inbox = route(out, signers, presignBytes)
  }
  // Round 4 consumes the last P2P batch and leaves each party holding a presignature.
  for (const [j, id] of signers.entries()) {
    const rest = presignClock.time(id, () => sessions[j].handleMessages(inbox.get(id)!))
    if (rest.length !== 0) throw new Error(`DKLs presign: party ${id} sent ${rest.length} unexpected messages`)
  }
  const presignMs = performance.now() - t0

  const messageHash = secureRng(32)
  const signBytes = new ByteCounter().register(signers)
  const signClock = new Stopwatch<number>()
  const t1 = performance.now()
  const last = signers.map((id, j) => signClock.time(id, () => sessions[j].lastMessage(messageHash)))
  const lastInbox = route(last, signers, signBytes)
  const signatures = signers.map((id, j) => signClock.time(id, () => sessions[j].combine(lastInbox.get(id)!) as [Uint8Array, Uint8Array]))
  const signMs = performance.now() - t1

  const [r, s] = signatures[0]
  const agreed = signatures.every(([ri, si]) => bytesToHex(ri) === bytesToHex(r) && bytesToHex(si) === bytesToHex(s))
  const compact = new Uint8Array(64)
  compact.set(r, 0)
  compact.set(s, 32)
  const verified = secp256k1.verify(compact, messageHash, publicKey, { prehash: false, lowS: false })
  const lowS = BigInt('0x' + bytesToHex(s)) <= secp256k1.Point.CURVE().n >> 1n
  return {
    presignMs,
    presignPerPartyMs: presignClock.max(),
    signMs,
    signPerPartyMs: signClock.max(),
    presignBytes: presignBytes.summary(),
    signBytes: signBytes.summary(),
    sample: { messageHash: bytesToHex(messageHash), r: bytesToHex(r), s: bytesToHex(s), verified, lowS },
    agreed
  }
}

function defaultKeygenRuns (n: number): number {
  return n <= 3 ? 3 : n <= 5 ? 2 : 1
}

function defaultSignRuns (t: number): number {
  return t <= 5 ? 10 : 5
}

/**
 * Benchmarks DKLs23 keygen, presign and sign for a t-of-n key, all parties in
 * this process. Async only so the WASM loads lazily; the work itself is
 * synchronous and blocks the event loop for its whole duration.
 */
export async function benchDkls (options: DklsBenchOptions): Promise<DklsBenchResult> {
  const { t, n } = options
  checkInt('n', n, 2)
  checkInt('t', t, 2, n)
  const keygenRuns = options.keygenRuns ?? defaultKeygenRuns(n)
  const signRuns = options.signRuns ?? defaultSignRuns(t)
  checkInt('keygenRuns', keygenRuns, 1)
  checkInt('signRuns', signRuns, 1)
  const signers = options.signers ?? Array.from({ length: t }, (_, i) => i)
  if (signers.length !== t || new Set(signers).size !== t || signers.some((id) => !Number.isInteger(id) || id < 0 || id >= n)) {
    throw new RangeError(`signers must be ${t} distinct party ids in [0, ${n - 1}], got [${signers.join(', ')}]`)
  }

  const dkls = await loadDkls()
  const warmup = options.warmup ?? true
  if (warmup && !warmedUp) {
    progress('dkls: warm-up (2,2) keygen + sign')
    const w = runKeygen(dkls, 2, 2)
    runSign(dkls, w.shares, [0, 1], w.publicKey)
    warmedUp = true
  }

  const keygens: KeygenRun[] = []
  for (let run = 0; run < keygenRuns; run++) {
    progress(`dkls (${t},${n}): keygen ${run + 1}/${keygenRuns}`)
    const k = runKeygen(dkls, n, t)
    progress(`dkls (${t},${n}): keygen ${run + 1}/${keygenRuns} took ${k.wallMs.toFixed(0)} ms`)
    keygens.push(k)
  }
  const key = keygens[keygens.length - 1]

  // One unmeasured presign + sign on this key first (first use of the new shares).
  if (warmup) runSign(dkls, key.shares, signers, key.publicKey)
  progress(`dkls (${t},${n}): ${signRuns} presign + sign runs`)
  const signs: SignRun[] = []
  for (let run = 0; run < signRuns; run++) signs.push(runSign(dkls, key.shares, signers, key.publicKey))
  const lastSign = signs[signs.length - 1]

  const col = <T>(rows: T[], f: (row: T) => number): number[] => rows.map(f)
  const ms = (x: number): number => round(x, 2)
  return {
    peer: `${PACKAGE}@${packageVersion()}`,
    protocol: 'DKLs23',
    t,
    n,
    signers: [...signers],
    keygenRuns,
    signRuns,
    keygenMs: ms(median(col(keygens, (k) => k.wallMs))),
    keygenP95Ms: ms(percentile(col(keygens, (k) => k.wallMs), 95)),
    keygenPerPartyMs: ms(median(col(keygens, (k) => k.perPartyMs))),
    presignMs: ms(median(col(signs, (s) => s.presignMs))),
    presignP95Ms: ms(percentile(col(signs, (s) => s.presignMs), 95)),
    presignPerPartyMs: ms(median(col(signs, (s) => s.presignPerPartyMs))),
    signMs: ms(median(col(signs, (s) => s.signMs))),
    signP95Ms: ms(percentile(col(signs, (s) => s.signMs), 95)),
    signPerPartyMs: ms(median(col(signs, (s) => s.signPerPartyMs))),
    bytesPerPartyKeygen: key.bytes.meanSentPerParty,
    bytesPerPartyPresign: lastSign.presignBytes.meanSentPerParty,
    bytesPerPartySign: lastSign.signBytes.meanSentPerParty,
    bytes: { keygen: key.bytes, presign: lastSign.presignBytes, sign: lastSign.signBytes },
    keyshareBytes: key.shares[0].length,
    publicKey: bytesToHex(key.publicKey),
    allSignaturesVerified: signs.every((s) => s.sample.verified && s.agreed),
    sample: lastSign.sample
  }
}
