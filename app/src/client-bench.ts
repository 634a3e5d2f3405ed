/**
 * Loops over the client SDK run inside the dashboard page for bench:network
 * (through the test hook, test builds only): timing in the page keeps the
 * Playwright round trip out of the numbers. Every signature and plaintext is
 * checked, outside the timed span.
 */
import { getAddress, hexToBytes, isAddressEqual, keccak256, recoverAddress, toHex, type Hex } from 'viem'
import type { DashboardClient, MintedPkp, NetworkInfo, PkpSummary } from './client-api.js'
import type { AccessControlConditions } from '../../node-core/src/browser.js'

export interface SignBenchResult {
  /** Wall time of each pkpSign, in completion order (ms). */
  latenciesMs: number[]
  failures: string[]
  /** Signatures that did not recover to the PKP's address (must be 0). */
  badSignatures: number
  seconds: number
}

export interface DecryptBenchResult {
  latenciesMs: number[]
  failures: string[]
  /** Plaintexts that differ from what was encrypted (must be 0). */
  wrongPlaintexts: number
  /** How often each node was named in a successful decrypt's faults, by fault code. */
  faults: Record<string, number>
}

export interface RegistryBenchResult {
  /** Wall time of each operation (read, sign, a quorum of countersignatures, submit to every node), in order (ms). */
  latenciesMs: number[]
  /** The operations, in order ('addPermittedAddress' / 'removePermittedAddress'). */
  kinds: string[]
  failures: string[]
  /** Results whose nonce or permissions were not what the operation should give (must be 0). */
  wrongResults: number
  /** The PKP's certified operations afterwards (the mint included). */
  finalNonce: number
}

export class ClientBench {
  constructor (private readonly client: DashboardClient) {}

  async networkInfo (): Promise<NetworkInfo> {
    return await this.client.getNetworkInfo()
  }

  async listPkps (): Promise<PkpSummary[]> {
    return await this.client.listPkps()
  }

  /**
   * Mint in two timed steps: the DKG (`ms`, mintPkp without certification: what a
   * mint was before the registry) and then certifying the mint in the registry
   * (`certifyMs`: the minter signs, a quorum countersigns, every node gets it).
   */
  async mint (): Promise<{ ms: number, certifyMs: number, certified: boolean, pkp: MintedPkp }> {
    const t0 = performance.now()
    const pkp = await this.client.mintPkp({ signal: AbortSignal.timeout(120_000), certify: false })
    const t1 = performance.now()
    const certified = await this.client.certifyMint({ pubKey: pkp.publicKey, signal: AbortSignal.timeout(60_000) }).then(() => true, () => false)
    return { ms: t1 - t0, certifyMs: performance.now() - t1, certified, pkp }
  }

  /**
   * `count` signatures (or until `durationMs` passed), `concurrency` in flight,
   * each over a distinct random 32-byte hash.
   */
  async sign (pkp: { publicKey: string, ethAddress: string }, opts: { count: number, concurrency: number, durationMs?: number }): Promise<SignBenchResult> {
    const out: SignBenchResult = { latenciesMs: [], failures: [], badSignatures: 0, seconds: 0 }
    const toCheck: Array<{ hash: Hex, signature: Hex }> = []
    const deadline = opts.durationMs == null ? Infinity : performance.now() + opts.durationMs
    let started = 0
    const t0 = performance.now()
    await Promise.all(Array.from({ length: opts.concurrency }, async () => {
      while (started < opts.count && performance.now() < deadline) {
        started++
        const hash = keccak256(crypto.getRandomValues(new Uint8Array(32)))
        const t = performance.now()
        try {
          const sig = await this.client.pkpSign({ pubKey: pkp.publicKey, toSign: hexToBytes(hash), signal: AbortSignal.timeout(30_000) })
          out.latenciesMs.push(performance.now() - t)
          toCheck.push({ hash, signature: sig.signature })
        } catch (err) {
          out.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
        }
      }
    }))
    out.seconds = (performance.now() - t0) / 1000
    for (const { hash, signature } of toCheck) {
      if (!isAddressEqual(await recoverAddress({ hash, signature }), pkp.ethAddress as Hex)) out.badSignatures++
    }
    return out
  }

  /**
   * Encrypt one text to the network key under `anyone`, then decrypt it `count` times in
   * sequence; with `fresh`, encrypt a new text before each decrypt (outside the timed span),
   * so no node or client has seen its identity before.
   */
  async decrypt (opts: { count: number, fresh?: boolean }): Promise<DecryptBenchResult> {
    const conditions: AccessControlConditions = [{ conditionType: 'anyone' }]
    const seal = async (): Promise<{ text: string, sealed: Awaited<ReturnType<DashboardClient['encrypt']>> }> => {
      const text = `bench ${toHex(crypto.getRandomValues(new Uint8Array(8)))}`
      return { text, sealed: await this.client.encrypt({ accessControlConditions: conditions, dataToEncrypt: text }) }
    }
    let { text, sealed } = await seal()
    const out: DecryptBenchResult = { latenciesMs: [], failures: [], wrongPlaintexts: 0, faults: {} }
    for (let i = 0; i < opts.count; i++) {
      if (opts.fresh === true && i > 0) ({ text, sealed } = await seal())
      const t = performance.now()
      try {
        const res = await this.client.decrypt({ ...sealed, accessControlConditions: conditions, signal: AbortSignal.timeout(30_000) })
        out.latenciesMs.push(performance.now() - t)
        if (new TextDecoder().decode(res.decryptedData) !== text) out.wrongPlaintexts++
        for (const f of res.faults) {
          const key = `${f.node.slice(-8)} ${f.code ?? '?'}`
          out.faults[key] = (out.faults[key] ?? 0) + 1
        }
      } catch (err) {
        out.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
      }
    }
    return out
  }

  /**
   * bench:registry: `count` registry operations in sequence on one PKP the
   * dashboard's account owns, alternating addPermittedAddress and
   * removePermittedAddress of a fresh random address. Each result is checked
   * (nonce = previous + 1, the address present or gone), outside the timed span.
   */
  async registry (pkp: { publicKey: string }, opts: { count: number }): Promise<RegistryBenchResult> {
    const out: RegistryBenchResult = { latenciesMs: [], kinds: [], failures: [], wrongResults: 0, finalNonce: 0 }
    let nonce = (await this.client.getPkpRegistryEntry({ pubKey: pkp.publicKey }))?.nonce ?? 0
    let address = ''
    for (let i = 0; i < opts.count; i++) {
      const add = i % 2 === 0
      if (add) address = getAddress(toHex(crypto.getRandomValues(new Uint8Array(20))))
      const call = { pubKey: pkp.publicKey, address, signal: AbortSignal.timeout(30_000) }
      const t = performance.now()
      try {
        const res = add ? await this.client.addPermittedAddress(call) : await this.client.removePermittedAddress(call)
        out.latenciesMs.push(performance.now() - t)
        out.kinds.push(res.kind)
        if (res.nonce !== nonce || res.permissions.permittedAddresses.includes(address) !== add) out.wrongResults++
        nonce = res.nonce + 1
      } catch (err) {
        out.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
        // the next one starts from what the registry says now
        nonce = (await this.client.getPkpRegistryEntry({ pubKey: pkp.publicKey }).catch(() => undefined))?.nonce ?? nonce
      }
    }
    out.finalNonce = (await this.client.getPkpRegistryEntry({ pubKey: pkp.publicKey }))?.nonce ?? 0
    return out
  }

  /** `count` registry reads with nothing new (each: registry/state from every online member, certificates only when one is ahead). */
  async registryRead (pkp: { publicKey: string }, opts: { count: number }): Promise<{ latenciesMs: number[], failures: string[] }> {
    const out = { latenciesMs: [] as number[], failures: [] as string[] }
    for (let i = 0; i < opts.count; i++) {
      const t = performance.now()
      try {
        if ((await this.client.getPkpRegistryEntry({ pubKey: pkp.publicKey })) === undefined) throw new Error('no registry entry')
        out.latenciesMs.push(performance.now() - t)
      } catch (err) {
        out.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
      }
    }
    return out
  }

  /** Store action code on the given nodes only (a test of fetching from peers). */
  async uploadAction (code: string, to?: string[]): Promise<{ ipfsId: string, storedOn: string[] }> {
    const res = await this.client.uploadAction(code, { ...(to !== undefined ? { to } : {}), signal: AbortSignal.timeout(20_000) })
    return { ipfsId: res.ipfsId, storedOn: res.storedOn }
  }

  /**
   * One executeJs, summarised for a test or a benchmark: the response, each node's
   * outcome and code source, and per sigName whether the signature recovers to `address`.
   */
  async executeJs (req: { ipfsId?: string, code?: string, jsParams?: Record<string, unknown> }, address?: string): Promise<ActionRunSummary> {
    const t = performance.now()
    try {
      const res = await this.client.executeJs({ ...req, ...(req.jsParams !== undefined ? { jsParams: req.jsParams } : {}) })
      const ms = performance.now() - t
      const recovered: Record<string, boolean> = {}
      for (const sig of Object.values(res.signatures)) {
        recovered[sig.sigName] = address !== undefined && isAddressEqual(await recoverAddress({ hash: sig.dataSigned as Hex, signature: sig.signature }), address as Hex)
      }
      return {
        ok: true,
        ms,
        response: res.responseRaw ?? null,
        nodes: res.nodes.map((n) => ({ nodeId: n.nodeId, outcome: n.outcome.kind === 'ok' ? 'ok' : `${n.outcome.code ?? ''}/${n.outcome.limit ?? ''}`, codeSource: n.codeSource, runMs: n.runMs, ms: n.ms, logs: n.logs })),
        signatures: recovered,
        faults: res.faults.map((f) => `${f.kind}:${f.node}`)
      }
    } catch (err) {
      const e = err as { name?: string, code?: string, message?: string, limit?: string, answers?: Array<{ nodeId: string, runMs: number, outcome: { code?: string, limit?: string } }> }
      return {
        ok: false,
        ms: performance.now() - t,
        error: { name: e.name ?? 'Error', code: e.code ?? '', message: e.message ?? String(err), limit: e.limit ?? '' },
        nodes: (e.answers ?? []).map((a) => ({ nodeId: a.nodeId, runMs: a.runMs, outcome: `${a.outcome.code ?? ''}/${a.outcome.limit ?? ''}` }))
      }
    }
  }

  /** `count` executeJs runs of one action, timed in the page (bench:actions). */
  async executeJsLoop (req: { ipfsId: string, jsParams: Record<string, unknown>, runners?: 'all' | 'signers' }, opts: { count: number, toSign: 'fresh' | 'fixed' }): Promise<{ latenciesMs: number[], failures: string[] }> {
    const out = { latenciesMs: [] as number[], failures: [] as string[] }
    for (let i = 0; i < opts.count; i++) {
      const jsParams = opts.toSign === 'fresh' ? { ...req.jsParams, toSign: Array.from(hexToBytes(keccak256(toHex(crypto.getRandomValues(new Uint8Array(32)))))) } : req.jsParams
      const t = performance.now()
      try {
        const res = await this.client.executeJs({ ipfsId: req.ipfsId, jsParams, ...(req.runners !== undefined ? { runners: req.runners } : {}) })
        out.latenciesMs.push(performance.now() - t)
        if (Object.keys(res.signatures).length === 0 && jsParams.sigName !== undefined) out.failures.push(`no signature: ${res.faults.map((f) => f.reason).join('; ')}`)
      } catch (err) {
        out.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
      }
    }
    return out
  }
}

export type ActionRunSummary =
  | { ok: true, ms: number, response: string | null, nodes: Array<{ nodeId: string, outcome: string, codeSource: string, runMs: number, ms: number, logs: string }>, signatures: Record<string, boolean>, faults: string[] }
  | { ok: false, ms: number, error: { name: string, code: string, message: string, limit: string }, nodes: Array<{ nodeId: string, runMs: number, outcome: string }> }
