/**
 * Timing of threshold BLS and IBE operations (median CPU ms, one process). Not a test:
 * run with `node_modules/.bin/tsx node-core/test/bls/measure.ts [n...]`. Prints one JSON object.
 */
import { blsSignShare, combineAndDecrypt, combineBlsSignatureShares, ibeDecryptionShare, ibeEncrypt, verifyBlsDecryptionShare, verifyBlsSignatureShare } from '../../src/crypto/bls/index.js'
import { seededRng } from '../../src/crypto/random.js'
import { dealBls, utf8 } from './helpers.js'

function median (f: () => void, runs: number): number {
  f() // warm-up (JIT, precomputed tables)
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    // CPU time of this process, not wall time: the 2-core machine is shared, wall time is noisy.
    const t = process.cpuUsage()
    f()
    const d = process.cpuUsage(t)
    times.push((d.user + d.system) / 1000)
  }
  times.sort((a, b) => a - b)
  return Math.round(times[Math.floor(times.length / 2)] * 10) / 10
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0)
const runs = 7
const out: Record<string, unknown> = { unit: 'ms CPU time (median)', runs }
for (const n of sizes.length > 0 ? sizes : [3, 5, 7, 10]) {
  const shares = dealBls(n)
  const pks = shares[0].publicKeySet
  const message = utf8('measure')
  const identity = 'lit-accesscontrolcondition://measure/measure'
  const sig = shares.map((ks) => blsSignShare(ks, message))
  const dec = shares.map((ks) => ibeDecryptionShare(ks, identity))
  const ct = ibeEncrypt(pks.publicKey, identity, utf8('a small secret'), { rng: seededRng('m') })
  const t1 = pks.degree + 1
  out[`n=${n}`] = {
    threshold: t1,
    signShare: median(() => blsSignShare(shares[0], message), runs),
    verifyShare: median(() => verifyBlsSignatureShare(pks, message, sig[0]), runs),
    [`combine(${t1} shares)`]: median(() => combineBlsSignatureShares(pks, message, sig.slice(0, t1)), runs),
    [`combine(all ${n})`]: median(() => combineBlsSignatureShares(pks, message, sig), runs),
    ibeEncrypt: median(() => ibeEncrypt(pks.publicKey, identity, utf8('a small secret')), runs),
    decryptionShare: median(() => ibeDecryptionShare(shares[0], identity), runs),
    verifyDecryptionShare: median(() => verifyBlsDecryptionShare(pks, identity, dec[0]), runs),
    [`combineAndDecrypt(${t1} shares)`]: median(() => combineAndDecrypt(pks, identity, ct, dec.slice(0, t1)), runs)
  }
}
console.log(JSON.stringify(out, null, 1))
