/**
 * The ECDSA part of bench:crypto: presign among all n holders of a key, then
 * one signature from 2t+1 signers, timed step by step.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { publicKeyToAddress } from 'viem/accounts'
import { recoverAddress } from 'viem'
import type { KeyShare } from '../node-core/src/crypto/key-share.js'
import type { SecpPoint } from '../node-core/src/crypto/group.js'
import { runPresignInMemory } from '../node-core/src/protocols/presign/index.js'
import { signShare, signingNonce, verifySignatureShares, combineSignatureShares, encodeSignatureShare, type SignRequest, type SignatureShare } from '../node-core/src/crypto/ecdsa/index.js'
import type { Presignature } from '../node-core/src/crypto/ecdsa/index.js'
import { timeIt, countingBytes, round, type Timing } from './lib/index.js'

export interface EcdsaWorkloadResult {
  presign: Timing
  presignBytesPerParty: number
  signShare: Timing
  /** All 2t+1 signers' shares, added up (ms). */
  signShareAllMs: number
  verifyShares: Timing
  combine: Timing
  /** R′ = δ·R with δ (signingNonce), which the client computes while the shares travel. */
  signingNonce: Timing
  /** combine given that nonce: the client's work once the last share arrives. */
  combinePrepared: Timing
  signatureShareBytes: number
  sample: { publicKey: string, address: string, messageHash: string, r: string, s: string, recoveryId: number, viemRecoveredAddress: string }
}

export async function benchEcdsa (keyShares: Array<KeyShare<SecpPoint>>, runs: number): Promise<EcdsaWorkloadResult> {
  const pks = keyShares[0].publicKeySet
  const ids = pks.participants
  const signers = ids.slice(0, 2 * pks.degree + 1)
  const presign = await timeIt(() => runPresignInMemory(keyShares), { runs, warmup: 1 })
  const counter = countingBytes(ids)
  runPresignInMemory(keyShares, undefined, undefined, { onSend: (env) => counter.direct(env.from, env.to, env.data.length) })

  const messageHash = keccak_256(new TextEncoder().encode('bench:crypto sample message'))
  const request = (): SignRequest => ({ messageHash, signers, entropy: crypto.getRandomValues(new Uint8Array(16)) })

  // A fresh presignature per measured signature: presignatures are single-use.
  let presigs: Map<number, Presignature> = new Map()
  let req = request()
  const fresh = (): void => { presigs = runPresignInMemory(keyShares); req = request() }
  const signShareT = await timeIt(() => signShare(presigs.get(signers[0])!, req), { runs, warmup: 1, before: fresh })

  fresh()
  const pub = presigs.get(signers[0])!.public
  const shares: SignatureShare[] = signers.map((id) => signShare(presigs.get(id)!, req))
  // Batched check of all 2t+1 shares on its own (one multi-scalar multiplication, δ·R included;
  // one by one only to name culprits): what a party that only checks shares pays.
  const verifyShares = await timeIt(() => { if (verifySignatureShares(pub, req, shares).length > 0) throw new Error('a share did not verify') }, { runs })
  // combine = δ·R once + ONE multi-scalar multiplication that checks every share AND the
  // signature (docs/ecdsa.md §5.6), so it is the client's whole "verify shares + combine".
  const combine = await timeIt(() => { if (combineSignatureShares(pub, req, shares).culprits.length > 0) throw new Error('combine named a culprit') }, { runs })
  // The client's flow (share-collector's `prepare`, docs/node-runtime.md §5.4): R′ is computed
  // while the shares travel, so what follows the last share is combine given the nonce.
  const nonceT = await timeIt(() => signingNonce(pub, req), { runs })
  const nonce = signingNonce(pub, req)
  const combinePrepared = await timeIt(() => { if (combineSignatureShares(pub, req, shares, nonce).culprits.length > 0) throw new Error('combine named a culprit') }, { runs })
  const { signature } = combineSignatureShares(pub, req, shares)

  const publicKey = pks.publicKey.toBytes(false)
  const sigBytes = new Uint8Array(64)
  sigBytes.set(hexToBytes32(signature.r), 0)
  sigBytes.set(hexToBytes32(signature.s), 32)
  if (!secp256k1.verify(sigBytes, messageHash, publicKey, { prehash: false })) throw new Error('combined signature failed noble verify')
  const address = publicKeyToAddress(`0x${bytesToHex(publicKey)}`)
  const recovered = await recoverAddress({ hash: `0x${bytesToHex(messageHash)}`, signature: signature.signature as `0x${string}` })
  if (recovered.toLowerCase() !== address.toLowerCase()) throw new Error('viem recovered another address')
  return {
    presign,
    presignBytesPerParty: round(counter.summary().meanSentPerParty, 0),
    signShare: signShareT,
    signShareAllMs: round(signShareT.medianMs * signers.length, 3),
    verifyShares,
    combine,
    signingNonce: nonceT,
    combinePrepared,
    signatureShareBytes: encodeSignatureShare(shares[0]).length,
    sample: {
      publicKey: bytesToHex(publicKey),
      address,
      messageHash: bytesToHex(messageHash),
      r: signature.r.toString(16).padStart(64, '0'),
      s: signature.s.toString(16).padStart(64, '0'),
      recoveryId: signature.recoveryId,
      viemRecoveredAddress: recovered
    }
  }
}

function hexToBytes32 (x: bigint): Uint8Array {
  const hex = x.toString(16).padStart(64, '0')
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)))
}
