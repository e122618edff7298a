#!/usr/bin/env bash
# run_all.sh SECONDS — builds the libFuzzer targets of tests/fuzz/ in a separate clang build
# dir (build-fuzz: libraries instrumented with fuzzer-no-link + ASan + UBSan) and runs each
# target for SECONDS on a copy of its seed corpus (tests/fuzz/corpus/<target>/, not modified).
# Prints executions and findings per target; crash inputs are kept in build-fuzz/findings/.
# Exit status: 0 when no target found anything, 1 otherwise. (time(1) writes a "Command exited
# with non-zero status" line before the times when a target fails: hence tail -1.)
set -uo pipefail
secs=${1:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
bld=$root/build-fuzz
san="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
# Until the top-level CMakeLists adds tests/fuzz itself, build through a tiny wrapper project.
src=$root
if ! grep -q 'add_subdirectory(tests/fuzz)' "$root/CMakeLists.txt"; then
  src=$bld/wrapper
  mkdir -p "$src"
  printf '%s\n' 'cmake_minimum_required(VERSION 3.20)' 'project(sigmatch_fuzz_wrapper C CXX)' \
    "add_subdirectory($root sigmatch)" "add_subdirectory($root/tests/fuzz fuzz)" >"$src/CMakeLists.txt"
fi
if [ ! -f "$bld/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$src" -B "$bld" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSIGMATCH_FUZZ=ON -DSIGMATCH_BUILD_TESTS=OFF -DSIGMATCH_BUILD_BENCH=OFF \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" >/dev/null || exit 2
fi
status=0
targets=(fuzz_load_verify fuzz_condition fuzz_rule_yaml fuzz_jsonl fuzz_xml fuzz_roundtrip)
# Build target by target: one stage failing to compile must not stop fuzzing the others.
built=()
for t in "${targets[@]}"; do
  if cmake --build "$bld" --target "$t" >"$bld/$t.build.log" 2>&1; then built+=("$t")
  else echo "$t: BUILD FAILED (see $bld/$t.build.log)"; status=1; fi
done
mkdir -p "$bld/findings" "$bld/runs"
printf '%-18s %10s %10s %8s\n' target execs cpu_s findings
for t in "${built[@]}"; do
  work=$bld/runs/$t findings=$bld/findings/$t
  rm -rf "$work"; mkdir -p "$work" "$findings"
  cp "$root/tests/fuzz/corpus/$t/"* "$work/" 2>/dev/null
  log=$bld/$t.log
  start=$(date +%s)
  /usr/bin/time -f '%U %S' -o "$bld/$t.time" \
    "$(find "$bld" -name "$t" -type f -perm -u+x | head -1)" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" >"$log" 2>&1
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cpu=$(tail -1 "$bld/$t.time" | awk '{printf "%.1f", $1 + $2}')
  n=$(find "$findings" -type f | wc -l)
  [ "$n" -gt 0 ] && status=1
  printf '%-18s %10s %10s %8s\n' "$t" "${execs:-?}" "$cpu" "$n"
  [ "$n" -gt 0 ] && grep -m3 -E 'ERROR|SUMMARY|runtime error' "$log" | sed 's/^/    /'
  # The inputs themselves, so a finding in a CI log can be reproduced without its artifacts.
  for f in $(find "$findings" -type f -size -2k | head -3); do
    echo "    input $(basename "$f") (base64): $(base64 -w0 "$f")"
  done
done
exit $status
