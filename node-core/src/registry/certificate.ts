/**
 * Certificates (spec: docs/registry.md §8): an owner-signed operation with
 * countersignatures of a quorum of the committee. They verify on their own,
 * from the committee and the members' public keys.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { committeeHashBytes, quorumSize, sameMembers, validateCommittee } from './committee.js'
import { countersignMessage } from './countersign-message.js'
import { InvalidCertificateError, WrongCommitteeError } from './errors.js'
import { operationHash, recoverOperationSigner, unsigned } from './operation.js'
import { parseCertificate } from './operation-codec.js'
import type { Certificate, CertifiedOperation, Committee, Countersignature, MemberKeys, SignedOperation } from './types.js'

/** Values made by verifyCertificate (registry.md §8.2.6, §9.1). */
const verified = new WeakSet<object>()

/** Whether `value` was made by verifyCertificate in this process. */
export function isCertified (value: unknown): value is CertifiedOperation {
  return typeof value === 'object' && value !== null && verified.has(value)
}

/**
 * Put countersignatures into a certificate: one per node (first wins), sorted
 * by node id. Does not verify: check each with verifyCountersignature first.
 */
export function buildCertificate (op: SignedOperation, countersigs: readonly Countersignature[]): Certificate {
  const byNode = new Map<string, Countersignature>()
  for (const cs of countersigs) if (!byNode.has(cs.nodeId)) byNode.set(cs.nodeId, { nodeId: cs.nodeId, sig: cs.sig })
  return { op, countersigs: [...byNode.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0)) }
}

/**
 * Verify a certificate from anywhere (registry.md §8.2): strict parse, owner
 * signature, committee, distinct member countersignatures, quorum. Returns the
 * CertifiedOperation that apply accepts; throws MalformedOperationError,
 * WrongCommitteeError or InvalidCertificateError (with culprits) otherwise.
 */
export async function verifyCertificate (input: unknown, committee: Committee, keys: MemberKeys): Promise<CertifiedOperation> {
  // §8.2.1
  const certificate = parseCertificate(input)
  validateCommittee(committee)
  const { op } = certificate
  // §8.2.2
  let signer: string
  try {
    signer = await recoverOperationSigner(op)
  } catch {
    throw new InvalidCertificateError('the owner signature does not recover an address')
  }
  // §8.2.3
  if (op.kind === 'mint' && !sameMembers(op.args.committee, committee.members)) throw new WrongCommitteeError('the mint names another member set than the committee it is verified against')
  // §8.2.4
  const opHash = operationHash(unsigned(op))
  const msg = countersignMessage(opHash, signer, committee)
  const seen = new Set<string>()
  const duplicates: string[] = []
  const outsiders: string[] = []
  const badSigs: string[] = []
  for (const cs of certificate.countersigs) {
    if (seen.has(cs.nodeId)) { duplicates.push(cs.nodeId); continue }
    seen.add(cs.nodeId)
    if (!committee.members.includes(cs.nodeId)) { outsiders.push(cs.nodeId); continue }
    let ok = false
    try {
      ok = await keys.verify(cs.nodeId, msg, hexToBytes(cs.sig))
    } catch {
      ok = false
    }
    if (!ok) badSigs.push(cs.nodeId)
  }
  if (duplicates.length > 0) throw new InvalidCertificateError('a member countersigned more than once', duplicates)
  if (outsiders.length > 0) throw new InvalidCertificateError('countersigned by nodes outside the committee', outsiders)
  if (badSigs.length > 0) throw new InvalidCertificateError('countersignatures do not verify', badSigs)
  // §8.2.5
  const q = quorumSize(committee.members.length)
  if (seen.size < q) throw new InvalidCertificateError(`${seen.size} countersignatures, a quorum of ${committee.members.length} members is ${q}`)
  // §8.2.6
  const certified: CertifiedOperation = Object.freeze({
    certificate: deepFreeze(certificate),
    opHash,
    signer,
    committee: deepFreeze({ epoch: committee.epoch, members: [...committee.members] }),
    committeeHash: `0x${bytesToHex(committeeHashBytes(committee))}` as const
  })
  verified.add(certified)
  return certified
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
