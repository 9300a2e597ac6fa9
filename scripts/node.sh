#!/usr/bin/env bash
# Sets everything up, builds and runs a lotus-p2p node (lotus-p2pd). Extra arguments go to
# lotus-p2pd, e.g. scripts/node.sh --listen /ip4/127.0.0.1/tcp/4001
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
LOTUS_SKIP_NPM=1 bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target lotus-p2pd lotus-p2p
exec "$here/build/release/apps/lotus-p2pd" "$@"
