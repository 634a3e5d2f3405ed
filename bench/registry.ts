/**
 * bench:registry — how long the PKP registry takes to certify an operation
 * (docs/registry.md §15.6), over real tabs. Prints ONE JSON object on stdout
 * (progress on stderr). On 5 headless node tabs (no background presigning:
 * ?pool=0) plus the dashboard as the client, on a fresh relay:
 *  - one PKP minted (committee = every node) and its mint certified (timed);
 *  - certification latency p50/p95/p99 of `--ops` operations in sequence,
 *    alternating addPermittedAddress / removePermittedAddress of a fresh
 *    address, after `--warmup` unmeasured ones. One operation = read and verify
 *    the history (registry/state from every member, certificates only if one is
 *    ahead), sign EIP-712, countersignatures from a quorum (each member stores
 *    its vote durably first), build and verify the certificate, submit it to
 *    every node and wait for all of them;
 *  - the floor, in the same run: bare stream round trips (echo) dashboard →
 *    node and node → node, and a registry read with nothing new (one
 *    registry/state fan-out to the members).
 * Every operation's result is checked in the page (nonce, permissions), outside
 * the timed span. Run inside scripts/with-netns.sh (as root) to stay on loopback.
 *   tsx bench/registry.ts [--nodes 5] [--ops 50] [--warmup 4] [--reads 50]
 */
import { loadavg } from 'node:os'
import { chromium } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PERMISSIONS, freePort, runDir, startRelayProc, startWebProc, type RelayProc } from '../e2e/harness.js'
import { echoFloor, openBenchTestnet } from './lib/tabs.js'
import { arg, latencyStats } from './lib/cli.js'
import { machineInfo, percentile, printJson, progress, round } from './lib/index.js'

const NODES = Number(arg('nodes', '5'))
const OPS = Number(arg('ops', '50'))
const WARMUP = Number(arg('warmup', '4'))
const READS = Number(arg('reads', '50'))
const ECHO_REQUESTS = 500
const READY_DEADLINE_MS = 240_000

const dir = runDir(`bench-registry-${process.pid}`)
const relayFile = `${dir}/relay.json`
let relay: RelayProc | undefined
const web = await startWebProc(await freePort(), relayFile, `${dir}/dist`)
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
const loadAtStart = loadavg().map(l => round(l))
try {
  relay = await startRelayProc(await freePort(), relayFile)
  const context = await browser.newContext({ permissions: CHROMIUM_PERMISSIONS })
  progress(`opening ${NODES} node tabs and the dashboard…`)
  const { nodes, dashboard, readyMs, openedMs } = await openBenchTestnet(context, web.url, { n: NODES, slotPrefix: 'benchreg', query: 'pool=0', deadlineMs: READY_DEADLINE_MS })
  progress(`mesh and network key ready after ${openedMs} ms`)

  // Floor 1: bare streams over the same links (concurrency 1: one request at a time, as the operations are).
  const ids = await Promise.all(nodes.slice(0, 2).map(async p => await p.evaluate(() => window.__litTest!.snapshot()!.peerId)))
  const dashToNode = await echoFloor(dashboard, ids[0], ECHO_REQUESTS, 1)
  const nodeToNode = await echoFloor(nodes[0], ids[1], ECHO_REQUESTS, 1)
  progress(`echo p50: dashboard→node ${dashToNode.p50Ms} ms, node→node ${nodeToNode.p50Ms} ms`)

  const minted = await dashboard.evaluate(async () => await window.__litTest!.client!.mint())
  if (!minted.certified) throw new Error('the mint was not certified')
  const pkp = minted.pkp
  progress(`minted (DKG ${round(minted.ms)} ms, mint certification ${round(minted.certifyMs)} ms), committee ${pkp.committee.length}`)

  const warm = await dashboard.evaluate(async ([p, c]) => await window.__litTest!.client!.registry(p, { count: c }), [pkp, WARMUP] as const)
  if (warm.failures.length > 0) progress(`warm-up failures: ${warm.failures.join(' | ')}`)
  const run = await dashboard.evaluate(async ([p, c]) => await window.__litTest!.client!.registry(p, { count: c }), [pkp, OPS] as const)
  const s = latencyStats(run.latenciesMs)
  progress(`${run.latenciesMs.length} operations: p50 ${s?.p50 ?? '?'} ms, p99 ${s?.p99 ?? '?'} ms; ${run.failures.length} failures, ${run.wrongResults} wrong results`)

  // Floor 2: a registry read with nothing new (the first step of every operation).
  const reads = await dashboard.evaluate(async ([p, c]) => await window.__litTest!.client!.registryRead(p, { count: c }), [pkp, READS] as const)
  const byKind = (kind: string): number[] => run.latenciesMs.filter((_, i) => run.kinds[i] === kind)
  const quorum = Math.floor((2 * pkp.committee.length) / 3) + 1
  await context.close()

  printJson({
    bench: 'registry',
    workload: {
      nodes: NODES,
      committee: pkp.committee.length,
      quorum,
      operations: `${OPS} registry operations in sequence on one PKP through the dashboard's LitClient (window.__litTest, timed in the page), alternating addPermittedAddress / removePermittedAddress of a fresh random address, after ${WARMUP} unmeasured ones; one operation = read and verify the history from the members, sign EIP-712, countersignatures from a quorum (each member stores its vote durably in IndexedDB first; the client stops at q), build and verify the certificate, submit it to every online node and wait for all`,
      mint: 'one PKP, committee = every node, minted with mintPkp({ certify: false }) then certifyMint (timed apart)',
      floor: `${ECHO_REQUESTS} echo requests of 64 bytes one at a time (fresh stream each, and ping-pong on one stream) dashboard → node tab and node tab → node tab, after 100 warm-up, before the mint; and ${READS} registry reads with nothing new (getPkpRegistryEntry: registry/state from every member)`,
      pages: 'production build with the test hook (VITE_LIT_TEST=1), headless Chromium, one browser, one tab per node, node tabs with ?pool=0 (no background presigning); fresh relay and node identities'
    },
    results: {
      readyMs,
      mintDkgMs: round(minted.ms),
      mintCertifyMs: round(minted.certifyMs),
      operationMs: s,
      byKind: { addPermittedAddress: latencyStats(byKind('addPermittedAddress')), removePermittedAddress: latencyStats(byKind('removePermittedAddress')) },
      failures: run.failures.length,
      firstFailures: run.failures.slice(0, 3),
      wrongResults: run.wrongResults,
      certifiedOperations: run.finalNonce,
      floor: {
        dashboardToNode: { requestP50Ms: dashToNode.p50Ms, requestP99Ms: dashToNode.p99Ms, oneStreamP50Ms: dashToNode.oneStream.p50Ms, oneStreamP99Ms: dashToNode.oneStream.p99Ms },
        nodeToNode: { requestP50Ms: nodeToNode.p50Ms, requestP99Ms: nodeToNode.p99Ms, oneStreamP50Ms: nodeToNode.oneStream.p50Ms, oneStreamP99Ms: nodeToNode.oneStream.p99Ms },
        registryReadMs: { ...latencyStats(reads.latenciesMs), failures: reads.failures.length }
      },
      operationOverFloor: s == null
        ? null
        : {
            echoRequestP50: round(s.p50 / dashToNode.p50Ms),
            registryReadP50: reads.latenciesMs.length > 0 ? round(s.p50 / percentile(reads.latenciesMs, 50)) : null
          }
    },
    machine: { ...machineInfo(), chromium: browser.version(), loadAverage1m: { atStart: loadAtStart[0], atEnd: round(loadavg()[0]) } }
  })
} finally {
  await browser.close()
  await relay?.stop()
  await web.stop()
}
