/**
 * CPU profiles of Chromium pages over CDP (Profiler domain), for the diagnostics
 * (profile-sign, profile-presign): start sampling on many pages, stop, and sum
 * self time by function (name, file, line; the bench build keeps names).
 */
import type { BrowserContext, CDPSession, Page } from '@playwright/test'

export interface SelfTime {
  /** Sampled milliseconds of the whole profile. */
  totalMs: number
  /** totalMs less the samples V8 marks `(idle)`. */
  busyMs: number
  /** Self milliseconds by "function file:line", largest first. */
  byFunction: Array<[string, number]>
}

export async function startProfiling (ctx: BrowserContext, pages: readonly Page[], intervalUs = 200): Promise<CDPSession[]> {
  const sessions: CDPSession[] = []
  for (const p of pages) {
    const s = await ctx.newCDPSession(p)
    await s.send('Profiler.enable')
    await s.send('Profiler.setSamplingInterval', { interval: intervalUs })
    await s.send('Profiler.start')
    sessions.push(s)
  }
  return sessions
}

/** Stop one session's profiler; returns the raw profile (a DevTools .cpuprofile object). */
export async function stopProfiling (session: CDPSession): Promise<any> {
  const { profile } = await session.send('Profiler.stop') as any
  return profile
}

/** Self time per function, summed over `profiles`. */
export function selfTime (profiles: readonly any[]): SelfTime {
  const self = new Map<string, number>()
  let totalMs = 0
  for (const profile of profiles) {
    const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]))
    const dt: number[] = profile.timeDeltas
    profile.samples.forEach((id: number, k: number) => {
      const cf = byId.get(id).callFrame
      const key = `${cf.functionName as string || '(anon)'} ${String(cf.url).split('/').pop() ?? ''}:${cf.lineNumber as number}`
      const d = (dt[k + 1] ?? 0) / 1000
      self.set(key, (self.get(key) ?? 0) + d)
      totalMs += d
    })
  }
  const idleMs = [...self].filter(([k]) => k.startsWith('(idle) ')).reduce((a, [, v]) => a + v, 0)
  return { totalMs, busyMs: totalMs - idleMs, byFunction: [...self.entries()].sort((a, b) => b[1] - a[1]) }
}

/** The `count` largest entries as aligned text lines ("  123.4 name file:line"). */
export function topLines (t: SelfTime, count = 25): string[] {
  return t.byFunction.slice(0, count).map(([k, v]) => `${v.toFixed(1).padStart(8)} ${k}`)
}
