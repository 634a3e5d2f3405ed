#!/usr/bin/env bash
# `npm run bench:network`: the node runtime over 5 and 10 headless node tabs —
# mint time, presignature production, pkpSign latency with a warm pool, sustained
# signatures per second, decrypt latency, and the bare stream round trip as the
# floor. Prints one JSON object on stdout (progress on stderr).
# Runs inside a private loopback-only network namespace when root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec scripts/with-netns.sh tsx bench/network.ts "$@"
