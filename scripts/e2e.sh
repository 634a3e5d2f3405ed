#!/usr/bin/env bash
# `npm run test:e2e`: the Playwright suite alone, inside a private loopback-only
# network namespace when root. Extra arguments go to `playwright test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec scripts/with-netns.sh playwright test "$@"
