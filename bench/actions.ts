/**
 * bench:actions — Lit Action execution over real tabs (docs/actions.md §9.3).
 * Prints ONE JSON object on stdout (progress on stderr). On 5 headless node tabs
 * plus the dashboard as the client, on a fresh relay:
 *  - cold: the first run of an action on tabs that just started (their sandbox
 *    workers compile QuickJS on first use), its code on one node only, so the
 *    others fetch it over bitswap; then a second new CID on warm sandboxes;
 *  - warm: executeJs latency p50/p95/p99 of `--runs` runs of a cached action with
 *    one signEcdsa (a fresh hash each run; presignature bound by the client from
 *    its leases), after `--warmup`, run by the binding's signers (the default) and
 *    then by every node (runners 'all'); plus each node's run time as it reports it;
 *  - sandbox start cost in this Node process (same runner, same QuickJS build):
 *    module load, and one fresh runtime + context running setResponse;
 *  - the floor, in the same run: bare stream round trips dashboard → node, and
 *    pkpSign latency on the same PKP.
 * Every signature is checked in the page (recoverAddress = the PKP's address).
 *   tsx bench/actions.ts [--nodes 5] [--runs 200] [--warmup 20] [--signs 50]
 */
import { loadavg } from 'node:os'
import { chromium } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PERMISSIONS, freePort, runDir, startRelayProc, startWebProc, type RelayProc } from '../e2e/harness.js'
import { loadQuickJSModule } from '../node-core/src/actions/sandbox/quickjs-module.js'
import { runAction } from '../node-core/src/actions/sandbox/quickjs-runner.js'
import { DEFAULT_ACTION_LIMITS } from '../node-core/src/actions/limits.js'
import { echoFloor, openBenchTestnet, poolSettled } from './lib/tabs.js'
import { measureIframeSandbox } from './lib/iframe-sandbox.js'
import { arg, latencyStats } from './lib/cli.js'
import { machineInfo, printJson, progress, round } from './lib/index.js'

const NODES = Number(arg('nodes', '5'))
const RUNS = Number(arg('runs', '200'))
const WARMUP = Number(arg('warmup', '20'))
const SIGNS = Number(arg('signs', '50'))
const ECHO_REQUESTS = 300
const READY_DEADLINE_MS = 240_000
/** The pool counts as full once its level has not changed for this long. */
const POOL_QUIET_MS = 3_000
/** Runs per warm batch: at most half the pool (16 per allocator × 5 allocators). */
const BATCH = Number(arg('batch', '20'))

const SIGN_CODE = `await Lit.Actions.signEcdsa({ toSign, publicKey, sigName })
Lit.Actions.setResponse({ response: 'ok' })`

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The sandbox's own cost, in this process: module load and a fresh runtime + context per run. */
async function sandboxInNode (): Promise<Record<string, unknown>> {
  const t0 = performance.now()
  const module = await loadQuickJSModule()
  const loadMs = performance.now() - t0
  const host = { call: async () => 'success' }
  const input = { code: 'Lit.Actions.setResponse({ response: "ok" })', jsParams: {}, auth: { actionIpfsIds: ['QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX'] }, limits: DEFAULT_ACTION_LIMITS }
  const runs: number[] = []
  for (let i = 0; i < 220; i++) {
    const t = performance.now()
    const r = await runAction(module, input, host)
    if (r.outcome.kind !== 'ok') throw new Error(`sandbox run failed: ${r.outcome.message}`)
    if (i >= 20) runs.push(performance.now() - t)
  }
  const loop: number[] = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    await runAction(module, { ...input, code: 'let x = 0; for (let i = 0; i < 1e6; i++) x += i; Lit.Actions.setResponse({ response: String(x) })' }, host)
    loop.push(performance.now() - t)
  }
  // How long after the wall limit each kind of endless action is stopped (limit 300 ms).
  const stopAfterLimitMs: Record<string, number> = {}
  for (const [name, code] of [['sync', 'while (true) {}'], ['microtask', '(async () => { for (;;) await null })()'], ['timers', 'function a () { setTimeout(b, 0) } function b () { setTimeout(a, 0) } a()']]) {
    const r = await runAction(module, { ...input, code, limits: { ...DEFAULT_ACTION_LIMITS, wallTimeMs: 300 } }, host)
    if (r.outcome.kind !== 'error' || r.outcome.limit !== 'wallTime') throw new Error(`${name} loop was not stopped at its wall time`)
    stopAfterLimitMs[name] = round(r.stats.runMs - 300)
  }
  return { moduleLoadMs: round(loadMs), freshContextSetResponseMs: latencyStats(runs), loop1e6Ms: latencyStats(loop), stopAfterLimitMs }
}

const dir = runDir(`bench-actions-${process.pid}`)
const relayFile = `${dir}/relay.json`
let relay: RelayProc | undefined
const web = await startWebProc(await freePort(), relayFile, `${dir}/dist`)
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
const loadAtStart = loadavg().map(l => round(l))
try {
  const sandbox = await sandboxInNode()
  progress(`sandbox in Node: ${JSON.stringify(sandbox)}`)
  relay = await startRelayProc(await freePort(), relayFile)
  const context = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  progress(`opening ${NODES} node tabs and the dashboard…`)
  const { nodes, dashboard, readyMs } = await openBenchTestnet(context, web.url, { n: NODES, slotPrefix: 'benchact', query: 'pool=16', deadlineMs: READY_DEADLINE_MS })
  const ids = await Promise.all(nodes.map(async p => await p.evaluate(() => window.__litTest!.snapshot()!.peerId)))
  const dashToNode = await echoFloor(dashboard, ids[0], ECHO_REQUESTS, 1)
  progress(`echo p50 dashboard→node ${dashToNode.p50Ms} ms`)

  const minted = await dashboard.evaluate(async () => await window.__litTest!.client!.mint())
  const pkp = minted.pkp
  progress(`minted in ${round(minted.ms)} ms; waiting for the presignature pools…`)
  await sleep(15_000)

  // Cold: code on one node only, sandboxes never used yet.
  const coldCode = `Lit.Actions.setResponse({ response: 'cold ${Date.now()}' })`
  const up = await dashboard.evaluate(async ([c, to]) => await window.__litTest!.client!.uploadAction(c, [to]), [coldCode, ids[0]] as const)
  const cold = await dashboard.evaluate(async ([id]) => await window.__litTest!.client!.executeJs({ ipfsId: id }), [up.ipfsId] as const)
  const cold2Code = `Lit.Actions.setResponse({ response: 'cold2 ${Date.now()}' })`
  const up2 = await dashboard.evaluate(async ([c, to]) => await window.__litTest!.client!.uploadAction(c, [to]), [cold2Code, ids[0]] as const)
  const cold2 = await dashboard.evaluate(async ([id]) => await window.__litTest!.client!.executeJs({ ipfsId: id }), [up2.ipfsId] as const)
  progress(`cold ${round(cold.ms)} ms (first use of the sandboxes), new CID on warm sandboxes ${round(cold2.ms)} ms`)

  // Warm: one cached action with one signEcdsa.
  const action = await dashboard.evaluate(async ([c]) => await window.__litTest!.client!.uploadAction(c), [SIGN_CODE] as const)
  const params = { publicKey: pkp.publicKey, sigName: 'sig' }
  await dashboard.evaluate(async ([id, p, n]) => await window.__litTest!.client!.executeJsLoop({ ipfsId: id, jsParams: p }, { count: n, toSign: 'fresh' }), [action.ipfsId, params, WARMUP] as const)
  const check = await dashboard.evaluate(async ([id, p, a]) => await window.__litTest!.client!.executeJs({ ipfsId: id, jsParams: { ...p, toSign: Array(32).fill(5) } }, a), [action.ipfsId, params, pkp.ethAddress] as const)
  // Warm = a warm pool, as bench:network's pkpSign: batches of at most half the pool, each
  // started once the PKP's pools are full again, so the refills a batch triggers do not overlap
  // the next. The straight sequence after them shows what a draining pool adds (sustained).
  const warmBatches = async (runners: 'signers' | 'all'): Promise<{ latenciesMs: number[], failures: string[], levels: number[] }> => {
    const out = { latenciesMs: [] as number[], failures: [] as string[], levels: [] as number[] }
    while (out.latenciesMs.length + out.failures.length < RUNS) {
      out.levels.push(await poolSettled(dashboard, pkp.tokenId, POOL_QUIET_MS, 120_000))
      const n = Math.min(BATCH, RUNS - out.latenciesMs.length - out.failures.length)
      const r = await dashboard.evaluate(async ([id, p, w, c]) => await window.__litTest!.client!.executeJsLoop({ ipfsId: id, jsParams: p, runners: w }, { count: c, toSign: 'fresh' }), [action.ipfsId, params, runners, n] as const)
      out.latenciesMs.push(...r.latenciesMs)
      out.failures.push(...r.failures)
    }
    return out
  }
  const warm = await warmBatches('signers')
  const ws = latencyStats(warm.latenciesMs)
  progress(`warm executeJs (runners: the binding's signers): p50 ${ws?.p50 ?? '?'} ms p99 ${ws?.p99 ?? '?'} ms, ${warm.failures.length} failures`)
  const warmAll = await warmBatches('all')
  const wsAll = latencyStats(warmAll.latenciesMs)
  progress(`warm executeJs (runners: all): p50 ${wsAll?.p50 ?? '?'} ms p99 ${wsAll?.p99 ?? '?'} ms, ${warmAll.failures.length} failures`)
  await poolSettled(dashboard, pkp.tokenId, POOL_QUIET_MS, 120_000)
  const sustained = await dashboard.evaluate(async ([id, p, n]) => await window.__litTest!.client!.executeJsLoop({ ipfsId: id, jsParams: p }, { count: n, toSign: 'fresh' }), [action.ipfsId, params, RUNS] as const)
  const ss = latencyStats(sustained.latenciesMs)
  progress(`sustained executeJs (${RUNS} in a row): p50 ${ss?.p50 ?? '?'} ms p99 ${ss?.p99 ?? '?'} ms`)
  await poolSettled(dashboard, pkp.tokenId, POOL_QUIET_MS, 120_000)
  const signs = await dashboard.evaluate(async ([p, n]) => await window.__litTest!.client!.sign(p, { count: n, concurrency: 1 }), [pkp, SIGNS] as const)
  await context.close()

  // Design B (docs/actions.md §2.3), measured in a page of its own: a memory bomb may take its renderer down.
  progress('measuring design B (worker in a sandboxed iframe)…')
  const bContext = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  const bPage = await bContext.newPage()
  await bPage.goto(`${web.url}/node.html?node=bench-iframe`)
  const designB = await measureIframeSandbox(bPage).catch((err: unknown) => ({ error: err instanceof Error ? err.message.slice(0, 300) : String(err) }))
  await bContext.close().catch(() => {})
  progress(`design B: ${JSON.stringify(designB)}`)

  printJson({
    bench: 'actions',
    workload: {
      nodes: NODES,
      runners: "warm: the default (the binding's 2t+1 signers run the action); warmAll: runners 'all' (every online node runs it, as Lit does)",
      warm: `${RUNS} executeJs runs of one cached action (${SIGN_CODE.length} bytes) with one signEcdsa of a fresh hash, after ${WARMUP} unmeasured, through the dashboard's LitClient (window.__litTest, timed in the page): bind a leased presignature, action/execute to the runners, majority of responses, combine 2t+1 shares. Warm pool: in batches of ${BATCH} in sequence, each once the PKP's pools are full again (level unchanged for ${POOL_QUIET_MS / 1000} s); then the same with runners 'all'`,
      sustained: `${RUNS} runs in a row from full pools (default runners): the pools drain below their low water and refill while the runs go on`,
      cold: 'first executeJs after page load (sandbox workers compile QuickJS on first use), code uploaded to one node only (the others fetch it over bitswap); then a second new CID on warm sandboxes',
      designB: 'not built, measured: a Worker from a blob: URL inside a sandboxed (allow-scripts only) iframe of a node page: iframe + first worker, 30 fresh worker starts, 200 warm postMessage round trips page → iframe → worker, what the worker can reach, a while(true) stopped by terminate(), a memory bomb for 2 s',
      sandboxInNode: 'this Node process, same runner and QuickJS build as the tabs: module load; 200 runs (after 20) of a fresh runtime + context executing setResponse; 5 runs of a 1e6-iteration loop; the delay after a 300 ms wall limit of a sync, a microtask and a timer loop',
      floor: `${ECHO_REQUESTS} echo requests dashboard → node (stream per request and one stream), and ${SIGNS} pkpSign in sequence on the same PKP`,
      pages: 'production build with the test hook (VITE_LIT_TEST=1), headless Chromium, one browser, one tab per node, ?pool=16; fresh relay and node identities'
    },
    results: {
      readyMs,
      executeJsWarmMs: ws,
      warmFailures: warm.failures.length,
      firstFailures: warm.failures.slice(0, 3),
      executeJsWarmAllRunnersMs: wsAll,
      warmAllFailures: warmAll.failures.length,
      firstAllFailures: warmAll.failures.slice(0, 3),
      poolLevelsBeforeBatches: { signers: warm.levels, all: warmAll.levels },
      executeJsSustainedMs: ss,
      sustainedFailures: sustained.failures.length,
      signatureChecked: check.ok ? check.signatures : check.error,
      nodeRunMs: check.ok ? check.nodes.map(n => ({ node: n.nodeId.slice(-6), runMs: n.runMs, answerMs: round(n.ms), codeSource: n.codeSource })) : null,
      coldMs: round(cold.ms),
      coldCodeSources: cold.ok ? cold.nodes.map(n => n.codeSource) : cold.error,
      newCidWarmSandboxMs: round(cold2.ms),
      sandboxInNode: sandbox,
      designB,
      floor: {
        echoRequestP50Ms: dashToNode.p50Ms,
        echoOneStreamP50Ms: dashToNode.oneStream.p50Ms,
        pkpSignMs: latencyStats(signs.latenciesMs)
      },
      target: { executeJsWarmP50Ms: 40, met: ws != null && ws.p50 <= 40, metWithAllRunners: wsAll != null && wsAll.p50 <= 40 }
    },
    machine: { ...machineInfo(), chromium: browser.version(), loadAverage1m: { atStart: loadAtStart[0], atEnd: round(loadavg()[0]) } }
  })
} finally {
  await browser.close()
  await relay?.stop()
  await web.stop()
}
