#!/usr/bin/env bash
# examples_test.sh — installs the build (cmake --install) into BUILD/_install, configures and
# builds examples/ against it with find_package(sigmatch), and runs embed_cpp and embed_c on
# examples/events/sample.flat.jsonl with the compiled security pack; their (record, rule_id)
# pairs must equal examples/events/expected.tsv. Checks cmake/sigmatchInstall.cmake,
# cmake/sigmatchConfig.cmake.in, examples/. Registered as ctest examples_test.
# usage: examples_test.sh BUILD_DIR SOURCE_DIR SECURITY_SMC [CMAKE] [SANITIZERS]
# SANITIZERS (SIGMATCH_SANITIZE of the build) is passed on, since an instrumented static
# libsigmatch needs its consumers compiled and linked with the same -fsanitize.
set -u
build=$1 src=$2 smc=$3 cmake=${4:-cmake} sanitize=${5:-}
prefix=$build/_install
ex_build=$build/_examples
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

rm -rf "$prefix" "$ex_build"
if "$cmake" --install "$build" --prefix "$prefix" > "$build/_install.log" 2>&1; then
  ok "cmake --install"
else
  cat "$build/_install.log"; bad "cmake --install"; finish
fi
for f in lib/cmake/sigmatch/sigmatchConfig.cmake lib/cmake/sigmatch/sigmatchConfigVersion.cmake \
         include/sigmatch/sigmatch.h include/sigmatch/runtime.hpp bin/sigmatch; do
  if [ -e "$prefix/$f" ]; then ok "installed $f"; else bad "installed $f"; fi
done

gen=()
command -v ninja > /dev/null && gen=(-G Ninja)
if [ -n "$sanitize" ]; then
  gen+=("-DCMAKE_C_FLAGS=-fsanitize=$sanitize" "-DCMAKE_CXX_FLAGS=-fsanitize=$sanitize"
        "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=$sanitize")
fi
if "$cmake" -S "$src/examples" -B "$ex_build" "${gen[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
     -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build/_examples.log" 2>&1 &&
   "$cmake" --build "$ex_build" >> "$build/_examples.log" 2>&1; then
  ok "examples configure + build against the installed package"
else
  cat "$build/_examples.log"; bad "examples configure + build"; finish
fi

expected=$(sort "$src/examples/events/expected.tsv")
for exe in embed_cpp embed_c; do
  out=$("$ex_build/$exe" "$smc" < "$src/examples/events/sample.flat.jsonl" 2> "$build/_$exe.err")
  rc=$?
  if [ $rc -eq 0 ]; then ok "$exe exits 0"; else cat "$build/_$exe.err"; bad "$exe exits 0 (got $rc)"; fi
  got=$(printf '%s\n' "$out" | sed -n 's/^record \([0-9]*\): \([^ ]*\) .*/\1\t\2/p' | sort)
  if [ "$got" = "$expected" ]; then
    ok "$exe detections equal expected.tsv"
  else
    bad "$exe detections equal expected.tsv"; diff <(echo "$expected") <(echo "$got")
  fi
  if printf '%s\n' "$out" | grep -q '^record 4: d06a100f-db58-4fab-8f53-fcab356648b1 DPAPI Master Key Backup Attempt$'; then
    ok "$exe prints 'record N: rule_id title'"
  else
    bad "$exe prints 'record N: rule_id title'"
  fi
  # a malformed line is reported and skipped, later records still match
  out=$(printf '{bad\n%s\n' "$(sed -n 4p "$src/examples/events/sample.flat.jsonl")" | "$ex_build/$exe" "$smc" 2> "$build/_$exe.err")
  if grep -q 'record 1' "$build/_$exe.err" && [ "$out" = "record 2: d06a100f-db58-4fab-8f53-fcab356648b1 DPAPI Master Key Backup Attempt" ]; then
    ok "$exe skips a malformed record"
  else
    bad "$exe skips a malformed record: $out"
  fi
done

# the installed CLI works on its own
if "$prefix/bin/sigmatch" scan --rules "$smc" "$src/examples/events/sample.flat.jsonl" > /dev/null 2>&1; then
  ok "installed bin/sigmatch scans"
else
  bad "installed bin/sigmatch scans"
fi
finish
