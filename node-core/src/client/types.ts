/**
 * The client SDK's public shapes (spec: docs/node-runtime.md §9). Names follow
 * the Lit SDK where a Lit user would look for them (pkpSign, encryptString-like
 * encrypt, decrypt, getNetworkInfo), with typed errors in client/errors.ts.
 */
import type { AccessControlConditions } from '../node/access-conditions.js'
import type { AuthSig } from '../node/rpc-definitions.js'

export interface NetworkNode {
  peerId: string
  /** Holds a share of the network BLS key. */
  keyHolder: boolean
  pkps: number
  presignatures: number
  /** The secp256k1 arithmetic the node reports running: WebAssembly, or the BigInt fallback. */
  curveArithmetic?: 'wasm' | 'bigint'
}

export interface NetworkInfo {
  nodes: NetworkNode[]
  /** Absent until genesis has run. */
  networkKey?: {
    /** Compressed G1 public key, 0x hex (48 bytes). */
    publicKey: string
    members: string[]
    /** Shares needed to decrypt: degree + 1 (ceil(2n/3)). */
    threshold: number
  }
  genesis: 'waiting' | 'running' | 'done'
}

export interface MintedPkp {
  /** 0x hex of keccak256(uncompressed public key). */
  tokenId: string
  /** 0x hex, uncompressed (65 bytes), as Lit shows it. */
  publicKey: string
  ethAddress: string
  committee: string[]
  /** Signature shares needed: 2t+1. */
  threshold: number
  degree: number
  /** Members that failed, disagreed or had not answered when the mint was taken as done (mintPkp only). */
  faults?: ShareFault[]
  /** Whether the mint was certified in the registry (mintPkp only; docs/registry.md §6). */
  registry?: MintRegistryStatus
}

export interface PkpSummary extends MintedPkp {
  minter: string
  mintedAt: number
  /** Unused, unleased presignatures over all allocators that answered. */
  pool: number
  /** Presignatures this client holds leased and has not used yet (not in `pool`). */
  leased: number
}

export type MintPhase = 'committee' | 'dkg-round1' | 'dkg-round2' | 'dkg-round3' | 'dkg-round4' | 'verify' | 'done'

export interface MintProgress {
  phase: MintPhase
  /** Nodes that reached this phase / committee size. */
  nodesDone: number
  committeeSize: number
}

export interface MintOptions {
  /** Largest committee (default 10); the online nodes up to this many are chosen. */
  maxCommitteeSize?: number
  /** Key degree t (default crypto core's default for the committee size). */
  degree?: number
  signal?: AbortSignal
  onProgress?: (p: MintProgress) => void
  /** Certify the mint in the registry right after the DKG (default true). */
  certify?: boolean
}

export interface PkpSignRequest {
  /** 0x hex public key (uncompressed or compressed) or tokenId of the PKP. */
  pubKey: string
  /** The 32-byte hash to sign (e.g. keccak256 of an Ethereum message). */
  toSign: Uint8Array
  signal?: AbortSignal
}

/** A node whose share was refused, and why. */
export interface ShareFault {
  node: string
  reason: string
  /** What kind of fault (client/errors.ts FaultCode or the node's error code), e.g. ERR_BAD_SHARE, ERR_TIMEOUT. */
  code?: string
}

export interface PkpSignature {
  /** 0x hex, 32 bytes each. */
  r: string
  s: string
  /** Lit's name for the recovery id (0 or 1; 2, 3 only when r overflowed). */
  recid: number
  /** 0x r ‖ s ‖ v (v = 27 + recid), 65 bytes. */
  signature: `0x${string}`
  /** 0x hex uncompressed public key. */
  publicKey: string
  /** 0x hex of toSign. */
  dataSigned: string
  /** Nodes whose shares were bad or missing (signing still succeeded without them). */
  faults: ShareFault[]
  /**
   * The nodes that answered after the signature was combined, checked one by
   * one: resolves (never rejects) with the bad or missing ones once all have
   * answered or the request's deadline passed.
   */
  lateFaults: Promise<ShareFault[]>
  /** Nodes that gave a good share (the ones combined). */
  signers: string[]
  latencyMs: number
}

export interface EncryptRequest {
  accessControlConditions: AccessControlConditions
  dataToEncrypt: Uint8Array | string
  /** Only used when the network key must be fetched first. */
  signal?: AbortSignal
}

export interface EncryptResponse {
  /** base64 of the IBE ciphertext (wire format of crypto/bls). */
  ciphertext: string
  /** hex sha256 of the plaintext (no 0x, as Lit). */
  dataToEncryptHash: string
}

export interface DecryptRequest extends EncryptResponse {
  accessControlConditions: AccessControlConditions
  signal?: AbortSignal
  /** Decrypt as this auth signature's address instead of the client's account (a node decrypting for a Lit Action's caller). */
  auth?: AuthSig
}

export interface DecryptResponse {
  decryptedData: Uint8Array
  /** Key holders whose shares were bad or missing (decryption still succeeded without them). */
  faults: ShareFault[]
  /** Like PkpSignature.lateFaults: key holders that answered after the combination, bad or missing ones. */
  lateFaults: Promise<ShareFault[]>
  latencyMs: number
}

// ---------------------------------------------------------------- registry (docs/registry.md)

/** Whether a new PKP's mint was certified in the registry right after the DKG (LitClient.mintPkp). */
export type MintRegistryStatus =
  | { certified: true }
  /** Not certified (yet): signing falls back to "minter only" on the nodes; call certifyMint to retry. */
  | { certified: false, code: string, reason: string }

/** A PKP's certified registry entry, as the client verified it from the members' certificates. */
export interface PkpPermissions {
  /** 0x + 64 hex digits. */
  tokenId: string
  owner: string
  permittedAddresses: string[]
  permittedActions: Array<{ cid: string, scope: 'sign-anything' | 'personal-sign' }>
  /** Next operation nonce (= certified operations so far, the mint included). */
  nonce: number
  committee: string[]
}

/** One certified operation of a PKP's registry history, as the client verified it (LitClient.getPkpRegistryEntry). */
export interface RegistryHistoryEntry {
  nonce: number
  kind: RegistryOperationResult['kind']
  /** EIP-712 digest of the operation (docs/registry.md §4.3). */
  opHash: string
  /** Who signed it: the owner at that nonce (the minter for the mint). */
  signer: string
  /** When the signer issued it (ms since the epoch). */
  issuedAt: number
  /** Its arguments: `to`, `address`, `cid` and `scope`; for the mint its public key and committee. */
  args: Record<string, unknown>
  /** The committee members whose countersignatures its certificate carries. */
  countersigners: string[]
  /** Countersignatures a certificate needs (docs/registry.md §2.3). */
  quorum: number
}

/** A PKP's certified entry with its history (LitClient.getPkpRegistryEntry). */
export interface PkpRegistryEntry extends PkpPermissions {
  /** Countersignatures a certificate needs: ⌊2n/3⌋ + 1 of the committee's n. */
  quorum: number
  /** Every certified operation, in nonce order (index = nonce). */
  history: RegistryHistoryEntry[]
  /**
   * An operation this client's current account signed for the next nonce and
   * has not certified yet: only the same call goes through until it is
   * (docs/registry.md §7, lock-up).
   */
  pending?: { nonce: number, kind: RegistryOperationResult['kind'] }
}

/** What a registry operation returns once certified and submitted. */
export interface RegistryOperationResult {
  kind: 'mint' | 'transfer' | 'addPermittedAddress' | 'removePermittedAddress' | 'addPermittedAction' | 'removePermittedAction'
  tokenId: string
  /** The operation's nonce. */
  nonce: number
  /** The certificate (owner-signed op + a quorum of countersignatures), self-verifying. */
  certificate: unknown
  /** The entry after the operation. */
  permissions: PkpPermissions
  /** Nodes that accepted the certificate. */
  submittedTo: string[]
  /** Members that refused or did not answer, and nodes that refused the certificate. */
  faults: ShareFault[]
}
