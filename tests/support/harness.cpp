// harness.cpp — see harness.hpp.
#include "tests/support/harness.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "compiler/pipeline.hpp"
#include "runtime/input/reader.hpp"
#include "sigmatch/runtime.hpp"
#include "tests/reference/eval.hpp"

namespace sigmatch::testing {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool file_exists(const std::string& path) { return fs::exists(path); }

std::vector<std::string> list_dir(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    std::string p = e.path().string();
    if (p.size() >= suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool check_golden(const std::string& expected_path, const std::string& actual, std::string* diff) {
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(expected_path, std::ios::binary) << actual;
    return true;
  }
  if (!file_exists(expected_path)) {
    *diff = expected_path + " does not exist (run with UPDATE_GOLDEN=1 to create it)";
    return false;
  }
  std::string expected = read_file(expected_path);
  if (expected == actual) return true;
  std::istringstream a(actual), e(expected);
  std::string la, le;
  for (int line = 1;; ++line) {
    bool ga = static_cast<bool>(std::getline(a, la)), ge = static_cast<bool>(std::getline(e, le));
    if (!ga && !ge) break;
    if (!ga || !ge || la != le) {
      *diff = expected_path + ":" + std::to_string(line) + "\n  expected: " + (ge ? le : "<end>") +
              "\n  actual:   " + (ga ? la : "<end>");
      return false;
    }
  }
  *diff = expected_path + ": differs (whitespace at end?)";
  return false;
}

std::string format_matches(const std::vector<Match>& m) {
  std::string out;
  for (auto& x : m) out += std::to_string(x.record) + "\t" + x.rule_id + "\n";
  return out;
}

namespace {

// Reads every record of `path` with slots `fields` and calls fn(record_number, event).
template <class Fn>
std::uint64_t for_each_record(const std::string& path, const std::vector<std::string>& fields,
                              bool all_values, std::uint64_t* malformed, Fn fn) {
  std::string err;
  input::ReaderOptions ro;
  ro.collect_all_values = all_values;
  auto reader = input::open_reader(path, input::Format::kAuto, fields, input::ShapeTable::builtin(), ro, &err);
  if (!reader) return 0;
  Event ev(fields.size());
  input::RecordError rerr;
  std::uint64_t n = 0;
  for (;;) {
    auto r = reader->next(ev, rerr);
    if (r == input::Reader::Next::kEnd) break;
    ++n;
    if (r == input::Reader::Next::kError) {
      ++*malformed;
      continue;
    }
    fn(reader->record_number(), ev);
  }
  return n;
}

std::vector<Match> run_vm(const std::string& image, const std::string& events, std::uint64_t* records,
                          std::uint64_t* malformed, const LoadOptions& lo = {}) {
  std::vector<Match> out;
  std::shared_ptr<const Program> prog;
  if (!Program::load(image, &prog, lo).ok()) return out;
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < prog->field_count(); ++i) fields.emplace_back(prog->field_name(i));
  Matcher m(prog);
  std::vector<std::uint32_t> hits;
  *malformed = 0;
  *records = for_each_record(events, fields, prog->wants_all_values(), malformed,
                             [&](std::uint64_t rec, const Event& ev) {
                               hits.clear();
                               m.match(ev, hits);
                               for (auto h : hits) out.push_back({rec, std::string(prog->rule(h).id)});
                             });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ThreeWay run_three_ways(const std::vector<std::string>& rule_files, const std::string& events_path,
                        const std::map<std::string, std::vector<std::string>>& placeholders) {
  ThreeWay tw;
  diag::DiagSink sink;
  CompileOptions o1, o0;
  o0.opt_level = 0;
  o1.lint = o0.lint = false;
  o1.placeholders = o0.placeholders = placeholders;
  Compilation c1 = compile_paths(rule_files, o1, sink);
  diag::DiagSink sink0;
  Compilation c0 = compile_paths(rule_files, o0, sink0);
  sink.sort();
  tw.diagnostics = diag::render_text(sink.all(), c1.sources);
  tw.compiled = !sink.has_errors() && !c1.image.empty() && !c0.image.empty();
  if (!tw.compiled) return tw;
  tw.optimised = run_vm(c1.image, events_path, &tw.records, &tw.malformed);
  tw.unoptimised = run_vm(c0.image, events_path, &tw.records, &tw.malformed);
  LoadOptions no_dispatch;
  no_dispatch.dispatch = false;
  no_dispatch.scan_cache = false;  // and every value scanned: checks the scan cache too
  tw.undispatched = run_vm(c1.image, events_path, &tw.records, &tw.malformed, no_dispatch);

  std::vector<std::string> fields;
  const reference::SlotMap slots = reference::slot_map(c1.rules, &fields);
  std::uint64_t malformed = 0;
  for_each_record(events_path, fields, true, &malformed, [&](std::uint64_t rec, const Event& ev) {
    for (auto& r : c1.rules)
      if (reference::evaluate(r, ev, slots)) tw.reference.push_back({rec, r.meta.id});
  });
  std::sort(tw.reference.begin(), tw.reference.end());
  return tw;
}

}  // namespace sigmatch::testing
