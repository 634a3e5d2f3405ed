/**
 * Public entry of node-core that is safe everywhere (Node and browser): types,
 * pure functions and constants. Browser-only pieces are in ./browser.ts; the
 * Node relay in ./net/relay.ts.
 */
export { LitError, InvalidArgumentError, MalformedMessageError, ProtocolAbortError } from './errors.js'
export {
  STATUS_TOPIC, STATUS_INTERVAL_MS, STATUS_TTL_MS, RELAY_INFO_PATH, DEFAULT_RELAY_PORT, backoffDelay,
  type RelayInfo, type BackoffPolicy
} from './net/config.js'
export {
  buildMeshView, classifyLink, decodeStatus, encodeStatus, liveStatuses,
  type LinkKind, type LinkStatus, type MeshEdge, type MeshNode, type MeshView, type PeerRole, type PeerStatus, type ReceivedStatus
} from './net/status.js'
export type { MeshSnapshot, RelayState, RelayStatus, LocalLink, DialRecord } from './net/mesh.js'
