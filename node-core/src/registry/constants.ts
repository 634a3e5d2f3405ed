/** Fixed names and limits of the PKP registry (spec: docs/registry.md). */

/** EIP-712 domain name (registry.md §4.2). */
export const REGISTRY_DOMAIN_NAME = 'LitBrowserRegistry'
export const REGISTRY_DOMAIN_VERSION = '1'
/** 0x4C4954, "LIT" in ASCII: not a live chain's id (registry.md §4.2). */
export const REGISTRY_CHAIN_ID = 4999508

/** Domain-separation labels of the countersigned bytes (registry.md §8.1). */
export const COUNTERSIGN_LABEL = 'lit-browser/registry/countersign/v1'
export const COMMITTEE_LABEL = 'lit-browser/registry/committee/v1'

/** registry.md §2.1, §5 */
export const MAX_COMMITTEE = 64
export const MAX_NODE_ID_CHARS = 128
export const MAX_EPOCH_CHARS = 64
/** registry.md §9.3 */
export const MAX_PERMITTED_ADDRESSES = 64
export const MAX_PERMITTED_ACTIONS = 64
/** registry.md §5.3.4 */
export const MAX_CID_CHARS = 128
/** A countersignature's bytes (registry.md §5). */
export const MAX_COUNTERSIG_BYTES = 256
/** registry.md §4.4: how far in a member's future an operation may be issued. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
/** registry.md §10: certificates one catch-up call looks at. */
export const MAX_CATCH_UP_CERTIFICATES = 1024
