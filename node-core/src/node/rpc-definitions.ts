/**
 * Every request/response protocol of the node runtime, declared once and shared
 * by nodes and clients (spec: docs/node-runtime.md §3). Bodies are strict JSON
 * (net/rpc/schema.ts refuses unknown fields); binary values are lower-case hex
 * without 0x; crypto payloads inside them use the versioned wire formats of
 * crypto/ and protocols/ and are decoded (and validated) by the receiver.
 */
import { MalformedMessageError } from '../errors.js'
import { defineRpc, jsonCodec, schema as s, type Infer, type RpcDefinition, type Schema } from '../net/rpc/index.js'

/** The request and response body types of a definition. */
export type RpcRequestOf<D> = D extends RpcDefinition<infer Req, any> ? Req : never
export type RpcResponseOf<D> = D extends RpcDefinition<any, infer Res> ? Res : never

/** A libp2p PeerId in its base58 text form (Ed25519 ids are 52 characters). */
export const peerIdString = s.string({ minLength: 8, maxLength: 128, pattern: /^[1-9A-HJ-NP-Za-km-z]+$/ })
/** An Ethereum address, 0x + 40 hex digits (any case: EIP-55 checksums are checked by the consumer). */
export const ethAddress = s.string({ minLength: 42, maxLength: 42, pattern: /^0x[0-9a-fA-F]{40}$/ })
/** keccak256 of the PKP's uncompressed public key (as Lit derives token ids), hex. */
export const tokenIdHex = s.hex({ bytes: 32 })

export const MAX_COMMITTEE = 32
export const MAX_NETWORK_MEMBERS = 64
export const MAX_SIWE_CHARS = 4096
export const MAX_CONDITIONS_CHARS = 16 * 1024
export const MAX_LEASE = 32

/**
 * A caller's proof that it controls an Ethereum address: an EIP-4361 (SIWE)
 * message and the account's EIP-191 signature over it (docs/node-runtime.md §6).
 * Valid for many requests until its expiration time, like Lit's session sigs.
 */
export const authSigSchema = s.object({
  siwe: s.string({ minLength: 1, maxLength: MAX_SIWE_CHARS }),
  signature: s.hex({ bytes: 65 })
})
export type AuthSig = Infer<typeof authSigSchema>

const committeeSchema = s.array(peerIdString, { minLength: 3, maxLength: MAX_COMMITTEE })
const empty = s.object({})

// ---------------------------------------------------------------- node ↔ node

/** One message of a running protocol session (DKG, presign), sender = the authenticated peer. */
export const SessionMessage = defineRpc({
  name: 'session/message',
  version: 1,
  maxRequestBytes: 600 * 1024,
  maxResponseBytes: 64,
  timeoutMs: 10_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({ session: s.hex({ bytes: 32 }), data: s.hex({ maxBytes: 256 * 1024 }) }), 'session message'),
  response: jsonCodec(empty, 'session message ack')
})

/** Genesis of the network BLS key: the proposer asks every member to run the BLS DKG. Answers when done. */
export const GenesisStart = defineRpc({
  name: 'genesis/start',
  version: 1,
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: 64 * 1024,
  timeoutMs: 60_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    genesisId: s.hex({ bytes: 16 }),
    members: s.array(peerIdString, { minLength: 3, maxLength: MAX_NETWORK_MEMBERS }),
    degree: s.int({ min: 1, max: MAX_NETWORK_MEMBERS })
  }), 'genesis start'),
  /** encodeBlsPublicKeySet of the new network key. */
  response: jsonCodec(s.object({ publicKeySet: s.hex({ maxBytes: 32 * 1024 }) }), 'genesis result')
})

/** A PKP's allocator asks the other presign participants to run one presign session. Answers when done. */
export const PresignStart = defineRpc({
  name: 'presign/start',
  version: 1,
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: 1024,
  timeoutMs: 30_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    tokenId: tokenIdHex,
    /** Random per run, chosen by the allocator (the caller). */
    session: s.hex({ bytes: 32 }),
    /** Sorted PeerIds, a subset of the committee with at least 2t+1 members, the caller among them. */
    participants: committeeSchema
  }), 'presign start'),
  response: jsonCodec(s.object({ presignatureId: s.hex({ bytes: 32 }) }), 'presign result')
})

/**
 * An allocator asks a participant to arm presignatures it has just leased out
 * (docs/node-runtime.md §5.4.1): take them durably now, in one transaction, so
 * that the signature share later needs no storage write. Only the allocator of
 * a presignature may arm it; others are skipped.
 */
export const PresignArm = defineRpc({
  name: 'presign/arm',
  version: 1,
  maxRequestBytes: 4 * 1024,
  maxResponseBytes: 4 * 1024,
  timeoutMs: 5_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    tokenId: tokenIdHex,
    presignatureIds: s.array(s.hex({ bytes: 32 }), { minLength: 1, maxLength: MAX_LEASE })
  }), 'presign arm request'),
  /** The ids armed: the others (unknown, used, another allocator's) sign through the durable take. */
  response: jsonCodec(s.object({ armed: s.array(s.hex({ bytes: 32 }), { maxLength: MAX_LEASE }) }), 'presign arm')
})

// ---------------------------------------------------------------- client → node

export const networkKeySchema = s.object({
  genesisId: s.hex({ bytes: 16 }),
  /** encodeBlsPublicKeySet: public key, members' verification shares, degree. */
  publicKeySet: s.hex({ maxBytes: 32 * 1024 }),
  /** Members in participant-id order (id = index + 1). */
  members: s.array(peerIdString, { minLength: 3, maxLength: MAX_NETWORK_MEMBERS })
})
export type NetworkKeyInfo = Infer<typeof networkKeySchema>

export const NetworkInfo = defineRpc({
  name: 'network/info',
  version: 1,
  maxRequestBytes: 64,
  maxResponseBytes: 64 * 1024,
  timeoutMs: 5_000,
  runOnLimitedConnection: true,
  request: jsonCodec(empty, 'network info request'),
  response: jsonCodec(s.object({
    node: peerIdString,
    /** Absent until this node knows the network key (as a member or from a member). */
    networkKey: s.optional(networkKeySchema),
    /** True when this node holds a share of the network key. */
    keyHolder: s.boolean(),
    /** Genesis progress as this node sees it. */
    genesis: s.oneOf(['waiting', 'running', 'done'] as const),
    pkps: s.int({ min: 0, max: 1_000_000 }),
    /** Unused presignatures this node allocates, all PKPs together. */
    presignatures: s.int({ min: 0, max: 1_000_000 }),
    /** The secp256k1 arithmetic this node runs (docs/secp256k1-wasm.md); absent from older nodes. */
    curveArithmetic: s.optional(s.oneOf(['wasm', 'bigint'] as const))
  }), 'network info')
})

/** Mint: the client asks every committee member to run the secp256k1 DKG. Answers when done. */
export const MintStart = defineRpc({
  name: 'pkp/mint',
  version: 1,
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: 64 * 1024,
  timeoutMs: 60_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    /** Random, chosen by the client; a node refuses one it has seen. */
    mintId: s.hex({ bytes: 16 }),
    /** Sorted PeerIds; participant id = index + 1. */
    committee: committeeSchema,
    degree: s.int({ min: 1, max: MAX_COMMITTEE }),
    auth: authSigSchema
  }), 'mint request'),
  /** encodePublicKeySet of the PKP (secp256k1): every member must return the same bytes. */
  response: jsonCodec(s.object({ publicKeySet: s.hex({ maxBytes: 32 * 1024 }) }), 'mint result')
})

/** Where a long operation (mint, genesis) is, for progress displays. */
export const OperationStatus = defineRpc({
  name: 'op/status',
  version: 1,
  maxRequestBytes: 256,
  maxResponseBytes: 1024,
  timeoutMs: 5_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({ opId: s.hex({ bytes: 16 }) }), 'operation status request'),
  response: jsonCodec(s.object({
    phase: s.string({ maxLength: 32 }),
    detail: s.optional(s.string({ maxLength: 256 }))
  }), 'operation status')
})

export const pkpInfoSchema = s.object({
  tokenId: tokenIdHex,
  /** Uncompressed (65-byte) public key. */
  publicKey: s.hex({ bytes: 65 }),
  ethAddress,
  committee: committeeSchema,
  degree: s.int({ min: 1, max: MAX_COMMITTEE }),
  minter: ethAddress,
  mintedAt: s.int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  /** Unused presignatures of this PKP that the answering node allocates. */
  pool: s.int({ min: 0, max: 1_000_000 })
})
export type PkpInfo = Infer<typeof pkpInfoSchema>

/** The PKPs whose committee this node is in. */
export const PkpList = defineRpc({
  name: 'pkp/list',
  version: 1,
  maxRequestBytes: 64,
  maxResponseBytes: 512 * 1024,
  timeoutMs: 5_000,
  runOnLimitedConnection: true,
  request: jsonCodec(empty, 'pkp list request'),
  response: jsonCodec(s.object({ pkps: s.array(pkpInfoSchema, { maxLength: 1000 }) }), 'pkp list')
})

/**
 * Lease presignatures from their allocator (the node that started their presign
 * runs): each is handed out once, so no two requests ever get the same one.
 * With none ready the node makes one first (the call then takes a presign run).
 */
export const PresignLease = defineRpc({
  name: 'presign/lease',
  version: 1,
  maxRequestBytes: 8 * 1024,
  maxResponseBytes: 1024 * 1024,
  timeoutMs: 30_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    tokenId: tokenIdHex,
    count: s.int({ min: 1, max: MAX_LEASE }),
    auth: authSigSchema,
    /** Nodes the caller does not want among the participants (it saw bad shares from them): best effort. */
    avoid: s.optional(s.array(peerIdString, { maxLength: MAX_COMMITTEE })),
    /** A Lit Action the presignatures are for: permitted on the PKP, it lets any caller lease (actions.md §5.2). */
    actionCid: s.optional(s.string({ minLength: 1, maxLength: 128 }))
  }), 'presign lease request'),
  /** Each an encoded PresignaturePublic (crypto/ecdsa presignature codec). */
  response: jsonCodec(s.object({ presignatures: s.array(s.hex({ maxBytes: 16 * 1024 }), { maxLength: MAX_LEASE }) }), 'presign lease')
})

/** One signer's share for (PKP, presignature, message hash, signer set). Consumes the presignature. */
export const SignShareRequest = defineRpc({
  name: 'pkp/sign-share',
  version: 1,
  maxRequestBytes: 8 * 1024,
  maxResponseBytes: 1024,
  timeoutMs: 10_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    tokenId: tokenIdHex,
    presignatureId: s.hex({ bytes: 32 }),
    messageHash: s.hex({ bytes: 32 }),
    /** Sorted participant ids (committee index + 1), ⊆ the presignature's participants, ≥ 2t+1. */
    signers: s.array(s.int({ min: 1, max: MAX_COMMITTEE }), { minLength: 3, maxLength: MAX_COMMITTEE }),
    /** Public entropy from the client, mixed into the nonce re-randomisation. */
    entropy: s.hex({ maxBytes: 64 }),
    auth: authSigSchema
  }), 'sign share request'),
  /** encodeSignatureShare */
  response: jsonCodec(s.object({ share: s.hex({ maxBytes: 512 }) }), 'sign share')
})

/** A decryption share of the network key for the identity of (conditions, data hash). */
export const DecryptShareRequest = defineRpc({
  name: 'decrypt/share',
  version: 1,
  maxRequestBytes: 32 * 1024,
  maxResponseBytes: 1024,
  timeoutMs: 10_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    /** JSON of the access control conditions (node-runtime.md §7); the node re-canonicalises it. */
    conditions: s.string({ minLength: 2, maxLength: MAX_CONDITIONS_CHARS }),
    /** sha256 of the plaintext (Lit's dataToEncryptHash). */
    dataHash: s.hex({ bytes: 32 }),
    auth: s.optional(authSigSchema)
  }), 'decrypt share request'),
  /** encodeBlsDecryptionShare */
  response: jsonCodec(s.object({ share: s.hex({ maxBytes: 512 }) }), 'decrypt share')
})

// ---------------------------------------------------------------- registry (docs/registry.md, wiring)

/** A registry token id: 0x + 64 lower-case hex digits (registry.md §3). */
export const registryTokenIdSchema = s.string({ minLength: 66, maxLength: 66, pattern: /^0x[0-9a-f]{64}$/ })

export const MAX_REGISTRY_JSON_DEPTH = 6
/** Certificates one `registry/certificates` answer carries at most. */
export const MAX_CERTIFICATES_PER_ANSWER = 32
/** History entries a `registry/state` answer summarises (the newest). */
export const MAX_STATE_HISTORY = 64

/**
 * Any JSON value up to a small depth (the request's byte limit bounds its size).
 * Registry operations and certificates travel this way and are parsed by the
 * registry's own strict parser (registry/operation-codec.ts) in the handler, so
 * a malformed one is refused with ERR_REGISTRY_MALFORMED naming the field.
 */
export function jsonValue (maxDepth = MAX_REGISTRY_JSON_DEPTH): Schema<unknown> {
  const check = (value: unknown, path: string, depth: number): unknown => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new MalformedMessageError(path, 'expected a finite number')
      return value
    }
    if (depth >= maxDepth) throw new MalformedMessageError(path, `nested deeper than ${maxDepth}`)
    if (Array.isArray(value)) return value.map((v, i) => check(v, `${path}[${i}]`, depth + 1))
    if (typeof value === 'object') {
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) throw new MalformedMessageError(path, 'expected a plain object')
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) out[k] = check(v, `${path}.${k}`, depth + 1)
      return out
    }
    throw new MalformedMessageError(path, 'expected a JSON value')
  }
  return { parse: (value, path) => check(value, path, 0) }
}

/** Client → member: countersign an owner-signed operation (registry.md §7). Errors: ERR_REGISTRY_* with the reason. */
export const RegistryCountersign = defineRpc({
  name: 'registry/countersign',
  version: 1,
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: 1024,
  timeoutMs: 10_000,
  runOnLimitedConnection: true,
  /** `op`: a SignedOperation (registry.md §5). */
  request: jsonCodec(s.object({ op: jsonValue() }), 'registry countersign request'),
  response: jsonCodec(s.object({ nodeId: peerIdString, sig: s.hex({ maxBytes: 256 }) }), 'registry countersignature')
})

/** Anyone → node: a certificate to verify, apply in nonce order (catching up first when it is ahead) and persist. */
export const RegistrySubmit = defineRpc({
  name: 'registry/submit',
  version: 1,
  maxRequestBytes: 64 * 1024,
  maxResponseBytes: 1024,
  timeoutMs: 15_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({ certificate: jsonValue() }), 'registry submit request'),
  response: jsonCodec(s.object({
    /** The node's next expected nonce after the submit. */
    nonce: s.int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    /** True when this certificate was new here (false: it was already applied). */
    applied: s.boolean()
  }), 'registry submit result')
})

/** Node or client → node: the certificates of a token from a nonce on, in nonce order (at most 32 a call). */
export const RegistryCertificates = defineRpc({
  name: 'registry/certificates',
  version: 1,
  maxRequestBytes: 512,
  maxResponseBytes: 2 * 1024 * 1024,
  timeoutMs: 10_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    tokenId: registryTokenIdSchema,
    fromNonce: s.int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    limit: s.optional(s.int({ min: 1, max: MAX_CERTIFICATES_PER_ANSWER }))
  }), 'registry certificates request'),
  response: jsonCodec(s.object({
    certificates: s.array(jsonValue(), { maxLength: MAX_CERTIFICATES_PER_ANSWER }),
    /** The answering node's next expected nonce (0: it has no certified state). */
    nonce: s.int({ min: 0, max: Number.MAX_SAFE_INTEGER })
  }), 'registry certificates')
})

const historyEntrySchema = s.object({
  nonce: s.int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  kind: s.oneOf(['mint', 'transfer', 'addPermittedAddress', 'removePermittedAddress', 'addPermittedAction', 'removePermittedAction'] as const),
  opHash: s.string({ minLength: 66, maxLength: 66, pattern: /^0x[0-9a-f]{64}$/ }),
  signer: ethAddress,
  issuedAt: s.int({ min: 1, max: Number.MAX_SAFE_INTEGER })
})

export const registryStateSchema = s.object({
  tokenId: registryTokenIdSchema,
  publicKey: s.string({ minLength: 132, maxLength: 132, pattern: /^0x04[0-9a-f]{128}$/ }),
  epoch: s.string({ minLength: 1, maxLength: 64 }),
  committee: s.array(peerIdString, { minLength: 1, maxLength: MAX_NETWORK_MEMBERS }),
  owner: ethAddress,
  permittedAddresses: s.array(ethAddress, { maxLength: 64 }),
  permittedActions: s.array(s.object({ cid: s.string({ minLength: 1, maxLength: 128 }), scope: s.oneOf(['sign-anything', 'personal-sign'] as const) }), { maxLength: 64 }),
  /** Next expected nonce = number of certified operations. */
  nonce: s.int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  mintedAt: s.int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  /** The newest certified operations (at most 64), oldest first. */
  history: s.array(historyEntrySchema, { maxLength: MAX_STATE_HISTORY })
})
export type RegistryStateView = Infer<typeof registryStateSchema>

/** Client → node: a token's certified registry entry as this node holds it (absent: none here). */
export const RegistryStateRequest = defineRpc({
  name: 'registry/state',
  version: 1,
  maxRequestBytes: 256,
  maxResponseBytes: 64 * 1024,
  timeoutMs: 5_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({ tokenId: registryTokenIdSchema }), 'registry state request'),
  response: jsonCodec(s.object({ state: s.optional(registryStateSchema) }), 'registry state')
})

// ---------------------------------------------------------------- Lit Actions (docs/actions.md §7)

export const MAX_ACTION_CODE_BYTES = 512 * 1024
export const MAX_JS_PARAMS_CHARS = 64 * 1024
export const MAX_SIGN_CALLS = 10
export const MAX_RUNNERS = 64
const sigNameSchema = s.string({ minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9._-]+$/ })
const actionCidString = s.string({ minLength: 1, maxLength: 128 })

/** Client → node: store action code under its CID (actions.md §1.5); the node recomputes the CID. */
export const ActionPut = defineRpc({
  name: 'action/put',
  version: 1,
  maxRequestBytes: 1024 * 1024,
  maxResponseBytes: 1024,
  timeoutMs: 10_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({ ipfsId: actionCidString, code: s.string({ maxLength: MAX_ACTION_CODE_BYTES }) }), 'action put request'),
  response: jsonCodec(s.object({ ipfsId: actionCidString, cidV1: actionCidString, bytes: s.int({ min: 0, max: MAX_ACTION_CODE_BYTES }) }), 'action put result')
})

/**
 * Runner → key holder: this node's decryption share for data under an action condition
 * (actions.md §3.6), for a request both run. Answered only once the key holder's own run of
 * that request asked for the same decryption, to a runner of it, if the conditions hold for
 * (the request's caller, the request's CID).
 */
export const ActionDecryptShare = defineRpc({
  name: 'action/decrypt-share',
  version: 1,
  maxRequestBytes: 32 * 1024,
  maxResponseBytes: 1024,
  timeoutMs: 10_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    requestId: s.hex({ bytes: 32 }),
    /** Canonical JSON of the conditions; the key holder re-canonicalises it. */
    conditions: s.string({ minLength: 2, maxLength: MAX_CONDITIONS_CHARS }),
    dataHash: s.hex({ bytes: 32 })
  }), 'action decrypt share request'),
  /** encodeBlsDecryptionShare */
  response: jsonCodec(s.object({ share: s.hex({ maxBytes: 512 }) }), 'action decrypt share')
})

/**
 * A presignature bound by the request's binder (actions.md §5.3): everything a client needs to
 * check and combine the shares of a sigName it did not bind itself.
 */
export const binderBindingSchema = s.object({
  presignatureId: s.hex({ bytes: 32 }),
  signers: s.array(s.int({ min: 1, max: MAX_COMMITTEE }), { minLength: 3, maxLength: MAX_COMMITTEE }),
  entropy: s.hex({ bytes: 32 }),
  /** The signers' PeerIds, in the order of `signers` (a client that never saw the PKP maps shares to nodes with it). */
  signerPeers: s.array(peerIdString, { minLength: 3, maxLength: MAX_COMMITTEE }),
  /** encodePresignaturePublic */
  presignature: s.hex({ maxBytes: 16 * 1024 })
})
export type BinderBinding = Infer<typeof binderBindingSchema>

/**
 * Runner → binder (the first PeerId of sorted(runners ∩ committee)): the presignature every
 * runner uses for a sigName the client did not bind (actions.md §5.3). The binder answers
 * the same binding to every runner of the request, until it forgets the request.
 */
export const ActionBind = defineRpc({
  name: 'action/bind',
  version: 1,
  maxRequestBytes: 1024,
  maxResponseBytes: 20 * 1024,
  timeoutMs: 30_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({ requestId: s.hex({ bytes: 32 }), sigName: sigNameSchema, tokenId: tokenIdHex }), 'action bind request'),
  response: jsonCodec(binderBindingSchema, 'action binding')
})

/** Which presignature, signer set and entropy serve one sigName of a request (actions.md §5.2). */
export const actionBindingSchema = s.object({
  sigName: sigNameSchema,
  tokenId: tokenIdHex,
  presignatureId: s.hex({ bytes: 32 }),
  signers: s.array(s.int({ min: 1, max: MAX_COMMITTEE }), { minLength: 3, maxLength: MAX_COMMITTEE }),
  entropy: s.hex({ bytes: 32 })
})
export type ActionBinding = Infer<typeof actionBindingSchema>

export const actionOutcomeSchema = s.object({
  kind: s.oneOf(['ok', 'error'] as const),
  response: s.optional(s.string({ maxLength: 512 * 1024 })),
  code: s.optional(s.string({ maxLength: 64 })),
  message: s.optional(s.string({ maxLength: 1024 })),
  limit: s.optional(s.string({ maxLength: 32 })),
  used: s.optional(s.int({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  max: s.optional(s.int({ min: 0, max: Number.MAX_SAFE_INTEGER }))
})
export type ActionOutcome = Infer<typeof actionOutcomeSchema>

/**
 * Client → runner: run an action for a request (actions.md §5.1, §7). `jsParams`
 * travels as JSON text so its size is bounded exactly; the node parses it.
 */
export const ActionExecute = defineRpc({
  name: 'action/execute',
  version: 1,
  maxRequestBytes: 1024 * 1024,
  maxResponseBytes: 1024 * 1024,
  // The client sets the real deadline (wall limit + margin) per call.
  timeoutMs: 45_000,
  runOnLimitedConnection: true,
  request: jsonCodec(s.object({
    requestId: s.hex({ bytes: 32 }),
    ipfsId: s.optional(actionCidString),
    code: s.optional(s.string({ maxLength: MAX_ACTION_CODE_BYTES })),
    jsParams: s.optional(s.string({ maxLength: MAX_JS_PARAMS_CHARS })),
    auth: authSigSchema,
    runners: s.array(peerIdString, { minLength: 1, maxLength: MAX_RUNNERS }),
    bindings: s.array(actionBindingSchema, { maxLength: MAX_SIGN_CALLS })
  }), 'action execute request'),
  response: jsonCodec(s.object({
    ipfsId: actionCidString,
    cidV1: actionCidString,
    outcome: actionOutcomeSchema,
    logs: s.string({ maxLength: 64 * 1024 + 1024 }),
    signatures: s.array(s.object({
      sigName: sigNameSchema,
      tokenId: tokenIdHex,
      presignatureId: s.hex({ bytes: 32 }),
      dataSigned: s.hex({ bytes: 32 }),
      kind: s.oneOf(['ecdsa', 'personal'] as const),
      /** The personal message signed (kind 'personal'), hex. */
      message: s.optional(s.hex({ maxBytes: 16 * 1024 })),
      /** encodeSignatureShare; absent when this runner is not a signer of the binding. */
      share: s.optional(s.hex({ maxBytes: 512 })),
      /** The binder's binding, when the client bound no presignature to this sigName (§5.3). */
      bound: s.optional(binderBindingSchema)
    }), { maxLength: MAX_SIGN_CALLS }),
    refusals: s.array(s.object({ sigName: sigNameSchema, code: s.string({ maxLength: 64 }), reason: s.string({ maxLength: 1024 }) }), { maxLength: MAX_SIGN_CALLS }),
    stats: s.object({
      codeSource: s.oneOf(['cache', 'peer', 'inline'] as const),
      queueMs: s.int({ min: 0, max: 10_000_000 }),
      runMs: s.int({ min: 0, max: 10_000_000 }),
      memPeakBytes: s.optional(s.int({ min: 0, max: Number.MAX_SAFE_INTEGER }))
    })
  }), 'action execute answer')
})
export type ActionExecuteRequest = RpcRequestOf<typeof ActionExecute>
export type ActionExecuteAnswer = RpcResponseOf<typeof ActionExecute>

/** Every protocol a node serves (for registration and the docs table). */
export const NODE_PROTOCOLS = [
  SessionMessage, GenesisStart, PresignStart, PresignArm, NetworkInfo, MintStart, OperationStatus, PkpList, PresignLease,
  SignShareRequest, DecryptShareRequest, RegistryCountersign, RegistrySubmit, RegistryCertificates, RegistryStateRequest,
  ActionPut, ActionExecute, ActionDecryptShare, ActionBind
] as const
