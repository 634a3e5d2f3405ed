/** A description of the machine a benchmark ran on, printed with every result. */
import os from 'node:os'

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
}

export function machineInfo (): MachineInfo {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 100) / 100,
    node: process.version,
    platform: `${process.platform} ${process.arch} ${os.release()}`,
    date: new Date().toISOString()
  }
}
