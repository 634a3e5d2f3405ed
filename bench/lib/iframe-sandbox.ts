/**
 * Design B of docs/actions.md §2.3, measured (not built): a Worker started from a
 * blob: URL inside a sandboxed (opaque-origin) iframe of the node's page. Run in
 * a page of the testnet's origin; returns start costs, a warm round trip, what the
 * worker can reach, and how a memory bomb and an infinite loop end.
 */
import type { Page } from '@playwright/test'

export interface IframeSandboxMeasures {
  iframeAndFirstWorkerMs: number
  freshWorkerStartMs: { p50: number, p99: number }
  warmRoundTripMs: { p50: number, p99: number }
  /** What the worker saw of the storage APIs: 'threw: …' or 'undefined' is what isolation needs. */
  isolation: Record<string, string>
  /** A `while(true){}` stopped by terminate() after 300 ms: time until the worker was replaced and answered. */
  loopStopAndReplaceMs: number
  /** What happened to a 200 MiB/s allocation loop after 2 s: no limit exists, only a timer terminates it. */
  memoryBomb: string
}

/** Runs in the page: builds the iframe, measures, removes it. */
export async function measureIframeSandbox (page: Page): Promise<IframeSandboxMeasures> {
  // tsx compiles with keepNames: named inner functions call esbuild's __name helper, absent in the page.
  await page.evaluate('globalThis.__name = (f) => f')
  return await page.evaluate(async () => {
    const workerSource = `
      onmessage = async (e) => {
        const m = e.data
        if (m === 'ping') { postMessage('pong'); return }
        if (m === 'probe') {
          const out = {}
          const tryIt = async (name, f) => { try { const v = await f(); out[name] = 'reached: ' + String(v).slice(0, 40) } catch (err) { out[name] = 'threw: ' + err.name } }
          await tryIt('indexedDB.open', () => new Promise((res, rej) => { const r = indexedDB.open('x'); r.onsuccess = () => res('opened'); r.onerror = () => rej(r.error) }))
          await tryIt('caches.keys', () => caches.keys())
          await tryIt('fetch same server', () => fetch('/relay.json').then((r) => r.status))
          out.origin = String(self.origin)
          postMessage(out); return
        }
        if (m === 'loop') { for (;;) {} }
        if (m === 'bomb') { const a = []; for (;;) a.push(new Array(1e6).fill(1)) }
      }`
    const frameSource = `<script>
      const src = ${JSON.stringify(workerSource)}
      const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }))
      let w
      const fresh = () => { w?.terminate(); w = new Worker(url); w.onmessage = (e) => parent.postMessage({ from: 'worker', data: e.data }, '*') }
      onmessage = (e) => {
        const t = e.data
        if (t === 'new') { const t0 = performance.now(); fresh(); w.postMessage('ping'); const once = w.onmessage; w.onmessage = (ev) => { w.onmessage = once; parent.postMessage({ from: 'worker', data: ev.data, startMs: performance.now() - t0 }, '*') } ; return }
        if (t === 'kill') { w.terminate(); w = undefined; parent.postMessage({ from: 'frame', data: 'killed' }, '*'); return }
        w.postMessage(t)
      }
      parent.postMessage({ from: 'frame', data: 'ready' }, '*')
    </script>`
    const frame = document.createElement('iframe')
    frame.setAttribute('sandbox', 'allow-scripts')
    frame.style.display = 'none'
    const inbox: Array<(m: any) => void> = []
    const listener = (e: MessageEvent): void => { if (e.source === frame.contentWindow) inbox.shift()?.(e.data) }
    addEventListener('message', listener)
    const next = async (): Promise<any> => await new Promise((resolve) => inbox.push(resolve))
    const send = (m: string): void => { frame.contentWindow!.postMessage(m, '*') }
    const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100 }
    const t0 = performance.now()
    const ready = next()
    frame.srcdoc = frameSource
    document.body.appendChild(frame)
    await ready
    let answer = next(); send('new'); await answer
    const iframeAndFirstWorkerMs = performance.now() - t0
    const starts: number[] = []
    for (let i = 0; i < 30; i++) { answer = next(); send('new'); starts.push((await answer).startMs) }
    const trips: number[] = []
    for (let i = 0; i < 200; i++) { const t = performance.now(); answer = next(); send('ping'); await answer; trips.push(performance.now() - t) }
    answer = next(); send('probe')
    const isolation = (await answer).data as Record<string, string>
    send('loop')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const tStop = performance.now()
    answer = next(); send('new'); await answer
    const loopStopAndReplaceMs = performance.now() - tStop
    send('bomb')
    await new Promise((resolve) => setTimeout(resolve, 2000))
    answer = next(); send('kill')
    const killed = await Promise.race([answer, new Promise((resolve) => setTimeout(() => resolve('frame did not answer'), 5000))])
    removeEventListener('message', listener)
    frame.remove()
    return {
      iframeAndFirstWorkerMs: Math.round(iframeAndFirstWorkerMs * 100) / 100,
      freshWorkerStartMs: { p50: pct(starts, 50), p99: pct(starts, 99) },
      warmRoundTripMs: { p50: pct(trips, 50), p99: pct(trips, 99) },
      isolation,
      loopStopAndReplaceMs: Math.round(loopStopAndReplaceMs * 100) / 100,
      memoryBomb: `ran 2 s with no limit, then terminate(): ${typeof killed === 'object' && killed !== null ? (killed as { data: string }).data : String(killed)}; the page survived`
    }
  })
}
