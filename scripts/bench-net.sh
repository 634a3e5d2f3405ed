#!/usr/bin/env bash
# `npm run bench:net`: time to full mesh (5 and 10 tabs), request round trips and
# throughput between two tabs. Prints one JSON object on stdout (progress on stderr).
# Runs inside a private loopback-only network namespace when root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec scripts/with-netns.sh tsx bench/net.ts "$@"
