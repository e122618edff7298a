#!/usr/bin/env bash
# cli_test.sh — end-to-end tests of the `sigmatch` CLI contract (DESIGN.md "CLI contract"):
# exit codes, diagnostics format, JSON/SARIF output, compile/scan equivalence, input shapes,
# malformed records (every hostile-input kind, JSONL and XML), pretty-printed JSON, stdin,
# corrupted images, explain and test. Checks compiler/cli/main.cpp and runtime/input/ (big records: big_record_test.sh).
# Registered as ctest cli_test. usage: cli_test.sh PATH/TO/sigmatch SOURCE_DIR
set -u
cli=$1 src=$2
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" || exit 2

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
# expect_rc NAME WANT CMD... : runs CMD (stdout -> $tmp/out, stderr -> $tmp/err), checks the exit code.
expect_rc() {
  local name=$1 want=$2; shift 2
  "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name: exit $rc, want $want"; sed 's/^/  | /' "$tmp/err" | head -5; fi
}
is_json() { python3 -m json.tool "$1" > /dev/null 2>&1; }
pairs() { # (record, rule_id) pairs of a `scan --format jsonl` output, sorted
  python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip(): o=json.loads(l); print(o["record"], o["rule_id"])' | sort
}

security=rules/windows/security
events=examples/events
flat=$events/sample.flat.jsonl

# --- check -------------------------------------------------------------------------------
expect_rc "check $security exits 0" 0 "$cli" check "$security"
expect_rc "check unknown_modifier.yml exits 1" 1 "$cli" check tests/diagnostics/unknown_modifier.yml
if grep -Eq '^tests/diagnostics/unknown_modifier\.yml:[0-9]+:[0-9]+: error\[S0001\]' "$tmp/out" "$tmp/err"; then
  ok "check prints file:line:col: error[S0001]"
else
  bad "check prints file:line:col: error[S0001]"
fi
expect_rc "check on a missing path exits 2" 2 "$cli" check "$tmp/does-not-exist.yml"

expect_rc "check --format json exits 1 on an error" 1 "$cli" check --format json tests/diagnostics/unknown_modifier.yml
if is_json "$tmp/out"; then ok "check --format json is valid JSON"; else bad "check --format json is valid JSON"; fi
expect_rc "check --format json exits 0 on the pack" 0 "$cli" check --format json "$security"
if is_json "$tmp/out"; then ok "check --format json (clean) is valid JSON"; else bad "check --format json (clean) is valid JSON"; fi
expect_rc "check --format sarif exits 1 on an error" 1 "$cli" check --format sarif tests/diagnostics/unknown_modifier.yml
if is_json "$tmp/out"; then ok "check --format sarif is valid JSON"; else bad "check --format sarif is valid JSON"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("version")=="2.1.0" and d["runs"][0]["results"] else 1)' "$tmp/out" 2> /dev/null; then
  ok "SARIF has version 2.1.0 and results"
else
  bad "SARIF has version 2.1.0 and results"
fi

expect_rc "warning alone exits 0" 0 "$cli" check tests/diagnostics/unused_selection.yml
expect_rc "--werror turns the warning into exit 1" 1 "$cli" check --werror tests/diagnostics/unused_selection.yml

# --- compile + scan ----------------------------------------------------------------------
expect_rc "compile -o x.smc exits 0" 0 "$cli" compile "$security" -o "$tmp/x.smc"
[ -s "$tmp/x.smc" ] && ok "compile wrote a non-empty image" || bad "compile wrote a non-empty image"

expect_rc "scan --rules x.smc exits 0" 0 "$cli" scan --rules "$tmp/x.smc" "$flat"
cp "$tmp/out" "$tmp/scan_smc.txt"
expect_rc "scan --rules <dir> exits 0" 0 "$cli" scan --rules "$security" "$flat"
if [ -s "$tmp/scan_smc.txt" ] && cmp -s "$tmp/out" "$tmp/scan_smc.txt"; then
  ok "scan with .smc and with the rule directory print the same"
else
  bad "scan with .smc and with the rule directory print the same"; diff "$tmp/scan_smc.txt" "$tmp/out" | head -5
fi

# --stats: the optimiser's line. Every record runs at most all rules; the flat sample repeats
# values, so the scan cache has hits; -j 2 sums its two Matchers' rules to what -j 1 counts
# (not the cache counts: each chunk's cache starts empty, and its gates adapt to what it saw).
for j in 1 2; do
  "$cli" scan -j "$j" --stats --rules "$tmp/x.smc" "$flat" > /dev/null 2> "$tmp/stats$j"
done
nrules=$(grep -Eo '^rules: [0-9]+' "$tmp/stats1" | grep -Eo '[0-9]+')
if grep -Eq "^prefilter: [0-9]+\.[0-9]{2} of $nrules rules run per record  scan cache: [1-9][0-9]* lookups, [0-9.]+% hits$" "$tmp/stats1" &&
   python3 -c 'import re,sys
m = re.search(r"^prefilter: ([0-9.]+) of ([0-9]+) rules", open(sys.argv[1]).read(), re.M)
assert 0 < float(m.group(1)) < int(m.group(2)), m.group(0)' "$tmp/stats1"; then
  ok "scan --stats prints rules run per record and the scan cache's hit rate"
else
  bad "scan --stats prints rules run per record and the scan cache's hit rate"; sed 's/^/  | /' "$tmp/stats1"
fi
if [ "$(grep '^prefilter:' "$tmp/stats1" | sed 's/ *scan cache.*//')" = "$(grep '^prefilter:' "$tmp/stats2" | sed 's/ *scan cache.*//')" ]; then
  ok "scan -j 2 --stats sums the rules its chunks ran"
else
  bad "scan -j 2 --stats sums the rules its chunks ran"; grep -h '^prefilter:' "$tmp/stats1" "$tmp/stats2"
fi

expect_rc "scan --format jsonl exits 0" 0 "$cli" scan --rules "$tmp/x.smc" --format jsonl "$flat"
if [ -s "$tmp/out" ] && python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    assert {"record","rule_id","rule_title","level","source"} <= o.keys(), o
    assert isinstance(o["record"], int) and o["record"] >= 1
' "$tmp/out"; then
  ok "scan jsonl lines are JSON with record, rule_id, rule_title, level, source"
else
  bad "scan jsonl lines are JSON with record, rule_id, rule_title, level, source"
fi
pairs < "$tmp/out" > "$tmp/pairs.flat"
if diff <(tr '\t' ' ' < "$events/expected.tsv" | sort) "$tmp/pairs.flat" > /dev/null; then
  ok "scan matches examples/events/expected.tsv"
else
  bad "scan matches examples/events/expected.tsv"
fi
for f in "$events"/sample.*; do
  [ "$f" = "$flat" ] && continue
  "$cli" scan --rules "$tmp/x.smc" --format jsonl "$f" 2> "$tmp/err" | pairs > "$tmp/pairs.other"
  if [ -s "$tmp/pairs.other" ] && cmp -s "$tmp/pairs.flat" "$tmp/pairs.other"; then
    ok "$(basename "$f") gives the same (record, rule_id) set as the flat shape"
  else
    bad "$(basename "$f") gives the same (record, rule_id) set as the flat shape"; diff "$tmp/pairs.flat" "$tmp/pairs.other" | head -5
  fi
done

# malformed line in the middle: reported with its record number, both good records evaluated
{ sed -n 4p "$flat"; echo '{bad'; sed -n 11p "$flat"; } > "$tmp/mixed.jsonl"
expect_rc "scan with a malformed record exits 0" 0 "$cli" scan --rules "$tmp/x.smc" --format jsonl "$tmp/mixed.jsonl"
if grep -Eq '(:2\b|record 2\b)' "$tmp/err"; then ok "malformed record number is on stderr"; else bad "malformed record number is on stderr"; sed 's/^/  | /' "$tmp/err"; fi
got=$(pairs < "$tmp/out" | tr '\n' ';')
want="1 d06a100f-db58-4fab-8f53-fcab356648b1;3 3eb9ba34-5f75-47fe-a55b-981659118f22;3 d06a100f-db58-4fab-8f53-fcab356648b1;"
if [ "$got" = "$want" ]; then ok "good records around a malformed one still match"; else bad "good records around a malformed one still match: $got"; fi
expect_rc "scan --strict with a malformed record exits 1" 1 "$cli" scan --strict --rules "$tmp/x.smc" "$tmp/mixed.jsonl"

# hostile records (issue "Hostile input"): each malformed kind is reported as file:record and
# counted, every good record around them still matches; --strict exits 1. Huge records at the
# real 64 MiB limit: tests/cli/big_record_test.sh.
python3 - "$security/tests" "$events/sample.xml" "$tmp" <<'PY'
import os, sys
pos, xml, out = sys.argv[1:4]
good = [l.rstrip("\n") for l in open(os.path.join(pos, "win_security_cng_key_import.positive.jsonl"), encoding="utf-8")]
g = good[0].encode()
lines = [
    g,                                                    # 1 good
    g[: len(g) // 2],                                     # 2 truncated JSON
    b'[1, 2, 3]',                                         # 3 not an object
    g[:-1] + b', "Bad": "\xff\xfe"}',                     # 4 invalid UTF-8
    g[:-1] + b', "Nul": "a\x00b"}',                       # 5 NUL byte
    g[:-1] + b', "EventID": 1}',                          # 6 duplicate key: first wins, good
    g[:-1] + b', "Deep": ' + b"[" * 70 + b"]" * 70 + b"}",  # 7 nesting deeper than 64
    g[:-1] + b', "Big": 1e400, "Huge": -123456789012345678901234567890}',  # 8 out of range: good
    g[:-1] + b', "Num": 01}',                             # 9 invalid number
    good[1].encode(),                                     # 10 good
]
open(os.path.join(out, "hostile.jsonl"), "wb").write(b"\n".join(lines) + b"\n")
ev = [l.rstrip("\n").encode() for l in open(xml, encoding="utf-8")]
e4, e5, e6, e7 = ev[3], ev[4], ev[5], ev[6]  # each matches the pack
events = [
    e4,                                                   # 1 good
    e5.replace(b"</Computer>", b"\xff</Computer>"),       # 2 invalid UTF-8
    e5.replace(b"</Computer>", b"\x00</Computer>"),       # 3 NUL byte
    e5.replace(b"</EventData>", b"</EventData><UserData>" + b"<a>" * 70 + b"</a>" * 70 + b"</UserData>"),  # 4 too deep
    e5.replace(b"</EventData>", b""),                     # 5 unclosed element
    e6,                                                   # 6 good
    e7.replace(b"<EventData>", b"<EventData>" + e7[e7.index(b"<Data "):e7.index(b"</Data>") + 7]),  # 7 duplicate Data: good
    e4,                                                   # 8 good
]
open(os.path.join(out, "hostile.xml"), "wb").write(b"<Events>\n" + b"\n".join(events) + b"\n</Events>\n")
PY
expect_rc "scan of hostile.jsonl exits 0" 0 "$cli" scan --rules "$tmp/x.smc" "$tmp/hostile.jsonl"
got=$(grep -o '^[^ ]*: malformed record' "$tmp/err" | sed "s|^$tmp/||" | tr '\n' ';')
want="hostile.jsonl:2: malformed record;hostile.jsonl:3: malformed record;hostile.jsonl:4: malformed record;hostile.jsonl:5: malformed record;hostile.jsonl:7: malformed record;hostile.jsonl:9: malformed record;"
if [ "$got" = "$want" ]; then ok "hostile.jsonl: each malformed kind reported as file:record"; else bad "hostile.jsonl: each malformed kind reported as file:record: $got"; sed 's/^/  | /' "$tmp/err"; fi
grep -q "not valid UTF-8" "$tmp/err" && grep -q "NUL byte" "$tmp/err" && grep -q "not a JSON object" "$tmp/err" && grep -q "nesting deeper than 64" "$tmp/err" \
  && ok "hostile.jsonl: messages name the problem" || bad "hostile.jsonl: messages name the problem"
grep -Eq '^10 records read, 4 evaluated, 6 malformed, [0-9]+ matches$' "$tmp/err" && ok "hostile.jsonl: summary counts 6 malformed" || bad "hostile.jsonl: summary counts 6 malformed"
got=$(sed "s|^$tmp/hostile.jsonl:||" "$tmp/out" | cut -d: -f1 | sort -un | tr '\n' ' ')
[ "$got" = "1 6 8 10 " ] && ok "hostile.jsonl: good records 1, 6, 8, 10 all match" || bad "hostile.jsonl: good records 1, 6, 8, 10 all match: $got"
expect_rc "scan --strict of hostile.jsonl exits 1" 1 "$cli" scan --strict --rules "$tmp/x.smc" "$tmp/hostile.jsonl"
"$cli" scan -j 3 --rules "$tmp/x.smc" "$tmp/hostile.jsonl" > "$tmp/j3.out" 2> "$tmp/j3.err"
"$cli" scan --rules "$tmp/x.smc" "$tmp/hostile.jsonl" > "$tmp/j1.out" 2> "$tmp/j1.err"
cmp -s "$tmp/j1.out" "$tmp/j3.out" && cmp -s "$tmp/j1.err" "$tmp/j3.err" && ok "hostile.jsonl: scan -j 3 prints the same" || bad "hostile.jsonl: scan -j 3 prints the same"

expect_rc "scan of hostile.xml exits 0" 0 "$cli" scan --rules "$tmp/x.smc" "$tmp/hostile.xml"
got=$(grep -o '^[^ ]*: malformed record' "$tmp/err" | sed "s|^$tmp/||" | tr '\n' ';')
want="hostile.xml:2: malformed record;hostile.xml:3: malformed record;hostile.xml:4: malformed record;hostile.xml:5: malformed record;"
if [ "$got" = "$want" ]; then ok "hostile.xml: each malformed kind reported as file:record"; else bad "hostile.xml: each malformed kind reported as file:record: $got"; sed 's/^/  | /' "$tmp/err"; fi
grep -q "not valid UTF-8" "$tmp/err" && grep -q "NUL byte" "$tmp/err" && grep -q "nesting deeper than 64" "$tmp/err" \
  && ok "hostile.xml: messages name the problem" || bad "hostile.xml: messages name the problem"
grep -Eq '^8 records read, 4 evaluated, 4 malformed, [0-9]+ matches$' "$tmp/err" && ok "hostile.xml: summary counts 4 malformed" || bad "hostile.xml: summary counts 4 malformed"
got=$(sed "s|^$tmp/hostile.xml:||" "$tmp/out" | cut -d: -f1 | sort -un | tr '\n' ' ')
[ "$got" = "1 6 7 8 " ] && ok "hostile.xml: good events 1, 6, 7, 8 all match" || bad "hostile.xml: good events 1, 6, 7, 8 all match: $got"
expect_rc "scan --strict of hostile.xml exits 1" 1 "$cli" scan --strict --rules "$tmp/x.smc" "$tmp/hostile.xml"

# pretty-printed JSON (an array export, `jq .` output) is read record by record, numbered by
# element; a wrapper object and a document cut short are each reported once, not per line.
python3 - "$flat" "$tmp" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
out = sys.argv[2]
json.dump(recs, open(out + "/array.json", "w"), indent=2)
open(out + "/objects.json", "w").write("".join(json.dumps(r, indent=4) + "\n" for r in recs))
json.dump({"events": recs}, open(out + "/wrapped.json", "w"), indent=2)
text = json.dumps(recs, indent=2)
open(out + "/cut.json", "w").write(text[: text.index('"EventID"', len(text) // 2)])
PY
for f in array objects; do
  expect_rc "scan of a pretty-printed $f.json exits 0" 0 "$cli" scan --rules "$tmp/x.smc" --format jsonl "$tmp/$f.json"
  if [ ! -s "$tmp/err" ] && cmp -s <(pairs < "$tmp/out") "$tmp/pairs.flat"; then
    ok "$f.json: no errors, the (record, rule_id) pairs of the JSON Lines file"
  else
    bad "$f.json: no errors, the (record, rule_id) pairs of the JSON Lines file"; sed 's/^/  | /' "$tmp/err" | head -3
  fi
done
"$cli" scan -j 2 --rules "$tmp/x.smc" --format jsonl "$tmp/array.json" 2> "$tmp/err" | pairs > "$tmp/pairs.j2"
cmp -s "$tmp/pairs.j2" "$tmp/pairs.flat" && ok "array.json: scan -j 2 reads it whole" || bad "array.json: scan -j 2 reads it whole"
expect_rc "scan of a {\"events\": [...]} wrapper exits 0" 0 "$cli" scan --rules "$tmp/x.smc" "$tmp/wrapped.json"
if [ "$(grep -c 'malformed record' "$tmp/err")" = 1 ] && grep -q "wrapped.json:1: malformed record: .*jq -c '.events\[\]'" "$tmp/err"; then
  ok "wrapped.json: one message naming the wrapper and the jq to unwrap it"
else
  bad "wrapped.json: one message naming the wrapper and the jq to unwrap it"; sed 's/^/  | /' "$tmp/err" | head -5
fi
expect_rc "scan of a cut-short array exits 0" 0 "$cli" scan --rules "$tmp/x.smc" --format jsonl "$tmp/cut.json"
cut_at=$(sed -n 's/^.*cut\.json:\([0-9]*\): malformed record.*$/\1/p' "$tmp/err")
if [ "$(grep -c 'malformed record' "$tmp/err")" = 1 ] && grep -q 'input ends inside this record (record starts at line [0-9]*); reading of this input stops here' "$tmp/err" \
   && [ -s "$tmp/out" ] && pairs < "$tmp/out" | cmp -s - <(awk -v n="$cut_at" '$1 < n' "$tmp/pairs.flat"); then
  ok "cut.json: one error; the records before the cut still match"
else
  bad "cut.json: one error; the records before the cut still match"; sed 's/^/  | /' "$tmp/err" | head -5
fi

# stdin
"$cli" scan --rules "$tmp/x.smc" --format jsonl - < "$flat" > "$tmp/stdin.out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s <(pairs < "$tmp/stdin.out") "$tmp/pairs.flat"; then
  ok "scan reads events from stdin (-)"
else
  bad "scan reads events from stdin (-) (exit $rc)"
fi
if python3 -c 'import json,sys; sys.exit(0 if all(json.loads(l)["source"]=="-" for l in open(sys.argv[1])) else 1)' "$tmp/stdin.out" 2> /dev/null; then
  ok "stdin records have source \"-\""
else
  bad "stdin records have source \"-\""
fi

# corrupted images: exit 2 with a message naming an offset or instruction, never a crash
python3 - "$tmp/x.smc" "$tmp" <<'PY'
import os, random, sys
image = open(sys.argv[1], "rb").read()
out = sys.argv[2]
flipped = bytearray(image); flipped[len(image) // 2] ^= 0x5A
open(os.path.join(out, "flipped.smc"), "wb").write(flipped)
open(os.path.join(out, "truncated.smc"), "wb").write(image[: len(image) // 2])
open(os.path.join(out, "empty.smc"), "wb").write(b"")
random.seed(4692)
open(os.path.join(out, "random.smc"), "wb").write(bytes(random.randrange(256) for _ in range(len(image))))
open(os.path.join(out, "header_only.smc"), "wb").write(image[:16])
PY
for kind in flipped truncated empty random header_only; do
  "$cli" scan --rules "$tmp/$kind.smc" "$flat" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  if [ $rc -eq 2 ]; then ok "$kind .smc exits 2"; else bad "$kind .smc exits 2 (got $rc)"; fi
  if grep -Eq 'offset|instruction' "$tmp/err"; then ok "$kind .smc message names an offset or instruction"; else bad "$kind .smc message names an offset or instruction"; sed 's/^/  | /' "$tmp/err" | head -3; fi
done
expect_rc "explain on a corrupted .smc exits 2" 2 "$cli" explain "$tmp/flipped.smc" --emit=asm
# ... and the message names the cause first: a cut file is truncated (its checksum fails too),
# a short text file is not an image at all (it is short too).
"$cli" scan --rules "$tmp/truncated.smc" "$flat" > /dev/null 2> "$tmp/err"
grep -q 'truncated.smc: image is truncated at offset [0-9]*: the file has [0-9]* bytes, its header and sections declare' "$tmp/err" \
  && ok "truncated .smc says truncated" || bad "truncated .smc says truncated: $(cat "$tmp/err")"
printf 'title: x\n' > "$tmp/text.smc"
expect_rc "a short text file given as .smc exits 2" 2 "$cli" scan --rules "$tmp/text.smc" "$flat"
grep -q 'text.smc: not a sigmatch image (bad magic) at offset 0' "$tmp/err" \
  && ok "a short text file given as .smc says bad magic" || bad "a short text file given as .smc says bad magic: $(cat "$tmp/err")"

# --- scan -j: same lines in the same order as one thread, malformed lines numbered right ----
{ cat examples/events/sample.flat.jsonl; echo '{bad'; echo; cat examples/events/sample.flat.jsonl; } > "$tmp/twice.jsonl"
"$cli" scan --rules "$security" "$tmp/twice.jsonl" > "$tmp/j1.out" 2> "$tmp/j1.err"
for j in 2 3; do
  "$cli" scan -j "$j" --rules "$security" "$tmp/twice.jsonl" > "$tmp/jn.out" 2> "$tmp/jn.err"
  cmp -s "$tmp/j1.out" "$tmp/jn.out" && ok "scan -j $j prints what -j 1 prints" || bad "scan -j $j prints what -j 1 prints"
  grep -q "twice.jsonl:14: malformed" "$tmp/jn.err" && ok "scan -j $j numbers the malformed line" || bad "scan -j $j numbers the malformed line"
done
# Over 3 MiB: more pieces than threads (piece_targets: 4 at -j 2, 9 at -j 8), taken by
# whichever thread is free; malformed and blank lines in several pieces (at -j 8 a piece ends
# on a blank line and others start with one), matches numbered across them.
sample_lines=$(wc -l < examples/events/sample.flat.jsonl)
for k in $(seq 400); do
  cat examples/events/sample.flat.jsonl
  [ $((k % 50)) -eq 0 ] && { echo "{bad $k"; echo; }
done > "$tmp/many.jsonl"
[ "$(wc -c < "$tmp/many.jsonl")" -gt 3145728 ] || bad "many.jsonl is over 3 MiB"
"$cli" scan --rules "$security" "$tmp/many.jsonl" > "$tmp/m1.out" 2> "$tmp/m1.err"
# the 8th malformed line: after 400 copies of the sample and 7 pairs of (bad, blank) lines
grep -q "many.jsonl:$((400 * sample_lines + 7 * 2 + 1)): malformed" "$tmp/m1.err" \
  && ok "many.jsonl: scan numbers its last malformed line" || bad "many.jsonl: scan numbers its last malformed line: $(tail -1 "$tmp/m1.err")"
[ "$(grep -c "malformed record" "$tmp/m1.err")" -eq 8 ] && ok "many.jsonl: 8 malformed lines reported" || bad "many.jsonl: 8 malformed lines reported"
# The first record after 100,000 blank lines, opening a value it does not close: its error
# carries the "pretty-printed JSON?" hint, which only the reader starting at byte 0 gives; no
# -j cut may fall before that record (the blank lines are more than half of the file).
{ for k in $(seq 100000); do echo; done; echo '{'; for k in 1 2 3 4 5; do cat examples/events/sample.flat.jsonl; done; } > "$tmp/blank.jsonl"
"$cli" scan --rules "$security" "$tmp/blank.jsonl" > "$tmp/b1.out" 2> "$tmp/b1.err"
grep -q "blank.jsonl:100001: malformed record: .*jq -c" "$tmp/b1.err" && ok "blank.jsonl: the first record's error has the hint" \
  || bad "blank.jsonl: the first record's error has the hint: $(head -1 "$tmp/b1.err")"
"$cli" scan -j 2 --rules "$security" "$tmp/blank.jsonl" > "$tmp/b2.out" 2> "$tmp/b2.err"
cmp -s "$tmp/b1.out" "$tmp/b2.out" && cmp -s "$tmp/b1.err" "$tmp/b2.err" \
  && ok "blank.jsonl: scan -j 2 prints what -j 1 prints" || bad "blank.jsonl: scan -j 2 prints what -j 1 prints"
for j in 2 3 8; do
  "$cli" scan -j "$j" --rules "$security" "$tmp/many.jsonl" > "$tmp/mn.out" 2> "$tmp/mn.err"
  cmp -s "$tmp/m1.out" "$tmp/mn.out" && cmp -s "$tmp/m1.err" "$tmp/mn.err" \
    && ok "many.jsonl: scan -j $j prints what -j 1 prints" || bad "many.jsonl: scan -j $j prints what -j 1 prints"
done

# --- explain -----------------------------------------------------------------------------
rule=$security/win_security_dpapi_masterkey_backup_attempt.yml
for emit in asm ir ir-opt checked ast; do
  expect_rc "explain --emit=$emit exits 0" 0 "$cli" explain "$rule" --emit="$emit"
  [ -s "$tmp/out" ] && ok "explain --emit=$emit prints something" || bad "explain --emit=$emit prints something"
done
# --emit=ast prints the whole detection tree, the same text the golden test checks.
(cd tests/golden && "$cli" explain detection_shapes.yml --emit=ast > "$tmp/ast.out" 2> "$tmp/err")
cmp -s "$tmp/ast.out" tests/golden/detection_shapes.ast && ok "explain --emit=ast prints tests/golden/detection_shapes.ast" \
  || bad "explain --emit=ast prints tests/golden/detection_shapes.ast"
expect_rc "explain x.smc --emit=asm exits 0" 0 "$cli" explain "$tmp/x.smc" --emit=asm
grep -q 'd06a100f-db58-4fab-8f53-fcab356648b1' "$tmp/out" && ok "disassembly lists the rule ids" || bad "disassembly lists the rule ids"

# --- test --------------------------------------------------------------------------------
expect_rc "test $security exits 0" 0 "$cli" test "$security"
grep -q 'passed' "$tmp/out" "$tmp/err" && ok "test prints passed" || bad "test prints passed"

# --- usage -------------------------------------------------------------------------------
expect_rc "unknown subcommand exits 2" 2 "$cli" frobnicate
expect_rc "scan with an unreadable events file exits 2" 2 "$cli" scan --rules "$tmp/x.smc" "$tmp/no-such-events.jsonl"
expect_rc "test on a missing path exits 2" 2 "$cli" test "$tmp/no-such-rules"
grep -q 'no-such-rules: error\[I0001\]' "$tmp/err" && ok "test names the missing path" || bad "test names the missing path"
# An image whose magic was damaged is still an image (mangling detector at bytes 4..7), not a
# YAML rule file with a syntax error: it exits 2 like any other corrupted .smc.
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[0] ^= 0x20; open(sys.argv[2], "wb").write(b)' "$tmp/x.smc" "$tmp/damaged.bin"
expect_rc "scan --rules <image with a damaged magic, not named .smc> exits 2" 2 "$cli" scan --rules "$tmp/damaged.bin" "$flat"
grep -q 'bad magic' "$tmp/err" && ok "... and says bad magic" || bad "... and says bad magic"

# --help of every subcommand ends with its exit codes (DESIGN.md "CLI contract").
for sub in check compile scan explain test; do
  expect_rc "$sub --help exits 0" 0 "$cli" "$sub" --help
  if grep -q '^Exit codes:$' "$tmp/out" && grep -q '^  0  ' "$tmp/out" && grep -q '^  1  ' "$tmp/out" && grep -q '^  2  usage or I/O error' "$tmp/out"; then
    ok "$sub --help documents exit codes 0, 1 and 2"
  else
    bad "$sub --help documents exit codes 0, 1 and 2"
  fi
done
"$cli" scan --help | grep -q 'a --rules .smc that does not load' \
  && ok "scan --help: a .smc that does not load exits 2" || bad "scan --help: a .smc that does not load exits 2"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
