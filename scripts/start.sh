#!/usr/bin/env bash
# `npm start`: install what is missing, then bring up a local testnet — the relay,
# the web server and headless Chromium node tabs (5 by default; `npm start -- --nodes 7`
# or NODES=7) — and print the dashboard URL. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec tsx scripts/testnet.ts "$@"
