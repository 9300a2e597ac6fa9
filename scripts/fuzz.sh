#!/usr/bin/env bash
# Long fuzzing runs (not part of the test suite; the suite runs a short smoke of each target).
#   scripts/fuzz.sh                 list targets
#   scripts/fuzz.sh <name> [secs]   run fuzz_<name> for secs (default 600) with its corpus
#   scripts/fuzz.sh --all [secs]    run every target for secs each (default 60), one after the
#                                   other, and print executions, coverage, corpus size and
#                                   crashes per target; exit 1 if any target crashed
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
cmake --preset asan-ubsan >/dev/null
targets() { ls tests/fuzz/fuzz_*.cpp | sed 's#.*/fuzz_##; s#\.cpp##'; }
if [ $# -eq 0 ]; then
  targets
  exit 0
fi

run_one() {  # name secs [extra libFuzzer args]
  local name="$1" secs="$2"; shift 2
  local corpus="build/fuzz-corpus/fuzz_$name"
  mkdir -p "$corpus"
  local seeds=()
  [ -d "tests/fuzz/corpus/fuzz_$name" ] && seeds=("tests/fuzz/corpus/fuzz_$name")
  "build/asan-ubsan/tests/fuzz/fuzz_$name" -max_total_time="$secs" -max_len=65536 \
    -artifact_prefix="build/fuzz-artifacts/fuzz_$name-" "$@" "$corpus" "${seeds[@]}"
}
mkdir -p build/fuzz-artifacts

if [ "$1" = "--all" ]; then
  secs="${2:-60}"
  all=($(targets))
  cmake --build --preset asan-ubsan -j "$(nproc)" --target $(printf 'fuzz_%s ' "${all[@]}")
  summary=()
  crashed=0
  for name in "${all[@]}"; do
    log="build/fuzz-artifacts/fuzz_$name.log"
    echo "== fuzz_$name: ${secs} s"
    rc=0
    run_one "$name" "$secs" -print_final_stats=1 >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    units=$(ls "build/fuzz-corpus/fuzz_$name" | wc -l)
    status=ok
    if [ "$rc" -ne 0 ]; then status="CRASH (rc $rc, see $log)"; crashed=1; fi
    summary+=("$(printf '%-28s execs %-12s cov %-7s corpus %-6s %s' "fuzz_$name" "${execs:-?}" "${cov:-?}" "$units" "$status")")
  done
  echo "== summary (${secs} s per target)"
  printf '%s\n' "${summary[@]}"
  exit "$crashed"
fi

name="$1"; secs="${2:-600}"
cmake --build --preset asan-ubsan -j "$(nproc)" --target "fuzz_$name"
run_one "$name" "$secs"
