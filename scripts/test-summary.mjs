// Adds up vitest's and Playwright's JSON reports into one closing line
// "N passed, N failed" (skipped appended when any), the line CI reads.
// A report that is missing counts as one failure: a suite that did not run is not a pass.
import { readFileSync, existsSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
const [unitPath, e2ePath] = process.argv.slice(2)

if (unitPath !== undefined && existsSync(unitPath)) {
  const r = JSON.parse(readFileSync(unitPath, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  // A file that failed to load has no tests but is still a failure.
  failed += (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length
} else {
  console.error(`summary: no unit report at ${unitPath}`)
  failed += 1
}

if (process.env.SKIP_E2E !== '1') {
  if (e2ePath !== undefined && existsSync(e2ePath)) {
    const s = JSON.parse(readFileSync(e2ePath, 'utf8')).stats
    passed += s.expected + s.flaky
    failed += s.unexpected
    skipped += s.skipped
    if ((s.expected + s.flaky + s.unexpected) === 0) { console.error('summary: the e2e suite ran no test'); failed += 1 }
  } else {
    console.error(`summary: no e2e report at ${e2ePath}`)
    failed += 1
  }
}

console.log(`${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''))
process.exit(failed > 0 ? 1 : 0)
