#!/usr/bin/env bash
# `npm run bench:actions`: executeJs latency on 5 headless node tabs (warm and
# cold), sandbox start cost, with the bare stream round trip and pkpSign as the
# floor, in the same run. Prints one JSON object on stdout (progress on stderr).
# Runs inside a private loopback-only network namespace when root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec scripts/with-netns.sh tsx bench/actions.ts "$@"
