/**
 * Errors of the PKP registry (spec: docs/registry.md §12). Every class has a
 * stable `code` (ERR_REGISTRY_…) and a message that says the reason; fields
 * carry what a caller needs to react (the nonce to catch up to, the voted op).
 */
import { LitError } from '../errors.js'

export class RegistryError extends LitError {
  constructor (message: string, code = 'ERR_REGISTRY', options?: { cause?: unknown }) { super(message, code, options) }
}

/** A value from outside does not parse as an operation or certificate (registry.md §5). */
export class MalformedOperationError extends RegistryError {
  constructor (readonly field: string, reason: string, options?: { cause?: unknown }) {
    super(`malformed ${field}: ${reason}`, 'ERR_REGISTRY_MALFORMED', options)
  }
}

/** The operation is not signed by the token's current owner (registry.md §7.6). */
export class NotOwnerError extends RegistryError {
  constructor (readonly tokenId: string, readonly signer: string, readonly owner: string) {
    super(`signer ${signer} is not the owner ${owner} of token ${tokenId}`, 'ERR_REGISTRY_NOT_OWNER')
  }
}

/** The node's certified state is behind the operation: fetch certificates first (registry.md §7.5.2). */
export class NeedsCatchUpError extends RegistryError {
  constructor (readonly tokenId: string, readonly expectedNonce: number, readonly nonce: number) {
    super(`token ${tokenId}: nonce ${nonce} is ahead of the next expected nonce ${expectedNonce}; catch up first`, 'ERR_REGISTRY_NEEDS_CATCH_UP')
  }
}

/** The nonce is already decided by a certificate (registry.md §7.5.1). */
export class StaleNonceError extends RegistryError {
  constructor (readonly tokenId: string, readonly expectedNonce: number, readonly nonce: number) {
    super(`token ${tokenId}: nonce ${nonce} is already certified; the next expected nonce is ${expectedNonce}`, 'ERR_REGISTRY_STALE_NONCE')
  }
}

/** This member voted for another operation at (tokenId, nonce) (registry.md §7.4). */
export class ConflictingOperationError extends RegistryError {
  constructor (readonly tokenId: string, readonly nonce: number, readonly votedOpHash: string, readonly opHash: string) {
    super(`token ${tokenId} nonce ${nonce}: already voted for operation ${votedOpHash}, refusing ${opHash}`, 'ERR_REGISTRY_CONFLICTING_OPERATION')
  }
}

/** This member cannot vouch that the mint's signer asked for the DKG (registry.md §6.3). */
export class MintNotWitnessedError extends RegistryError {
  constructor (readonly tokenId: string, reason: string) {
    super(`mint of token ${tokenId} not witnessed: ${reason}`, 'ERR_REGISTRY_MINT_NOT_WITNESSED')
  }
}

/** The operation or certificate names another committee (registry.md §7.6, §8.2.3, §9.2.3). */
export class WrongCommitteeError extends RegistryError {
  constructor (reason: string) { super(`wrong committee: ${reason}`, 'ERR_REGISTRY_WRONG_COMMITTEE') }
}

/** The operation does not apply to the current state (registry.md §9.3). */
export class InvalidTransitionError extends RegistryError {
  constructor (readonly tokenId: string, readonly nonce: number, reason: string) {
    super(`token ${tokenId} nonce ${nonce}: ${reason}`, 'ERR_REGISTRY_INVALID_TRANSITION')
  }
}

/** issuedAt too far in the member's future (registry.md §4.4). */
export class OperationTimeError extends RegistryError {
  constructor (reason: string) { super(`operation time refused: ${reason}`, 'ERR_REGISTRY_OPERATION_TIME') }
}

/** The certificate does not prove a quorum (registry.md §8.2). `culprits` are node ids. */
export class InvalidCertificateError extends RegistryError {
  readonly culprits: readonly string[]
  constructor (reason: string, culprits: readonly string[] = []) {
    super(`invalid certificate: ${reason}${culprits.length > 0 ? ` (culprits: ${[...culprits].sort().join(', ')})` : ''}`, 'ERR_REGISTRY_INVALID_CERTIFICATE')
    this.culprits = [...culprits].sort()
  }
}

/** apply was handed a value that verifyCertificate did not make (registry.md §9.1). */
export class UnverifiedCertificateError extends RegistryError {
  constructor () { super('only certificates accepted by verifyCertificate can be applied', 'ERR_REGISTRY_UNVERIFIED') }
}

/**
 * Two certified operations for one nonce, or a certified operation that is not
 * valid: more than f members are faulty (registry.md §2.2, §9.2).
 */
export class SafetyViolationError extends RegistryError {
  constructor (readonly tokenId: string, readonly nonce: number, reason: string) {
    super(`safety violation on token ${tokenId} nonce ${nonce}: ${reason}`, 'ERR_REGISTRY_SAFETY_VIOLATION')
  }
}
