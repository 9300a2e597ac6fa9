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
# Runs one preset's tests, then prints how many ran per label and fails when a label that must
# be there ran none (a test category that silently vanished is a failure, not a pass).
run_suite() {
  local preset="$1"; shift
  local log="build/$preset/ctest-summary.log"
  local rc=0
  "$@" ctest --preset "$preset" -j "$jobs" --timeout "$timeout" 2>&1 | tee "$log" || rc=$?
  echo "== $preset: tests run per label =="
  local missing=0
  for label in "${labels[@]}"; do
    local n
    n=$(sed -n "s/^${label} *=.*(\([0-9]*\) tests\?)\$/\1/p" "$log" | head -1)
    printf '  %-8s %s\n' "$label" "${n:-0}"
    if [ -z "$n" ] || [ "$n" -eq 0 ]; then missing=1; fi
  done
  if [ "$missing" -ne 0 ]; then
    echo "test.sh: a test label ran no tests in the $preset run (see above); that is a failure" >&2
    return 1
  fi
  return "$rc"
}

echo "== release tests =="
labels=(unit interop daemon install bench-smoke)
timeout=300
run_suite release env

if [ "$quick" = 0 ]; then
  echo "== asan-ubsan build (clang, ASan+UBSan, libFuzzer targets) =="
  cmake --preset asan-ubsan >/dev/null
  cmake --build --preset asan-ubsan -j "$jobs"
  echo "== asan-ubsan tests (incl. fuzz smoke) =="
  labels=(unit interop daemon install fuzz)
  timeout=600
  run_suite asan-ubsan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
echo "== all tests passed =="
