#!/usr/bin/env bash
# Installs everything lotus-p2p needs on a Debian 12 machine: the Debian packages it builds
# and tests with, and the pinned npm packages of the js-libp2p interop peers.
# Idempotent; run as root (or with sudo available). Safe to re-run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev llvm clang-format clang-tidy
  libboost-dev libssl-dev libsecp256k1-dev
  nlohmann-json3-dev libsqlite3-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl ca-certificates iproute2
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
if ! command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then missing+=(npm); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

# Interop peers: exact versions pinned by tests/interop/package-lock.json.
if [ -f "$here/tests/interop/package.json" ] && [ "${LOTUS_SKIP_NPM:-0}" != "1" ]; then
  nm="$here/tests/interop/node_modules"
  if [ ! -f "$nm/.package-lock.json" ] || \
     [ "$here/tests/interop/package-lock.json" -nt "$nm/.package-lock.json" ]; then
    # A partial install or a stray symlink is replaced by a clean one.
    if [ -L "$nm" ]; then rm -f "$nm"; fi
    echo "setup: installing js-libp2p interop peers (npm ci)"
    (cd "$here/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "setup: js-libp2p interop peers present"
  fi
fi
echo "setup: done"
