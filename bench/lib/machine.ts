/** A description of the machine a benchmark ran on, printed with every result. */
import os from 'node:os'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'

export interface MachineInfo {
  /** CPU model string of the first core, as the OS reports it. */
  cpuModel: string
  /** Logical cores the OS reports. */
  cores: number
  /** Total memory in GiB (two decimals). */
  totalMemoryGiB: number
  /** `process.version`, e.g. "v22.23.3". */
  node: string
  /** e.g. "linux x64 6.1.0-…". */
  platform: string
  /** ISO 8601 time of the call. */
  date: string
  /**
   * A speed reading taken at the call, to compare runs of different days (the same
   * kind of machine has run 2.5× slower on one day than another): the median time
   * of one public-scalar secp256k1 multiplication of a point without a table (noble).
   */
  secp256k1MulMs: number
}

export function machineInfo (): MachineInfo {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 100) / 100,
    node: process.version,
    platform: `${process.platform} ${process.arch} ${os.release()}`,
    date: new Date().toISOString(),
    secp256k1MulMs: mulSpeed()
  }
}

function mulSpeed (): number {
  const P = secp256k1.Point.BASE.multiply(7n) // a new point object: no precomputed table
  // Full-size scalars (hashes): small ones make the endomorphism split trivially fast.
  const scalars = Array.from({ length: 20 }, (_, i) => bytesToNumberBE(sha256(new Uint8Array([i]))) % secp256k1.Point.Fn.ORDER)
  const batches: number[] = []
  for (let b = 0; b < 7; b++) {
    const t0 = performance.now()
    for (const k of scalars) P.multiplyUnsafe(k)
    batches.push((performance.now() - t0) / scalars.length)
  }
  batches.sort((x, y) => x - y)
  return Math.round(batches[3] * 1000) / 1000
}
