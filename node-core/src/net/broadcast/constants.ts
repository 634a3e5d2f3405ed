/** Wire constants of the broadcast channel (docs/net.md §5). */

/** Topics are `/lit/<name>/<major>` (same name rules as request/response protocols). */
export const TOPIC_PREFIX = '/lit'

/** First byte of every gossip payload; bump on any layout change. */
export const GOSSIP_ENVELOPE_VERSION = 1

/** Largest body a topic may declare. gossipsub's own default RPC limit is 4 MiB; broadcasts should be far smaller. */
export const MAX_TOPIC_BYTES_LIMIT = 1024 * 1024
