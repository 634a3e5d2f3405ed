#!/usr/bin/env bash
# Run a command inside a fresh loopback-only network namespace, so nothing it
# starts (relay, web server, Chromium) can reach any address off this machine.
# Chromium needs --allow-loopback-in-peer-connection and media permission there
# to gather 127.0.0.1 WebRTC candidates (see docs/testnet.md).
# Usage: scripts/with-netns.sh <command> [args...]
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "with-netns: not root, so no private network namespace: running in the host namespace" >&2
  exec "$@"
fi
# unshare -n gives a new namespace that disappears with the process: nothing to clean up.
exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' with-netns "$@"
