/**
 * Fixed names and limits of the DKG protocol. Spec: docs/dkg.md.
 * Changing any of these changes the protocol: bump the version in DKG_PROTOCOL.
 */

/** Protocol id carried in every DKG message and bound into every hash. */
export const DKG_PROTOCOL = 'lit/dkg/1'

/** Length of every transcript digest (sha256). An all-zero digest means "not received". */
export const DIGEST_BYTES = 32

/** Session ids are unique per run; 16..64 bytes (32 recommended, e.g. a hash of the request). */
export const SESSION_ID_MIN_BYTES = 16
export const SESSION_ID_MAX_BYTES = 64

/** Domain-separation labels of the hashes (docs/dkg.md, "Hashes"). */
export const LABEL_POK = 'lit/dkg/1/pok'
export const LABEL_DIGEST = 'lit/dkg/1/digest'
