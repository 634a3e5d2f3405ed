/** Helpers shared by the bench scripts: timing, statistics, byte counting, machine info, output. */
export { median, percentile, mean, round } from './stats.js'
export { timeIt, measureOnce, Stopwatch, type Timing, type TimeItOptions } from './timing.js'
export { machineInfo, type MachineInfo } from './machine.js'
export { ByteCounter, countingBytes, countingSend, byteLength, type PartyBytes, type ByteSummary } from './bytes.js'
export { progress, printJson, jsonReplacer, setQuiet } from './output.js'
