// micro_bench.cpp — sigmatch_micro_bench (Google Benchmark): the VM's per-record cost on events
// parsed once up front (so JSON parsing is not in the loop), for the shipped rule pack and for
// the 100-rule SigmaHQ sample, plus the text primitives the VM leans on (fold_case,
// glob_match). Data comes from run_bench.sh's cache: SIGMATCH_BENCH_EVENTS (JSONL) and
// SIGMATCH_BENCH_RULES100 (file listing one rule path per line); a benchmark whose data is
// absent reports SkipWithError instead of failing. Not registered with ctest.
#include <benchmark/benchmark.h>

#include <algorithm>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/pipeline.hpp"
#include "runtime/input/reader.hpp"
#include "runtime/vm/text.hpp"
#include "sigmatch/runtime.hpp"
#include "tests/bench/handwritten.hpp"

namespace {

using namespace sigmatch;

// Records per workload. In a scan the record being matched has just been parsed, so it is in
// cache; 20,000 pre-parsed records (about 20 MB here) are not, and the benchmark then measured
// memory misses: a matcher that does little per record (the hand-written one) overlaps the next
// record's misses with its work, the VM's longer path cannot. 1,000 records (about 1 MB) stay
// in L2 like a freshly parsed record does.
constexpr std::size_t kMaxRecords = 1000;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A program plus its events, parsed once; every string the events point at is owned here
// (readers' views die with the next record, so values are copied into a deque: stable addresses).
struct Workload {
  std::shared_ptr<const Program> prog;
  std::deque<std::string> store;
  std::vector<Event> events;
  std::vector<std::string> fields;  // slot names of `events`
  std::string error;                // non-empty: skip
};

// The program's own slots, then `extra` names the program does not have (the hand-written
// matcher's, so it can read the very same Event objects).
std::unique_ptr<Workload> make_workload(const std::vector<std::string>& rule_paths,
                                        const std::vector<std::string>& extra = {}) {
  std::vector<std::string> fields;
  auto w = std::make_unique<Workload>();
  const std::string events_path = env_or("SIGMATCH_BENCH_EVENTS", SIGMATCH_BENCH_DEFAULT_EVENTS);
  CompileOptions opts;
  opts.lint = false;
  diag::DiagSink sink;
  Compilation c = compile_paths(rule_paths, opts, sink);
  if (c.image.empty() || !Program::load(c.image, &w->prog).ok()) {
    w->error = "rules did not compile";
    return w;
  }
  for (std::size_t i = 0; i < w->prog->field_count(); ++i) fields.emplace_back(w->prog->field_name(i));
  for (const std::string& f : extra)
    if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
  w->fields = fields;
  std::string data = read_whole(events_path);
  if (data.empty()) {
    w->error = "no events at " + events_path + " (run tests/bench/run_bench.sh first)";
    return w;
  }
  input::ReaderOptions ro;
  ro.collect_all_values = w->prog->wants_all_values();
  std::string err;
  auto reader = input::open_buffer(std::move(data), input::Format::kJsonl, fields, input::ShapeTable::builtin(), ro, &err);
  if (!reader) {
    w->error = err;
    return w;
  }
  Event ev(fields.size());
  input::RecordError rerr;
  while (w->events.size() < kMaxRecords) {
    auto r = reader->next(ev, rerr);
    if (r == input::Reader::Next::kEnd) break;
    if (r == input::Reader::Next::kError) continue;
    Event copy(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const FieldValue& v = ev.get(i);
      if (v.state == ValueState::kNull) copy.set_null(i);
      if (v.state != ValueState::kPresent) continue;
      copy.set(i, w->store.emplace_back(v.text));
    }
    for (std::string_view v : ev.values()) copy.add_value(w->store.emplace_back(v));
    w->events.push_back(std::move(copy));
  }
  return w;
}

std::vector<std::string> rule_list(const char* env, const std::string& fallback) {
  std::vector<std::string> out;
  std::istringstream list(read_whole(env_or(env, fallback)));
  for (std::string line; std::getline(list, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

void run_vm(benchmark::State& state, Workload& w) {
  if (!w.error.empty()) {
    state.SkipWithError(w.error.c_str());
    return;
  }
  Matcher m(w.prog);
  std::vector<std::uint32_t> hits;
  std::size_t matches = 0;
  for (auto _ : state) {
    for (const Event& ev : w.events) {
      hits.clear();
      m.match(ev, hits);
      matches += hits.size();
    }
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.events.size()));
  state.counters["rules"] = static_cast<double>(w.prog->rule_count());
  state.counters["matches_per_pass"] = static_cast<double>(matches) / static_cast<double>(state.iterations());
}

// One workload for both shipped-rule benchmarks: the VM and the hand-written matcher read the
// same Event objects, so only the matching differs.
Workload& shipped_workload() {
  static auto w = make_workload({std::string(SIGMATCH_SOURCE_DIR) + "/rules/windows/security"},
                                bench::handwritten_fields());
  return *w;
}

void BM_vm_shipped_rules(benchmark::State& state) { run_vm(state, shipped_workload()); }
BENCHMARK(BM_vm_shipped_rules)->Unit(benchmark::kMicrosecond);

// The same records and rules, evaluated by tests/bench/handwritten.cpp: the eval-only version of
// the "VM within 1.5x of hand-written" comparison (end to end, parsing dominates both).
void BM_handwritten_shipped_rules(benchmark::State& state) {
  Workload& w = shipped_workload();
  if (!w.error.empty()) {
    state.SkipWithError(w.error.c_str());
    return;
  }
  std::size_t slot[bench::kHandSlotCount];
  for (std::size_t k = 0; k < bench::kHandSlotCount; ++k)
    slot[k] = static_cast<std::size_t>(
        std::find(w.fields.begin(), w.fields.end(), bench::handwritten_fields()[k]) - w.fields.begin());
  std::vector<std::string_view> hits;
  std::size_t matches = 0;
  for (auto _ : state) {
    for (const Event& ev : w.events) {
      hits.clear();
      bench::handwritten_match(bench::HandEvent{ev, slot}, hits);
      matches += hits.size();
    }
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.events.size()));
  state.counters["matches_per_pass"] = static_cast<double>(matches) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_handwritten_shipped_rules)->Unit(benchmark::kMicrosecond);

// The workload of the rules a list file names (run_bench.sh writes the lists), or one that
// reports why it is missing.
std::unique_ptr<Workload> listed_workload(const char* env, const std::string& fallback, const char* what) {
  auto paths = rule_list(env, fallback);
  if (paths.empty()) {
    auto e = std::make_unique<Workload>();
    e->error = std::string("no ") + what + " rule list (run tests/bench/run_bench.sh first)";
    return e;
  }
  return make_workload(paths);
}

void BM_vm_100_windows_rules(benchmark::State& state) {
  static auto w = listed_workload("SIGMATCH_BENCH_RULES100", SIGMATCH_BENCH_DEFAULT_RULES100, "100-rule");
  run_vm(state, *w);
}
BENCHMARK(BM_vm_100_windows_rules)->Unit(benchmark::kMicrosecond);

// All SigmaHQ Windows rules (run_bench.sh's rules-windows.txt) on the same 1,000 pre-parsed
// records, evaluated over and over: the VM's cost when its working set stays warm. Set beside
// an end-to-end scan of the same records (`sigmatch_bench --mode vm` minus `--mode parse`), it
// says how much of a scan's evaluation is the parser and the VM evicting each other's state.
void BM_vm_all_windows_rules(benchmark::State& state) {
  static auto w =
      listed_workload("SIGMATCH_BENCH_RULES_WINDOWS", SIGMATCH_BENCH_DEFAULT_RULES_WINDOWS, "all-Windows");
  run_vm(state, *w);
}
BENCHMARK(BM_vm_all_windows_rules)->Unit(benchmark::kMicrosecond);

// Values shaped like the workload's hottest fields.
const std::string kCommandLine =
    "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --lang=en-US "
    "--renderer-client-id=417";
const std::string kLowerCommandLine = "c:\\windows\\system32\\svchost.exe -k netsvcs -p -s schedule";

void BM_fold_case_mixed(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    text::fold_case_append(kCommandLine, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kCommandLine.size()));
}
BENCHMARK(BM_fold_case_mixed);

void BM_fold_case_already_lower(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(text::is_folded(kLowerCommandLine));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kLowerCommandLine.size()));
}
BENCHMARK(BM_fold_case_already_lower);

// glob_match on already-folded text, as the VM calls it: endswith, contains (miss), contains
// (hit), and a '?' pattern that forces code-point stepping.
void BM_glob_match(benchmark::State& state, const char* pattern) {
  const std::string value = text::fold_case(kCommandLine);
  for (auto _ : state) benchmark::DoNotOptimize(text::glob_match(pattern, value));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * value.size()));
}
BENCHMARK_CAPTURE(BM_glob_match, endswith, "*\\chrome.exe");
BENCHMARK_CAPTURE(BM_glob_match, contains_miss, "*sekurlsa::logonpasswords*");
BENCHMARK_CAPTURE(BM_glob_match, contains_hit, "*--type=renderer*");
BENCHMARK_CAPTURE(BM_glob_match, two_wildcards, "*\\google\\*\\chrome.exe*--lang=en?us*");

}  // namespace

BENCHMARK_MAIN();
