// bench_main.cpp — sigmatch_bench: end-to-end throughput of one configuration over an events
// file held in memory (so the disk is never measured). Modes:
//   parse        input::open_buffer + drain every record into the program's slots (the floor)
//   vm           parse + Matcher::match (the embedding API, i.e. what `sigmatch scan` runs)
//   reference    parse + tests/reference evaluate() of every checked rule (the gold standard)
//   handwritten  parse + tests/bench/handwritten.cpp (plain C++ for the shipped rules)
// Prints one `key=value` line (run_bench.sh parses it) with records/s, MB/s, the match count
// and an order-independent hash of the (record, rule id) pairs, so runs that must agree
// (vm -O1 / vm -O0 / reference; vm vs handwritten on the shipped rules) can be compared exactly.
// Not a test: never registered with ctest (timed tests are flaky).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <ctime>
#include <unordered_map>
#include <vector>

#include <sys/resource.h>

#include "compiler/pipeline.hpp"
#include "runtime/input/reader.hpp"
#include "sigmatch/runtime.hpp"
#include "tests/bench/handwritten.hpp"
#include "tests/reference/eval.hpp"

namespace {

using namespace sigmatch;
using clock_type = std::chrono::steady_clock;

struct Args {
  std::string mode = "vm";
  std::vector<std::string> rules;
  std::string events;
  int opt_level = 1;
  int repeat = 1;
  int threads = 1;
  std::uint64_t limit = 0;  // 0 = all records
  bool dispatch = true;      // --no-dispatch: runtime Channel/EventID dispatch off
  bool scan_cache = true;    // --no-scan-cache: literal-index scans not memoised across records
  bool regex_guards = true;  // --no-regex-guards: regexes do not join the prefilter
  bool prefilter_clauses = true;  // --no-prefilter-clauses: only each rule's first clause
  bool kill_lists = true;         // --no-kill-lists: always-run rules are never skipped
  bool defer_clauses = true;      // --no-defer-clauses: every clause indexed, none deferred
  std::set<std::string> disabled_passes;  // --disable NAME: one optimisation pass off
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "sigmatch_bench: %s\n"
               "usage: sigmatch_bench --mode parse|vm|reference|handwritten [--rules PATH|@LIST]...\n"
               "       --events FILE [-O 0|1] [--repeat K] [--threads N] [--limit RECORDS]\n"
               "       [--no-dispatch] [--no-scan-cache] [--no-regex-guards] [--no-prefilter-clauses]\n"
               "       [--no-defer-clauses]\n"
               "       [--no-kill-lists] [--disable PASS]\n"
               "       (each switches one optimisation off)\n"
               "  @LIST is a file with one rule path per line.\n",
               why);
  std::exit(2);
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "sigmatch_bench: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + k).c_str());
      return argv[++i];
    };
    if (k == "--mode") a.mode = val();
    else if (k == "--rules") {
      std::string p = val();
      if (!p.empty() && p[0] == '@') {
        std::istringstream list(read_whole(p.substr(1)));
        for (std::string line; std::getline(list, line);)
          if (!line.empty()) a.rules.push_back(line);
      } else {
        a.rules.push_back(p);
      }
    } else if (k == "--events") a.events = val();
    else if (k == "-O") a.opt_level = std::atoi(val().c_str());
    else if (k == "--repeat") a.repeat = std::max(1, std::atoi(val().c_str()));
    else if (k == "--threads") a.threads = std::max(1, std::atoi(val().c_str()));
    else if (k == "--limit") a.limit = std::strtoull(val().c_str(), nullptr, 10);
    else if (k == "--no-dispatch") a.dispatch = false;
    else if (k == "--no-scan-cache") a.scan_cache = false;
    else if (k == "--no-regex-guards") a.regex_guards = false;
    else if (k == "--no-prefilter-clauses") a.prefilter_clauses = false;
    else if (k == "--no-kill-lists") a.kill_lists = false;
    else if (k == "--no-defer-clauses") a.defer_clauses = false;
    else if (k == "--disable") a.disabled_passes.insert(val());
    else usage(("unknown argument " + k).c_str());
  }
  if (a.mode != "parse" && a.mode != "vm" && a.mode != "reference" && a.mode != "handwritten")
    usage("bad --mode");
  if (a.events.empty()) usage("--events is required");
  if (a.rules.empty() && a.mode != "handwritten") usage("--rules is required for this mode");
  return a;
}

// FNV-1a of (record, rule id); summed over matches so the hash ignores evaluation order.
std::uint64_t match_hash(std::uint64_t record, std::string_view rule_id) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](unsigned char c) { h = (h ^ c) * 1099511628211ull; };
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(record >> (8 * i)));
  for (char c : rule_id) mix(static_cast<unsigned char>(c));
  return h;
}

struct Tally {
  std::uint64_t records = 0, malformed = 0, matches = 0, hash = 0;
};

// Everything a worker needs, built before the clock starts.
struct Setup {
  std::string mode;
  std::shared_ptr<const Program> prog;             // vm, parse
  const std::vector<sema::CheckedRule>* rules = nullptr;  // reference
  reference::SlotMap slots;                        // reference
  std::vector<std::string> fields;                 // the slots the reader fills
  // vm: each rule's id, taken once: Program::rule builds a RuleInfo (strings, a tags vector)
  // per call, which per match was ~585 instructions of the bench's own inside the timed loop.
  std::vector<std::string> rule_ids;
  bool all_values = false;
};

// Drains one reader; `first_record` turns chunk-local record numbers into file-global ones so
// the hash is independent of the thread count.
Tally run_chunk(const Setup& s, input::Reader& reader, std::uint64_t first_record) {
  Tally t;
  Event ev(s.fields.size());
  input::RecordError err;
  std::unique_ptr<Matcher> matcher;
  if (s.mode == "vm") matcher = std::make_unique<Matcher>(s.prog);
  std::vector<std::uint32_t> hits;
  std::vector<std::string_view> hand_hits;
  for (;;) {
    auto r = reader.next(ev, err);
    if (r == input::Reader::Next::kEnd) break;
    ++t.records;
    if (r == input::Reader::Next::kError) {
      ++t.malformed;
      continue;
    }
    const std::uint64_t rec = first_record + reader.record_number();
    if (s.mode == "vm") {
      hits.clear();
      matcher->match(ev, hits);
      t.matches += hits.size();
      for (auto h : hits) t.hash += match_hash(rec, s.rule_ids[h]);
    } else if (s.mode == "reference") {
      for (const auto& rule : *s.rules)
        if (reference::evaluate(rule, ev, s.slots)) {
          ++t.matches;
          t.hash += match_hash(rec, rule.meta.id);
        }
    } else if (s.mode == "handwritten") {
      hand_hits.clear();
      bench::handwritten_match(ev, hand_hits);
      t.matches += hand_hits.size();
      for (auto id : hand_hits) t.hash += match_hash(rec, id);
    }
  }
  return t;
}

// Splits `data` into `n` pieces at line boundaries; returns each piece's first byte offset and
// the number of lines before it.
struct Chunk {
  std::size_t begin = 0, end = 0;
  std::uint64_t lines_before = 0;
};

std::vector<Chunk> split_lines(const std::string& data, int n) {
  std::vector<Chunk> out;
  std::size_t pos = 0;
  std::uint64_t lines = 0;
  for (int i = 0; i < n && pos < data.size(); ++i) {
    std::size_t end = (i == n - 1) ? data.size() : std::max(pos, data.size() * (i + 1) / n);
    if (end < data.size()) {
      std::size_t nl = data.find('\n', end);
      end = nl == std::string::npos ? data.size() : nl + 1;
    }
    out.push_back({pos, end, lines});
    lines += static_cast<std::uint64_t>(std::count(data.begin() + pos, data.begin() + end, '\n'));
    pos = end;
  }
  return out;
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  std::string data = read_whole(a.events);
  if (a.limit > 0) {  // keep the first `limit` lines
    std::size_t pos = 0;
    for (std::uint64_t i = 0; i < a.limit && pos < data.size(); ++i) {
      std::size_t nl = data.find('\n', pos);
      pos = nl == std::string::npos ? data.size() : nl + 1;
    }
    data.resize(pos);
  }

  Setup s;
  s.mode = a.mode;
  Compilation comp;
  double compile_s = 0;
  std::size_t compile_errors = 0;
  if (!a.rules.empty()) {
    CompileOptions opts;
    opts.opt_level = a.opt_level;
    opts.disabled_passes = a.disabled_passes;
    opts.lint = false;
    diag::DiagSink sink;
    auto c0 = clock_type::now();
    comp = compile_paths(a.rules, opts, sink);
    compile_s = std::chrono::duration<double>(clock_type::now() - c0).count();
    compile_errors = sink.error_count();
    // Rules with errors are left out of the image (as `sigmatch compile` does); the bench
    // measures the rest and says how many were dropped.
    if (comp.image.empty()) {
      std::fprintf(stderr, "sigmatch_bench: no image (%zu errors)\n", compile_errors);
      return 1;
    }
    LoadOptions lo;
    lo.dispatch = a.dispatch;
    lo.scan_cache = a.scan_cache;
    lo.regex_guards = a.regex_guards;
    lo.prefilter_clauses = a.prefilter_clauses;
    lo.kill_lists = a.kill_lists;
    lo.defer_clauses = a.defer_clauses;
    Status st = Program::load(comp.image, &s.prog, lo);
    if (!st.ok()) {
      std::fprintf(stderr, "sigmatch_bench: load failed: %s\n", st.message().c_str());
      return 1;
    }
  }
  if (a.mode == "parse" || a.mode == "vm") {
    for (std::size_t i = 0; i < s.prog->field_count(); ++i) s.fields.emplace_back(s.prog->field_name(i));
    for (std::size_t r = 0; r < s.prog->rule_count(); ++r) s.rule_ids.emplace_back(s.prog->rule(r).id);
    s.all_values = s.prog->wants_all_values();
  } else if (a.mode == "reference") {
    s.rules = &comp.rules;
    for (const auto& r : comp.rules) reference::collect_fields(r.root, s.fields);
    std::sort(s.fields.begin(), s.fields.end());
    s.fields.erase(std::unique(s.fields.begin(), s.fields.end()), s.fields.end());
    for (std::size_t i = 0; i < s.fields.size(); ++i) s.slots[s.fields[i]] = i;
    s.all_values = s.prog->wants_all_values();
  } else {
    s.fields = bench::handwritten_fields();
  }

  std::vector<Chunk> chunks = split_lines(data, a.threads);
  // Wall time is what a user sees; CPU time leaves out what other tenants of a shared machine
  // take (both are printed; a one-thread A/B on a busy machine should compare cpu_seconds).
  // min_seconds, the fastest repetition, is the least disturbed by noise, which only adds time.
  std::vector<double> times, cpu_times;
  Tally total;
  for (int rep = 0; rep < a.repeat; ++rep) {
    // Readers copy their buffer; make those copies before the clock starts.
    std::vector<std::unique_ptr<input::Reader>> readers;
    input::ReaderOptions ro;
    ro.collect_all_values = s.all_values;
    for (const Chunk& c : chunks) {
      std::string err;
      auto r = input::open_buffer(data.substr(c.begin, c.end - c.begin), input::Format::kJsonl, s.fields,
                                  input::ShapeTable::builtin(), ro, &err);
      if (!r) {
        std::fprintf(stderr, "sigmatch_bench: %s\n", err.c_str());
        return 1;
      }
      readers.push_back(std::move(r));
    }
    std::vector<Tally> tallies(chunks.size());
    const double cpu0 = process_cpu_seconds();
    auto t0 = clock_type::now();
    if (chunks.size() == 1) {
      tallies[0] = run_chunk(s, *readers[0], 0);
    } else {
      std::vector<std::thread> pool;
      for (std::size_t i = 0; i < chunks.size(); ++i)
        pool.emplace_back([&, i] { tallies[i] = run_chunk(s, *readers[i], chunks[i].lines_before); });
      for (auto& t : pool) t.join();
    }
    times.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
    cpu_times.push_back(process_cpu_seconds() - cpu0);
    total = Tally{};
    for (const Tally& t : tallies) {
      total.records += t.records;
      total.malformed += t.malformed;
      total.matches += t.matches;
      total.hash += t.hash;
    }
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  const double secs = sorted[sorted.size() / 2];
  std::sort(cpu_times.begin(), cpu_times.end());
  const double cpu_secs = cpu_times[cpu_times.size() / 2];
  std::printf(
      "mode=%s opt=%d threads=%d rules=%zu rule_errors=%zu fields=%zu records=%llu malformed=%llu "
      "bytes=%zu seconds=%.6f records_per_s=%.0f mb_per_s=%.2f matches=%llu match_hash=%016llx "
      "compile_s=%.3f image_bytes=%zu peak_rss_kb=%ld cpu_seconds=%.6f records_per_cpu_s=%.0f "
      "min_seconds=%.6f\n",
      a.mode.c_str(), a.opt_level, a.threads, s.prog ? s.prog->rule_count() : std::size_t{11}, compile_errors,
      s.fields.size(), (unsigned long long)total.records, (unsigned long long)total.malformed, data.size(), secs,
      total.records / secs, data.size() / 1e6 / secs, (unsigned long long)total.matches,
      (unsigned long long)total.hash, compile_s, comp.image.size(), peak_rss_kb(), cpu_secs,
      total.records / cpu_secs, sorted.front());
  return 0;
}
