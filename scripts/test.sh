#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: unit, simulation, vector, interop
# (real js-libp2p nodes) and fuzz-smoke tests, in a release build (g++, warnings as errors)
# and again under AddressSanitizer + UndefinedBehaviorSanitizer (clang).
#   scripts/test.sh            everything
#   scripts/test.sh --quick    release build only (no sanitizer pass)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

bash scripts/setup.sh
jobs="$(nproc)"
export CTEST_OUTPUT_ON_FAILURE=1

echo "== release build (g++ -O2, -Werror) =="
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
echo "== release tests =="
ctest --preset release -j "$jobs" --timeout 300

if [ "$quick" = 0 ]; then
  echo "== asan-ubsan build (clang, ASan+UBSan, libFuzzer targets) =="
  cmake --preset asan-ubsan >/dev/null
  cmake --build --preset asan-ubsan -j "$jobs"
  echo "== asan-ubsan tests (incl. fuzz smoke) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --preset asan-ubsan -j "$jobs" --timeout 600
fi
echo "== all tests passed =="
