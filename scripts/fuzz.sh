#!/usr/bin/env bash
# Long fuzzing runs (not part of the test suite; the suite runs a short smoke of each target).
#   scripts/fuzz.sh                 list targets
#   scripts/fuzz.sh <name> [secs]   run fuzz_<name> for secs (default 600) with its corpus
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
cmake --preset asan-ubsan >/dev/null
if [ $# -eq 0 ]; then
  ls tests/fuzz/fuzz_*.cpp | sed 's#.*/fuzz_##; s#\.cpp##'
  exit 0
fi
name="$1"; secs="${2:-600}"
cmake --build --preset asan-ubsan -j "$(nproc)" --target "fuzz_$name"
corpus="build/fuzz-corpus/fuzz_$name"
mkdir -p "$corpus"
seeds=()
[ -d "tests/fuzz/corpus/fuzz_$name" ] && seeds=("tests/fuzz/corpus/fuzz_$name")
exec "build/asan-ubsan/tests/fuzz/fuzz_$name" -max_total_time="$secs" -max_len=65536 "$corpus" "${seeds[@]}"
