/**
 * Errors of the threshold BLS and IBE code (docs/bls.md, docs/ibe.md).
 */
import { LitError, ProtocolAbortError } from '../../errors.js'
import type { ParticipantId } from '../shares.js'

/**
 * Fewer than t+1 valid shares were supplied (docs/bls.md §3.4). `culprits` names the
 * participants whose shares were invalid; honest callers can ask others and retry.
 */
export class NotEnoughSharesError extends ProtocolAbortError {
  readonly needed: number
  readonly valid: number

  constructor (needed: number, valid: number, culprits: readonly ParticipantId[]) {
    super(`need ${needed} valid shares, have ${valid}`, culprits, 'ERR_NOT_ENOUGH_SHARES')
    this.needed = needed
    this.valid = valid
  }
}

/**
 * The ciphertext did not decrypt under this identity key: wrong identity, wrong key,
 * or a tampered ciphertext (docs/ibe.md §5.3–5.4). Deliberately says no more.
 */
export class DecryptionFailedError extends LitError {
  constructor () {
    super('decryption failed', 'ERR_DECRYPTION_FAILED')
  }
}
