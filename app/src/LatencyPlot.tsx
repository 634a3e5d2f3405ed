/**
 * A live plot of recent signing latencies: one dot per request (oldest left),
 * failures as red crosses on the top edge, a dashed line at the median.
 */
import { formatMs } from './format.js'
import type { LatencySample } from './latency-log.js'

const W = 360
const H = 140
const PAD = { left: 40, right: 8, top: 10, bottom: 18 }

function niceCeiling (v: number): number {
  for (const step of [5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000]) if (v <= step) return step
  return Math.ceil(v / 60_000) * 60_000
}

export function LatencyPlot ({ samples, capacity }: { samples: readonly LatencySample[], capacity: number }): React.JSX.Element {
  const ok = samples.filter(s => s.ok).map(s => s.ms)
  const top = niceCeiling(Math.max(1, ...ok))
  const x = (i: number): number => PAD.left + (i + 0.5) * (W - PAD.left - PAD.right) / Math.max(1, capacity)
  const y = (ms: number): number => H - PAD.bottom - (Math.min(ms, top) / top) * (H - PAD.top - PAD.bottom)
  const sorted = [...ok].sort((a, b) => a - b)
  const median = sorted.length === 0 ? null : sorted[Math.floor(sorted.length / 2)]
  const path = samples.map((s, i) => s.ok ? `${x(i).toFixed(1)},${y(s.ms).toFixed(1)}` : null).filter(p => p != null).join(' ')
  return (
    <figure className='latency'>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role='img' aria-label='signing latency' data-testid='latency-plot' data-samples={samples.length}>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke='#999' />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke='#999' />
        <text x={PAD.left - 4} y={PAD.top + 4} textAnchor='end' fontSize={10}>{formatMs(top)}</text>
        <text x={PAD.left - 4} y={H - PAD.bottom} textAnchor='end' fontSize={10}>0</text>
        {median != null && (
          <g>
            <line x1={PAD.left} y1={y(median)} x2={W - PAD.right} y2={y(median)} stroke='#1f4e8c' strokeDasharray='4 3' strokeWidth={1} />
            <text x={W - PAD.right} y={y(median) - 3} textAnchor='end' fontSize={10} fill='#1f4e8c'>median {formatMs(median)}</text>
          </g>
        )}
        {path !== '' && <polyline points={path} fill='none' stroke='#2a9d4b' strokeWidth={1} opacity={0.5} />}
        {samples.map((s, i) => s.ok
          ? <circle key={s.id} cx={x(i)} cy={y(s.ms)} r={2.5} fill='#2a9d4b' data-testid='latency-point'><title>{formatMs(s.ms)}</title></circle>
          : <text key={s.id} x={x(i)} y={PAD.top + 4} textAnchor='middle' fontSize={11} fill='#c0392b' data-testid='latency-failure'>×<title>{s.error ?? 'failed'}</title></text>
        )}
      </svg>
      <figcaption className='muted'>last {samples.length} of up to {capacity} signing requests (client-side wall time)</figcaption>
    </figure>
  )
}
