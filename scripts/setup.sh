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

# npm projects of the tests' independent peers (js-libp2p nodes, chronik-client, xpi-ts, …):
# each folder has a package.json and a package-lock.json pinning exact versions. Add a folder
# here when a test needs another one.
npm_dirs=(tests/interop tests/chronik/js tests/chain/js)
if [ "${LOTUS_SKIP_NPM:-0}" != "1" ]; then
  for d in "${npm_dirs[@]}"; do
    [ -f "$here/$d/package.json" ] || continue
    nm="$here/$d/node_modules"
    if [ ! -f "$nm/.package-lock.json" ] || [ "$here/$d/package-lock.json" -nt "$nm/.package-lock.json" ]; then
      # A partial install or a stray symlink is replaced by a clean one.
      if [ -L "$nm" ]; then rm -f "$nm"; fi
      echo "setup: installing the pinned npm packages of $d (npm ci)"
      (cd "$here/$d" && npm ci --no-audit --no-fund --loglevel=error)
    else
      echo "setup: npm packages of $d present"
    fi
  done
fi
echo "setup: done"
