#!/usr/bin/env bash
# `npm test`: lint, typecheck, unit tests (vitest), then the Playwright e2e suite with
# real Chromium tabs inside a loopback-only network namespace. Ends with one
# line "N passed, N failed" counting every test of both suites.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1
export PATH="$PWD/node_modules/.bin:$PATH"
rm -rf .reports && mkdir -p .reports

status=0
echo "== lint (eslint, neostandard)"
eslint . || { echo "lint failed"; status=1; }

echo "== typecheck (tsc --noEmit)"
tsc -p tsconfig.json || { echo "typecheck failed"; status=1; }

echo "== unit tests (vitest)"
vitest run --reporter=default --reporter=json --outputFile.json=.reports/unit.json || status=1

if [ "${SKIP_E2E:-}" != 1 ]; then
  echo "== e2e (Playwright, Chromium tabs, private network namespace)"
  PLAYWRIGHT_JSON_OUTPUT_NAME=.reports/e2e.json scripts/with-netns.sh playwright test --reporter=list,json || status=1
fi

node scripts/test-summary.mjs .reports/unit.json .reports/e2e.json || status=1
exit $status
