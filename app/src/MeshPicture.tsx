import type { MeshView } from '../../node-core/src/browser.js'
import { formatRtt, shortId } from './format.js'

/** Nodes on a circle, edges green when direct WebRTC, dashed orange when relayed. */
export function MeshPicture ({ view, size = 360 }: { view: MeshView, size?: number }): React.JSX.Element {
  const c = size / 2
  const r = size / 2 - 48
  const pos = new Map(view.nodes.map((n, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, view.nodes.length) - Math.PI / 2
    return [n.peerId, { x: c + r * Math.cos(angle), y: c + r * Math.sin(angle) }]
  }))
  return (
    <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} role='img' aria-label='mesh' data-testid='mesh-svg'>
      {view.edges.map(e => {
        const a = pos.get(e.a)
        const b = pos.get(e.b)
        if (a == null || b == null) return null
        return (
          <line
            key={`${e.a}-${e.b}`} x1={a.x} y1={a.y} x2={b.x} y2={b.y}
            stroke={e.kind === 'direct' ? '#2a9d4b' : '#e08a1e'} strokeWidth={2}
            strokeDasharray={e.kind === 'direct' ? undefined : '6 4'} data-kind={e.kind}
          >
            <title>{`${shortId(e.a)} ↔ ${shortId(e.b)}: ${e.kind}, ${formatRtt(e.rttMs)}`}</title>
          </line>
        )
      })}
      {view.nodes.map(n => {
        const p = pos.get(n.peerId)
        if (p == null) return null
        return (
          <g key={n.peerId}>
            <circle cx={p.x} cy={p.y} r={14} fill='#1f4e8c' />
            <text x={p.x} y={p.y + 30} textAnchor='middle' fontSize={11}>{shortId(n.peerId)}</text>
            <title>{n.peerId}</title>
          </g>
        )
      })}
    </svg>
  )
}
