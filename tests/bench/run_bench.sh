#!/usr/bin/env bash
# run_bench.sh — the one-command benchmark suite: generates the workload (cached in
# build/bench-data), builds sigmatch + sigmatch_bench, runs every row side by side in one run
# (repetitions interleaved across rows so drift hits all rows alike; median of --reps), and
# prints a Markdown table plus compile time, image size and peak RSS. See tests/bench/RESULTS.md.
#
#   tests/bench/run_bench.sh [--count N] [--reps K] [--slow-limit N] [--ref100-limit N]
#                            [--ref-limit N] [--no-build]
#
# --slow-limit caps the records for the 100-rule and all-Windows VM rows (0 = all --count
# records; default 200000); --ref100-limit caps the reference evaluator over the 100 rules
# (default 20000) and --ref-limit the reference over all Windows rules (default 2000; it runs
# every rule's tree per record). Capped rows say so in the records column; rates are per record,
# so they compare. A paired VM row over the same capped records checks that the match hashes
# agree. The 2-thread rows are the CLI (`sigmatch scan -j 2 --stats` vs `-j 1`, same file).
set -euo pipefail

count=200000
reps=3
slow_limit=200000
ref100_limit=20000
ref_limit=2000
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --slow-limit) slow_limit=$2; shift 2 ;;
    --ref-limit) ref_limit=$2; shift 2 ;;
    --ref100-limit) ref100_limit=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
data=$build_dir/bench-data
shared=$root/../shared
corpus=$shared/corpus/sigmahq
gen=$shared/bench/gen_events.py
mkdir -p "$data"

# --- build (the default RelWithDebInfo = -O2 build in build/) ---------------------------------
if [ "$build" = 1 ]; then
  [ -f "$build_dir/build.ninja" ] || cmake -S "$root" -B "$build_dir" -G Ninja -DSIGMATCH_BUILD_BENCH=ON >/dev/null
  cmake --build "$build_dir" --target sigmatch_cli sigmatch_bench >/dev/null
fi
# Snapshot the binaries: every row then measures the same code even if the build directory is
# rebuilt while the suite runs.
mkdir -p "$data/bin"
cp -f "$build_dir/sigmatch" "$build_dir/tests/bench/sigmatch_bench" "$data/bin/"
if [ "$build" = 1 ]; then cmake --build "$build_dir" --target sigmatch_micro_bench >/dev/null 2>&1 || true; fi
[ -x "$build_dir/tests/bench/sigmatch_micro_bench" ] && cp -f "$build_dir/tests/bench/sigmatch_micro_bench" "$data/bin/"
cli=$data/bin/sigmatch
bench=$data/bin/sigmatch_bench

# --- workload (deterministic: same count + seed = same bytes, so the cache is safe) -------------
for shape in flat winlogbeat; do
  f=$data/events-$shape-$count.jsonl
  if [ ! -s "$f" ]; then
    python3 "$gen" --count "$count" --seed 1 --shape "$shape" > "$f.tmp"
    mv -f "$f.tmp" "$f"
  fi
done
events=$data/events-flat-$count.jsonl
events_wlb=$data/events-winlogbeat-$count.jsonl
# The same records with every CommandLine and ParentCommandLine made unique (" /r:<line>"
# appended): the generator's fleet repeats 5,001 command lines, which the scan cache replays;
# real logs repeat far fewer, and this row measures the scans the cache cannot save.
events_uniq=$data/events-flat-uniqcmd-$count.jsonl
if [ ! -s "$events_uniq" ]; then
  python3 - "$events" "$events_uniq.tmp" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as o:
    for i, line in enumerate(f):
        d = json.loads(line)
        for k in ("CommandLine", "ParentCommandLine"):
            if isinstance(d.get(k), str):
                d[k] += " /r:%d" % i
        o.write(json.dumps(d) + "\n")
PY
  mv -f "$events_uniq.tmp" "$events_uniq"
fi
prefix=$data/events-flat-$count-head$slow_limit.jsonl
if [ "$slow_limit" -gt 0 ]; then head -n "$slow_limit" "$events" > "$prefix"; else prefix=$events; fi

# --- rule sets -----------------------------------------------------------------------------------
shipped=$root/rules/windows/security
have_corpus=0
if [ -d "$corpus/rules" ]; then
  have_corpus=1
  # All SigmaHQ rules whose logsource says product: windows, across every rules*/ folder.
  grep -rlE '^\s*product:\s*windows\s*$' "$corpus"/rules*/ --include='*.yml' | LC_ALL=C sort > "$data/rules-windows.txt"
  # 100 rules spread evenly over rules/ (the maintained set), each one `sigmatch check` accepts
  # (a rule that does not compile yet is replaced by the next file in sorted order).
  if [ ! -s "$data/rules100.txt" ]; then
    grep -rlE '^\s*product:\s*windows\s*$' "$corpus/rules/" --include='*.yml' | LC_ALL=C sort > "$data/rules-main-windows.txt"
    n=$(wc -l < "$data/rules-main-windows.txt")
    : > "$data/rules100.txt.tmp"
    for i in $(seq 0 99); do
      idx=$(( i * n / 100 + 1 ))
      while [ "$idx" -le "$n" ]; do
        f=$(sed -n "${idx}p" "$data/rules-main-windows.txt")
        if ! grep -qxF "$f" "$data/rules100.txt.tmp" && "$cli" check --no-lint "$f" >/dev/null 2>&1; then
          echo "$f" >> "$data/rules100.txt.tmp"; break
        fi
        idx=$((idx + 1))
      done
    done
    mv "$data/rules100.txt.tmp" "$data/rules100.txt"
  fi
else
  echo "run_bench.sh: $corpus absent: SigmaHQ rows skipped" >&2
fi

# --- rows: name|mode|rules|opt|threads|events|limit|shape ----------------------------------------
rows=(
  "parse floor (shipped fields)|parse|$shipped|1|1|$events|0|flat"
  "VM -O1, shipped rules|vm|$shipped|1|1|$events|0|flat"
  "VM -O0, shipped rules|vm|$shipped|0|1|$events|0|flat"
  "hand-written C++, shipped rules|handwritten|$shipped|1|1|$events|0|flat"
  "reference, shipped rules|reference|$shipped|1|1|$events|0|flat"
)
if [ "$have_corpus" = 1 ]; then
  r100=@$data/rules100.txt
  rwin=@$data/rules-windows.txt
  rows+=(
    "parse floor (100-rule fields)|parse|$r100|1|1|$events|0|flat"
    "VM -O1, 100 rules|vm|$r100|1|1|$events|$slow_limit|flat"
    "VM -O0, 100 rules|vm|$r100|0|1|$events|$slow_limit|flat"
    "VM -O1, 100 rules (ref. check)|vm|$r100|1|1|$events|$ref100_limit|flat"
    "reference, 100 rules|reference|$r100|1|1|$events|$ref100_limit|flat"
    "parse floor (all-Windows fields)|parse|$rwin|1|1|$events|0|flat"
    "VM -O1, all Windows rules|vm|$rwin|1|1|$events|$slow_limit|flat"
    "VM -O0, all Windows rules|vm|$rwin|0|1|$events|$slow_limit|flat"
    "VM -O1 without dispatch, all Windows rules|vm|$rwin|1 --no-dispatch|1|$events|$slow_limit|flat"
    "VM -O1 without literal-guards, all Windows rules|vm|$rwin|1 --disable literal-guards|1|$events|$slow_limit|flat"
    "VM -O1 without scan cache, all Windows rules|vm|$rwin|1 --no-scan-cache|1|$events|$slow_limit|flat"
    "VM -O1 without regex guards, all Windows rules|vm|$rwin|1 --no-regex-guards|1|$events|$slow_limit|flat"
    "VM -O1 without prefilter clauses, all Windows rules|vm|$rwin|1 --no-prefilter-clauses|1|$events|$slow_limit|flat"
    "VM -O1 without kill lists, all Windows rules|vm|$rwin|1 --no-kill-lists|1|$events|$slow_limit|flat"
    "VM -O1 without deferred clauses, all Windows rules|vm|$rwin|1 --no-defer-clauses|1|$events|$slow_limit|flat"
    "VM -O1, all Windows rules (ref. check)|vm|$rwin|1|1|$events|$ref_limit|flat"
    "reference, all Windows rules|reference|$rwin|1|1|$events|$ref_limit|flat"
    "parse floor (all-Windows fields), winlogbeat|parse|$rwin|1|1|$events_wlb|0|winlogbeat"
    "VM -O1, all Windows rules, winlogbeat|vm|$rwin|1|1|$events_wlb|$slow_limit|winlogbeat"
    "parse floor (all-Windows fields), unique command lines|parse|$rwin|1|1|$events_uniq|0|flat"
    "VM -O1, all Windows rules, unique command lines|vm|$rwin|1|1|$events_uniq|$slow_limit|flat"
  )
fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
results=$data/results.txt
: > "$results"
for rep in $(seq 1 "$reps"); do
  for row in "${rows[@]}"; do
    IFS='|' read -r name mode rules opt threads ev limit shape <<< "$row"
    echo "[rep $rep/$reps] $name" >&2
    # $opt is the level plus optional switches ("1 --no-dispatch"): split on purpose.
    # shellcheck disable=SC2086
    out=$("$bench" --mode "$mode" --rules "$rules" -O $opt --threads "$threads" --events "$ev" --limit "$limit")
    echo "row=$name|shape=$shape|$out" >> "$results"
  done
done

# --- the CLI as users run it: compile time, image size, scan from disk, peak RSS ----------------
cli_results=$data/cli.txt
: > "$cli_results"
: > "$data/cli-out.txt"
timed() {  # timed LABEL CMD... -> appends "label|wall_s|max_rss_kb|stderr-tail" (exit status ignored)
  local label=$1; shift
  /usr/bin/time -v -o "$data/time.txt" "$@" > "$data/stdout.txt" 2> "$data/stderr.txt" || true
  # stdout digest: the -j1 and -j2 scans must print the same lines in the same order.
  echo "$label|$(wc -l < "$data/stdout.txt")|$(md5sum < "$data/stdout.txt" | cut -c1-8)" >> "$data/cli-out.txt"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$data/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$data/time.txt")
  echo "$label|$wall|$rss|$(grep -E 'wrote|records/s' "$data/stderr.txt" | tail -1)" >> "$cli_results"
}
jobs_flag=0
"$cli" scan --help 2>&1 | grep -qE '(^|[ ,])-j' && jobs_flag=1
for rep in $(seq 1 "$reps"); do
  timed "compile shipped rules" "$cli" compile "$shipped" -o "$data/shipped.smc"
  if [ "$have_corpus" = 1 ]; then
    # xargs would split a long list into several runs; the list fits one command line.
    timed "compile all Windows rules" "$cli" compile $(cat "$data/rules-windows.txt") -o "$data/windows.smc"
    timed "compile whole corpus (rules*/)" "$cli" compile "$corpus"/rules*/ -o "$data/corpus.smc"
    timed "scan -j1, all Windows .smc, $(wc -l < "$prefix") records" "$cli" scan -j 1 --stats --rules "$data/windows.smc" "$prefix"
    if [ "$jobs_flag" = 1 ]; then
      timed "scan -j2, all Windows .smc, $(wc -l < "$prefix") records" "$cli" scan -j 2 --stats --rules "$data/windows.smc" "$prefix"
    fi
  fi
  timed "scan -j1, shipped .smc, $count records" "$cli" scan -j 1 --stats --rules "$data/shipped.smc" "$events"
  if [ "$jobs_flag" = 1 ]; then
    timed "scan -j2, shipped .smc, $count records" "$cli" scan -j 2 --stats --rules "$data/shipped.smc" "$events"
  fi
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Google Benchmark micro rows (eval only, pre-parsed events), when built.
micro=$data/bin/sigmatch_micro_bench
if [ -x "$micro" ] && [ "$have_corpus" = 1 ]; then
  SIGMATCH_BENCH_EVENTS=$events SIGMATCH_BENCH_RULES100=$data/rules100.txt \
    SIGMATCH_BENCH_RULES_WINDOWS=$data/rules-windows.txt \
    "$micro" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
    --benchmark_filter='BM_(vm|handwritten)' --benchmark_min_time=0.5 > "$data/micro.txt" 2>&1 || true
fi

# --- table ---------------------------------------------------------------------------------------
python3 - "$results" "$cli_results" "$jobs_flag" "$(nproc)" "$data/cli-out.txt" <<'PY'
import sys, statistics
from collections import OrderedDict
res_path, cli_path, jobs_flag, nproc = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
out_path = sys.argv[5]

rows = OrderedDict()
for line in open(res_path):
    head, _, kv = line.rstrip("\n").partition("|shape=")
    name = head[len("row="):]
    shape, _, rest = kv.partition("|")
    d = dict(p.split("=", 1) for p in rest.split())
    d["shape"] = shape
    rows.setdefault(name, []).append(d)

def med(name, key):
    return statistics.median(float(r[key]) for r in rows[name])

R = {}
for name, runs in rows.items():
    r = dict(runs[0])
    r["rps"] = med(name, "records_per_s"); r["mbps"] = med(name, "mb_per_s"); r["secs"] = med(name, "seconds")
    r["spread"] = (max(float(x["records_per_s"]) for x in runs) - min(float(x["records_per_s"]) for x in runs)) / r["rps"]
    R[name] = r

def floor_for(name):
    r = R[name]
    if "winlogbeat" in name: return "parse floor (all-Windows fields), winlogbeat"
    if "unique command lines" in name: return "parse floor (all-Windows fields), unique command lines"
    if "shipped" in name or "hand-written" in name: return "parse floor (shipped fields)"
    if "100 rules" in name: return "parse floor (100-rule fields)"
    return "parse floor (all-Windows fields)"

print("| row | rules | records | shape | records/s | MB/s | x parse floor | matches | match hash | spread |")
print("|---|---:|---:|---|---:|---:|---:|---:|---|---:|")
for name, r in R.items():
    fl = R.get(floor_for(name))
    ratio = r["rps"] / fl["rps"] if fl else float("nan")
    matches = r["matches"] if r["mode"] != "parse" else "-"
    h = r["match_hash"][:8] if r["mode"] != "parse" else "-"
    print(f"| {name} | {r['rules']} | {int(r['records']):,} | {r['shape']} | {r['rps']:,.0f} | {r['mbps']:.1f} | {ratio:.3f} | {matches} | {h} | {r['spread']*100:.0f}% |")

# Groups that must report identical matches (same records, same rules).
groups = [["VM -O1, shipped rules", "VM -O0, shipped rules", "hand-written C++, shipped rules", "reference, shipped rules"],
          ["VM -O1, 100 rules", "VM -O0, 100 rules"],
          ["VM -O1, 100 rules (ref. check)", "reference, 100 rules"],
          ["VM -O1, all Windows rules", "VM -O0, all Windows rules", "VM -O1 without dispatch, all Windows rules",
           "VM -O1 without literal-guards, all Windows rules", "VM -O1 without scan cache, all Windows rules",
           "VM -O1 without regex guards, all Windows rules", "VM -O1 without prefilter clauses, all Windows rules",
           "VM -O1 without kill lists, all Windows rules", "VM -O1 without deferred clauses, all Windows rules"],
          ["VM -O1, all Windows rules (ref. check)", "reference, all Windows rules"]]
print()
for g in groups:
    g = [n for n in g if n in R]
    if len(g) < 2: continue
    same = len({R[n]["match_hash"] for n in g}) == 1
    print(f"- matches {'AGREE' if same else 'DIFFER'}: " + ", ".join(f"{n} = {R[n]['matches']}" for n in g))

cli = OrderedDict()
for line in open(cli_path):
    label, wall, rss, tail = line.rstrip("\n").split("|", 3)
    cli.setdefault(label, []).append((float(wall or 0), int(rss or 0), tail))
print()
print("| command (CLI, median) | wall s | peak RSS MB | output |")
print("|---|---:|---:|---|")
for label, runs in cli.items():
    w = statistics.median(x[0] for x in runs); m = statistics.median(x[1] for x in runs)
    print(f"| {label} | {w:.2f} | {m/1024:.0f} | {runs[-1][2]} |")
if not jobs_flag:
    print("| scan -j2 | pending | | `sigmatch scan` has no -j yet |")
outs = OrderedDict()
for line in open(out_path):
    label, n, h = line.rstrip("\n").split("|")
    outs.setdefault(label.replace("-j1", "-jN").replace("-j2", "-jN"), set()).add((n, h))
print()
for label, s in outs.items():
    if "scan -jN" in label:
        same = len(s) == 1
        n, h = sorted(s)[0]
        print(f"- output {'IDENTICAL' if same else 'DIFFERS'} for -j1 / -j2 over all reps: {label}: " + ", ".join(f"{a} lines md5 {b}" for a, b in sorted(s)))

# Targets from the issue. Eval cost = row time per record minus its parse floor's time per record.
def per_rec(n): return 1.0 / R[n]["rps"]
def eval_cost(n): return max(per_rec(n) - per_rec(floor_for(n)), 1e-12)
print()
print("| target | measured | met |")
print("|---|---|---|")
def target(desc, value, ok, fmt):
    print(f"| {desc} | {fmt.format(value)} | {'yes' if ok else 'NO'} |")
W, H = "VM -O1, all Windows rules", "VM -O1, 100 rules"
if W in R:
    v = R[W]["rps"] / R[floor_for(W)]["rps"]; target("all-Windows scan >= 0.5x parse floor", v, v >= 0.5, "{:.3f}x")
if W in R and H in R:
    v = per_rec(W) / per_rec(H); target("all-Windows <= 2x the 100-rule cost (per record, parse+eval)", v, v <= 2, "{:.1f}x")
    v = eval_cost(W) / eval_cost(H); target("  same, eval only (minus parse floor)", v, v <= 2, "{:.1f}x")
for ref, vm in [("reference, shipped rules", "VM -O1, shipped rules"), ("reference, 100 rules", H),
                ("reference, all Windows rules", "VM -O1, all Windows rules (ref. check)")]:
    if ref in R and vm in R:
        v = R[vm]["rps"] / R[ref]["rps"]; target(f"optimised >= 10x reference ({vm}; parse+eval)", v, v >= 10, "{:.1f}x")
        v = eval_cost(ref) / eval_cost(vm); target(f"  same, eval only", v, v >= 10, "{:.1f}x")
hw, vs = "hand-written C++, shipped rules", "VM -O1, shipped rules"
v = per_rec(vs) / per_rec(hw); target("VM within 1.5x of hand-written (parse+eval)", v, v <= 1.5, "{:.2f}x")
# When the hand-written matcher's cost is below timing noise (it can even beat the floor run),
# an eval-only ratio is meaningless here: sigmatch_micro_bench measures it on pre-parsed events.
if per_rec(hw) - per_rec(floor_for(hw)) > 0.05 * per_rec(floor_for(hw)):
    v = eval_cost(vs) / eval_cost(hw); target("  same, eval only", v, v <= 1.5, "{:.2f}x")
else:
    print("| VM within 1.5x of hand-written, eval only | see sigmatch_micro_bench (hand-written eval cost is below end-to-end timing noise) | - |")
for label in ["compile whole corpus (rules*/)", "compile all Windows rules"]:
    if label in cli:
        w = statistics.median(x[0] for x in cli[label]); target(f"{label} <= 2 s", w, w <= 2, "{:.2f} s")
for lbl in cli:
    if lbl.startswith("scan -j1,"):
        two = lbl.replace("scan -j1,", "scan -j2,")
        if two in cli:
            w1 = statistics.median(x[0] for x in cli[lbl]); w2 = statistics.median(x[0] for x in cli[two])
            v = w1 / w2
            target(f"2 threads >= 1.8x one thread (`sigmatch scan -j 2` vs `-j 1`, wall time, {lbl[len('scan -j1, '):]}, nproc={nproc})", v, v >= 1.8, "{:.2f}x")
if not jobs_flag:
    print("| 2 threads >= 1.8x one thread (`sigmatch scan -j 2`) | pending: no -j in scan yet | - |")
PY
if [ -s "$data/micro.txt" ]; then
  echo
  echo "sigmatch_micro_bench (eval only, 1,000 pre-parsed records per iteration, hot in cache as after parsing; medians):"
  echo '```'
  grep -E '_median' "$data/micro.txt" || cat "$data/micro.txt"
  echo '```'
fi
