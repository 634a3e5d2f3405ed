/**
 * CPU time of every process on the machine, read from /proc (Linux), for the
 * diagnostics that say where a workload's CPU went: Chromium processes by type
 * (renderer#<client id> is one tab), the rest by command.
 */
import { readdirSync, readFileSync } from 'node:fs'

export type ProcessCpu = Map<number, { kind: string, ms: number }>

/** User + system CPU (ms) of every process now, by pid. */
export function processCpu (): ProcessCpu {
  const out = new Map<number, { kind: string, ms: number }>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const ms = (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks of 10 ms
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split(/[\0 ]/)
      const type = cmd.find(a => a.startsWith('--type='))?.slice(7)
      const client = cmd.find(a => a.startsWith('--renderer-client-id='))?.slice(21)
      const kind = type === undefined ? `${readFileSync(`/proc/${d}/comm`, 'utf8').trim()}:${cmd.slice(1, 3).join(' ').slice(-40)}` : type === 'renderer' ? `renderer#${client ?? '?'}` : type
      if (ms > 0) out.set(Number(d), { kind, ms })
    } catch { /* gone */ }
  }
  return out
}

/** CPU (ms) spent between two readings, summed by process kind. */
export function cpuSince (before: ProcessCpu, after: ProcessCpu): Map<string, number> {
  const byKind = new Map<string, number>()
  for (const [pid, now] of after) {
    const then = before.get(pid)?.ms ?? 0
    byKind.set(now.kind, (byKind.get(now.kind) ?? 0) + now.ms - then)
  }
  return byKind
}
