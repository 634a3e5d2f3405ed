#!/usr/bin/env bash
# Installs what the project needs, only when it is missing or stale:
#  - npm packages (npm ci when package-lock.json changed since the last install),
#    which include Node 22 itself (the `node` package) and patch-package's fixes;
#  - Debian's chromium (Playwright cannot download its own browsers here).
# Idempotent; safe to run before every start and test.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.install-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing npm packages (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi

if [ "${SKIP_CHROMIUM:-}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "bootstrap: installing Debian's chromium with apt-get…" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
fi
