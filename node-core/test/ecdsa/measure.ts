/**
 * Measurements for docs/ecdsa.md (not part of the test suite):
 *   npx tsx node-core/test/ecdsa/measure.ts
 * Prints one JSON object: per-party presign CPU ms (whole in-memory run / n),
 * bytes each party sends in presign, and sign-side costs.
 */
import { defaultEcdsaDegree } from '../../src/crypto/key-share.js'
import { seededRng } from '../../src/crypto/random.js'
import { signShare, verifySignatureShare, verifySignatureShares, combineSignatureShares, signingNonce } from '../../src/crypto/ecdsa/index.js'
import { runPresignInMemory } from '../../src/protocols/presign/index.js'
import { keyFor, ids, requestFor } from './helpers.js'

function median (xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
const r2 = (x: number): number => Math.round(x * 100) / 100

const rows = []
for (const n of [3, 5, 7, 10]) {
  const t = defaultEcdsaDegree(n)
  const keys = keyFor(n, t)
  let bytes = 0
  runPresignInMemory(keys, ids(n), seededRng('warm'), { onSend: (e) => { bytes += e.data.length } })
  const runs = n >= 7 ? 7 : 11
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    runPresignInMemory(keys, ids(n), seededRng(`m${i}`))
    times.push((performance.now() - t0) / n)
  }
  const signers = ids(2 * t + 1)
  const sign: number[] = []; const verify: number[] = []; const batch: number[] = []; const combine: number[] = []; const nonce: number[] = []
  for (let i = 0; i < runs; i++) {
    const pres = runPresignInMemory(keys, ids(n), seededRng(`s${i}`))
    const pub = pres.get(1)!.public
    const req = requestFor(`msg${i}`, signers)
    let t0 = performance.now()
    const shares = signers.map((id) => signShare(pres.get(id)!, req))
    sign.push((performance.now() - t0) / signers.length)
    t0 = performance.now(); signingNonce(pub, req); nonce.push(performance.now() - t0)
    t0 = performance.now()
    const nc = signingNonce(pub, req)
    for (const s of shares) if (!verifySignatureShare(pub, req, s, nc)) throw new Error('share')
    verify.push(performance.now() - t0)
    t0 = performance.now()
    if (verifySignatureShares(pub, req, shares, nc).length > 0) throw new Error('batch')
    batch.push(performance.now() - t0)
    t0 = performance.now(); combineSignatureShares(pub, req, shares); combine.push(performance.now() - t0)
  }
  rows.push({
    n,
    t,
    signers: 2 * t + 1,
    presignMsPerParty: r2(median(times)),
    presignBytesSentPerParty: Math.round(bytes / n),
    signShareMs: r2(median(sign)),
    verifyAllSharesOneByOneMs: r2(median(verify)),
    verifyAllSharesBatchedMs: r2(median(batch)),
    combineMs: r2(median(combine)),
    rerandomiseMs: r2(median(nonce))
  })
}
console.log(JSON.stringify({ machine: `${process.platform} node ${process.version}`, rows }, null, 1))
