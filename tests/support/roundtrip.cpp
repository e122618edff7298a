// roundtrip.cpp — see roundtrip.hpp.
#include "tests/support/roundtrip.hpp"

#include <algorithm>
#include <unordered_map>

#include "compiler/pipeline.hpp"
#include "runtime/input/reader.hpp"
#include "sigmatch/runtime.hpp"
#include "tests/reference/eval.hpp"

namespace sigmatch::testing {
namespace {

// A small alphabet so that values collide with patterns often: case variants, wildcards,
// escapes, hex, numbers, non-ASCII, empty.
const char* kValues[] = {"a", "A", "ab", "b*", "a?", "x\\\\y", "", "0x0", "0x00", "12", "ABC", "Ž", "ž", "a b", "-x", "/x"};
const char* kFields[] = {"F0", "F1", "F2", "EventID"};
const char* kMods[] = {"", "|contains", "|startswith", "|endswith", "|cased", "|contains|all", "|re", "|contains|cased", "|windash", "|neq"};

std::string yaml_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("''") : std::string(1, c);
  return o + "'";
}

std::string json_quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

std::string selection(const Choice& next) {
  std::string out;
  std::uint32_t items = 1 + next(3);
  for (std::uint32_t i = 0; i < items; ++i) {
    std::string field = kFields[next(4)];
    std::uint32_t kind = next(10);
    if (kind == 0) {
      out += "    " + field + ": null\n";
    } else if (kind == 1) {
      out += "    " + field + "|exists: " + (next(2) ? "true" : "false") + "\n";
    } else if (kind == 2) {
      out += "    " + field + ": " + std::to_string(next(20)) + "\n";
    } else {
      std::string mod = kMods[next(10)];
      if (mod == "|re") {
        static const char* kRe[] = {"^a", "b$", "a.b", "(?i)AB", "[0-9]+", "x\\\\\\\\y"};
        out += "    " + field + "|re: '" + kRe[next(6)] + "'\n";
        continue;
      }
      std::uint32_t n = 1 + next(3);
      out += "    " + field + mod + ":\n";
      for (std::uint32_t k = 0; k < n; ++k) out += "      - " + yaml_quote(kValues[next(16)]) + "\n";
    }
  }
  return out;
}

std::string condition(const Choice& next, int depth) {
  std::uint32_t k = depth > 2 ? next(3) : next(8);
  switch (k) {
    case 0: return "sel_a";
    case 1: return "sel_b";
    case 2: return "1 of sel_*";
    case 3: return "all of sel_*";
    case 4: return "not " + condition(next, depth + 1);
    case 5: return "(" + condition(next, depth + 1) + " and " + condition(next, depth + 1) + ")";
    case 6: return "(" + condition(next, depth + 1) + " or " + condition(next, depth + 1) + ")";
    default: return "keywords or sel_a";
  }
}

std::string record(const Choice& next) {
  std::string out = "{";
  bool first = true;
  for (const char* f : kFields) {
    std::uint32_t k = next(5);
    if (k == 0) continue;  // missing
    out += first ? "" : ", ";
    first = false;
    out += json_quote(f) + ": ";
    if (k == 1) out += "null";
    else if (k == 2) out += std::to_string(next(20));
    else out += json_quote(std::string(kValues[next(16)]) + (next(3) == 0 ? kValues[next(16)] : ""));
  }
  return out + "}\n";
}

std::vector<std::pair<std::uint64_t, std::string>> run_vm(const std::string& image, const std::string& jsonl) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  std::shared_ptr<const Program> prog;
  if (!Program::load(image, &prog).ok()) return {{0, "load failed"}};
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < prog->field_count(); ++i) fields.emplace_back(prog->field_name(i));
  input::ReaderOptions ro;
  ro.collect_all_values = prog->wants_all_values();
  std::string err;
  auto reader = input::open_buffer(jsonl, input::Format::kJsonl, fields, input::ShapeTable::builtin(), ro, &err);
  Matcher m(prog);
  Event ev(fields.size());
  input::RecordError rerr;
  std::vector<std::uint32_t> hits;
  while (reader && reader->next(ev, rerr) == input::Reader::Next::kRecord) {
    hits.clear();
    m.match(ev, hits);
    for (auto h : hits) out.emplace_back(reader->record_number(), std::string(prog->rule(h).id));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

RoundtripResult roundtrip_once(const Choice& next) {
  RoundtripResult res;
  std::uint32_t nrules = 1 + next(3);
  for (std::uint32_t r = 0; r < nrules; ++r) {
    res.rules += r ? "---\n" : "";
    res.rules += "title: random " + std::to_string(r) + "\nid: 00000000-0000-4000-8000-00000000000" +
                 std::to_string(r) + "\nlogsource: {product: windows}\ndetection:\n  sel_a:\n" +
                 selection(next) + "  sel_b:\n" + selection(next) + "  keywords:\n    - " +
                 yaml_quote(kValues[next(16)]) + "\n  condition: " + condition(next, 0) + "\n";
  }
  for (int i = 0; i < 12; ++i) res.records += record(next);

  diag::DiagSink s1, s0;
  CompileOptions o1, o0;
  o1.lint = o0.lint = false;
  o0.opt_level = 0;
  Compilation c1 = compile_sources({{"random.yml", res.rules}}, o1, s1);
  Compilation c0 = compile_sources({{"random.yml", res.rules}}, o0, s0);
  if (s1.has_errors() || c1.image.empty() || c0.image.empty()) return res;
  res.compiled = true;
  auto opt = run_vm(c1.image, res.records);
  auto unopt = run_vm(c0.image, res.records);

  std::vector<std::string> fields;
  const reference::SlotMap slots = reference::slot_map(c1.rules, &fields);
  input::ReaderOptions ro;
  ro.collect_all_values = true;
  std::string err;
  auto reader = input::open_buffer(res.records, input::Format::kJsonl, fields, input::ShapeTable::builtin(), ro, &err);
  std::vector<std::pair<std::uint64_t, std::string>> ref;
  Event ev(fields.size());
  input::RecordError rerr;
  while (reader && reader->next(ev, rerr) == input::Reader::Next::kRecord)
    for (auto& r : c1.rules)
      if (reference::evaluate(r, ev, slots)) ref.emplace_back(reader->record_number(), r.meta.id);
  std::sort(ref.begin(), ref.end());
  res.matches = ref.size();
  res.agree = opt == ref && unopt == ref;
  if (!res.agree) {
    auto fmt = [](const std::vector<std::pair<std::uint64_t, std::string>>& v) {
      std::string s;
      for (auto& [r, id] : v) s += std::to_string(r) + ":" + id.substr(id.size() - 2) + " ";
      return s;
    };
    res.detail = "O1: " + fmt(opt) + "\nO0: " + fmt(unopt) + "\nref: " + fmt(ref);
  }
  return res;
}

}  // namespace sigmatch::testing
