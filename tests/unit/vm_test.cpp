// vm_test.cpp — direct tests of runtime/vm (vm.cpp, scratch.hpp) through the public API:
// small rules compiled with compile_sources, loaded, and matched against hand-built Events.
// Covers predicate memoisation across rules, case folding, the null / missing / empty truth
// table, keyword rules, hex equality and %% code equivalence (schema-aware values), the
// literal index, dispatch's value table and the scan cache.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compiler/pipeline.hpp"
#include "runtime/bytecode/opcodes.hpp"
#include "runtime/vm/dispatch.hpp"
#include "runtime/vm/eq_index.hpp"
#include "runtime/vm/literal_index.hpp"
#include "runtime/vm/program.hpp"
#include "runtime/vm/regex_guard.hpp"
#include "runtime/vm/scan_cache.hpp"
#include "runtime/vm/scratch.hpp"
#include "runtime/vm/vm.hpp"
#include "runtime/vm/text.hpp"
#include "sigmatch/runtime.hpp"

using namespace sigmatch;

namespace {

// A minimal valid rule: `detection` is the indented body of `detection:` without condition.
std::string rule(const std::string& title, const std::string& detection,
                 const std::string& condition = "selection") {
  static int serial = 0;
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++serial);
  return "title: " + title + "\nid: " + id +
         "\nstatus: test\nlogsource:\n    product: windows\n    service: security\n"
         "detection:\n" + detection + "    condition: " + condition + "\nlevel: low\n";
}

std::shared_ptr<const Program> compile(const std::vector<std::string>& rules) {
  std::vector<std::pair<std::string, std::string>> sources;
  for (std::size_t i = 0; i < rules.size(); ++i) sources.emplace_back("r" + std::to_string(i) + ".yml", rules[i]);
  diag::DiagSink sink;
  Compilation c = compile_sources(sources, CompileOptions{}, sink);
  for (const auto& d : sink.all()) MESSAGE(d.message);
  REQUIRE_FALSE(sink.has_errors());
  REQUIRE_FALSE(c.image.empty());
  std::shared_ptr<const Program> p;
  Status s = Program::load(c.image, &p);
  CAPTURE(s.message());
  REQUIRE(s.ok());
  return p;
}

// Field name -> value; nullopt = JSON null; absent = missing.
using Fields = std::map<std::string, std::optional<std::string>>;

std::vector<std::uint32_t> match(Matcher& m, const Fields& f, std::vector<std::string> values = {}) {
  const Program& p = m.program();
  Event ev(p.field_count());
  for (std::size_t i = 0; i < p.field_count(); ++i) {
    auto it = f.find(std::string(p.field_name(i)));
    if (it == f.end()) continue;
    if (it->second) ev.set(i, *it->second);
    else ev.set_null(i);
  }
  for (const auto& [k, v] : f)
    if (v) values.push_back(*v);
  for (const auto& v : values) ev.add_value(v);
  std::vector<std::uint32_t> out;
  m.match(ev, out);
  return out;
}

// The rules matching f on two matchers (say, dispatched and not), sorted; checks they agree.
std::vector<std::uint32_t> match_both(Matcher& a, Matcher& b, const Fields& f, const std::vector<std::string>& extra) {
  std::vector<std::uint32_t> x = match(a, f, extra), y = match(b, f, extra);
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  CHECK(x == y);
  return x;
}

// Nine random 1,000,000-letter literals: more literal bytes than one automaton may hold
// (LiteralIndex::kMaxStates), so their index fails to build.
std::vector<std::string> huge_literals(unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> lits;
  for (int i = 0; i < 9; ++i) {
    std::string l(1000000, 'a');
    for (char& c : l) c = static_cast<char>('a' + rng() % 26);
    lits.push_back(std::move(l));
  }
  return lits;
}

// The titles of the rules matching f.
std::set<std::string> matched_titles(Matcher& m, const Fields& f) {
  std::set<std::string> out;
  for (std::uint32_t r : match(m, f)) out.insert(std::string(m.program().rule(r).title));
  return out;
}

bool matches(const std::shared_ptr<const Program>& p, const Fields& f) {
  Matcher m(p);
  return !match(m, f).empty();
}

// Compiles `sources` once and loads the image twice: with the default options and with `other`.
std::pair<std::shared_ptr<const Program>, std::shared_ptr<const Program>> load_both(
    const std::vector<std::pair<std::string, std::string>>& sources, const LoadOptions& other) {
  diag::DiagSink sink;
  Compilation comp = compile_sources(sources, CompileOptions{}, sink);
  for (const auto& d : sink.all()) MESSAGE(d.message);
  REQUIRE_FALSE(sink.has_errors());
  std::shared_ptr<const Program> a, b;
  REQUIRE(Program::load(comp.image, &a).ok());
  REQUIRE(Program::load(comp.image, &b, other).ok());
  return {a, b};
}

// The number of the rule titled `title` (the test fails when there is none).
std::uint32_t rule_number(const vm::VerifiedProgram& vp, std::string_view title) {
  for (std::uint32_t r = 0; r < vp.rules.size(); ++r)
    if (vp.rules[r].title == title) return r;
  FAIL("no rule " << title);
  return 0;
}

bool bit(const std::vector<std::uint64_t>& bits, std::uint32_t r) { return (bits[r / 64] >> (r % 64)) & 1; }

// Whether the last vm::run made rule r a candidate through its prefilter clauses.
bool is_candidate(const vm::Scratch& s, std::uint32_t r) {
  return std::find(s.candidates_.begin(), s.candidates_.end(), r) != s.candidates_.end();
}

// Whether the rule runs on every record of its group (no literal the prefilter can require).
bool always_run(const Program& prog, std::string_view title) {
  const vm::VerifiedProgram& vp = prog.verified();
  return bit(vp.always_run, rule_number(vp, title));
}

}  // namespace

TEST_CASE("rules sharing a predicate: one predicate, all rules report, memo reset per record") {
  auto p = compile({
      rule("shared-a", "    selection:\n        EventID: 5059\n        KeyName|startswith: 'TB_'\n"),
      rule("shared-b", "    selection:\n        EventID: 5059\n        KeyName|startswith: 'TB_'\n        KeyType: '%%2500'\n"),
      rule("shared-c", "    selection:\n        EventID: 5059\n"),
  });
  // The compiler shares identical predicates: EventID == 5059 appears once.
  int eid = 0;
  for (const auto& pr : p->verified().preds) eid += pr.str == "5059";
  CHECK(eid == 1);
  Matcher m(p);
  CHECK(match(m, {{"EventID", "5059"}, {"KeyName", "TB_x"}, {"KeyType", "%%2500"}}) ==
        std::vector<std::uint32_t>{0, 1, 2});
  // A second record through the same Matcher must not see the first record's memo.
  CHECK(match(m, {{"EventID", "5059"}, {"KeyName", "other"}}) == std::vector<std::uint32_t>{2});
  CHECK(match(m, {{"EventID", "4624"}, {"KeyName", "TB_x"}}).empty());
  CHECK(match(m, {{"EventID", "5059"}, {"KeyName", "tb_lower"}, {"KeyType", "User key."}}) ==
        std::vector<std::uint32_t>{0, 1, 2});
}

TEST_CASE("matching is case-insensitive by default; |cased is not") {
  auto p = compile({
      rule("fold", "    selection:\n        ProviderName: 'Microsoft Software Key Storage Provider'\n"),
      rule("fold2", "    selection:\n        ProviderName|contains: 'SOFTWARE KEY'\n"),
      rule("cyr", "    selection:\n        SubjectUserName: '\u0410\u0434\u043C\u0438\u043D'\n"),
  });
  // Literals are stored folded, once, at compile time.
  for (const auto& pr : p->verified().preds)
    if (pr.kind == vm::PredKind::kEq || pr.kind == vm::PredKind::kContains) CHECK(pr.str == sigmatch::text::fold_case(pr.str));
  Matcher m(p);
  CHECK(match(m, {{"ProviderName", "MICROSOFT software KEY storage PROVIDER"}}) ==
        std::vector<std::uint32_t>{0, 1});
  CHECK(match(m, {{"ProviderName", "Microsoft Software Key Storage Provider2"}}) ==
        std::vector<std::uint32_t>{1});
  CHECK(match(m, {{"SubjectUserName", "\u0410\u0414\u041C\u0418\u041D"}}) == std::vector<std::uint32_t>{2});
  CHECK(match(m, {{"SubjectUserName", "\xC1\x81\u0434\u043C\u0438\u043D"}}).empty());
}

TEST_CASE("null, missing and empty truth table") {
  auto p = compile({
      rule("is-null", "    selection:\n        ReturnCode: null\n"),
      rule("is-empty", "    selection:\n        ReturnCode: ''\n"),
      rule("exists", "    selection:\n        ReturnCode|exists: true\n"),
      rule("not-exists", "    selection:\n        ReturnCode|exists: false\n"),
      rule("not-x", "    selection:\n        ReturnCode: '0x1'\n", "not selection"),
  });
  Matcher m(p);
  using V = std::vector<std::uint32_t>;
  // rule index:                              0 null  1 ''  2 exists  3 !exists  4 not x
  CHECK(match(m, {}) == V{0, 3, 4});                         // missing
  CHECK(match(m, {{"ReturnCode", std::nullopt}}) == V{0, 2, 4});  // JSON null
  CHECK(match(m, {{"ReturnCode", ""}}) == V{1, 2, 4});       // empty string
  CHECK(match(m, {{"ReturnCode", "0x1"}}) == V{2});          // the value itself
  CHECK(match(m, {{"ReturnCode", "0x2"}}) == V{2, 4});
}

TEST_CASE("keyword rules search every value of the record") {
  auto p = compile({rule("kw", "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa::*'\n", "keywords")});
  CHECK(p->wants_all_values());
  Matcher m(p);
  CHECK(match(m, {}, {"C:\\tools\\MIMIKATZ.exe"}).size() == 1);
  CHECK(match(m, {}, {"sekurlsa::logonpasswords"}).size() == 1);
  // Keywords are contains tests (docs/sigma-semantics.md 2.2), wildcards included.
  CHECK(match(m, {}, {"x SEKURLSA::logonpasswords"}).size() == 1);
  CHECK(match(m, {}, {"sekurlsa:logonpasswords"}).empty());
  CHECK(match(m, {}, {"benign", "values"}).empty());
  CHECK(match(m, {}, {}).empty());
}

// The keyword pass joins a record's values into one buffer (8 bytes at a time when they are all
// ASCII, folded one by one otherwise): a keyword at every offset of values of every length
// from 0 to 40, among other values, in upper case, and in records that also hold a non-ASCII
// value; a keyword split across two values, or reaching past its value, is not a match.
TEST_CASE("keyword pass: every value length and offset, ASCII and not") {
  auto p = compile({rule("kw", "    keywords:\n        - 'mimikatz'\n", "keywords")});
  Matcher m(p);
  const std::string kw = "mimikatz", upper = "MIMIKATZ";
  for (std::size_t len = 0; len <= 40; ++len) {
    for (std::size_t at = 0; at <= len; ++at) {
      CAPTURE(len);
      CAPTURE(at);
      std::string v(len, 'x');
      const bool fits = at + kw.size() <= len;
      std::string next = "abc";
      if (fits) {
        v.replace(at, kw.size(), at % 2 ? upper : kw);
      } else if (at < len) {  // a cut-off keyword, its rest in the next value
        v.replace(at, len - at, kw.substr(0, len - at));
        next = kw.substr(len - at) + next;
      }
      REQUIRE(match(m, {}, {"one", v, next, "0123456789abcdefg"}).size() == (fits ? 1u : 0u));
      REQUIRE(match(m, {}, {"\xc3\x89v\xc3\xa9nement", v, next}).size() == (fits ? 1u : 0u));
      REQUIRE(match(m, {}, {v}).size() == (fits ? 1u : 0u));
    }
  }
  CHECK(match(m, {}, {"\xc3\x89 MIMIKATZ \xc3\x89"}).size() == 1);
  // A non-ASCII keyword: only the folding path finds it in upper case.
  auto q = compile({rule("kw", "    keywords:\n        - '\xc3\xa9v\xc3\xa9nement'\n", "keywords")});
  Matcher mq(q);
  CHECK(match(mq, {}, {"x", "UN \xc3\x89V\xc3\x89NEMENT"}).size() == 1);
  CHECK(match(mq, {}, {"x", "un \xc3\xa9v\xc3\xa9nement"}).size() == 1);
  CHECK(match(mq, {}, {"x", "evenement"}).empty());
  // Values shorter than every keyword are left out of the joined text; the empty keyword is in
  // every value still, and in none of a record without values.
  auto e = compile({rule("kw", "    keywords:\n        - ''\n        - 'longkeyword'\n", "keywords")});
  Matcher me(e);
  CHECK(match(me, {}, {"ab", "c"}).size() == 1);
  CHECK(match(me, {}, {"ab", "xlongkeywordx", "c"}).size() == 1);
  CHECK(match(me, {}, {}).empty());
  CHECK(match(m, {}, {"mimi", "katz", "x"}).empty());
  CHECK(match(m, {}, {"mimi", "katz", "mimikatz"}).size() == 1);
}

TEST_CASE("hex values match whatever zero padding and case the shipper wrote") {
  auto p = compile({rule("hex", "    selection:\n        EventID: 5059\n        ReturnCode: '0x0'\n")});
  CHECK(matches(p, {{"EventID", "5059"}, {"ReturnCode", "0x00000000"}}));
  CHECK(matches(p, {{"EventID", "5059"}, {"ReturnCode", "0x0"}}));
  CHECK(matches(p, {{"EventID", "5059"}, {"ReturnCode", "0X0000000000000000"}}));
  CHECK_FALSE(matches(p, {{"EventID", "5059"}, {"ReturnCode", "0x8009000b"}}));
  CHECK_FALSE(matches(p, {{"EventID", "5059"}, {"ReturnCode", "0"}}));  // not 0x-hex
  CHECK_FALSE(matches(p, {{"EventID", "5059"}, {"ReturnCode", ""}}));
  CHECK_FALSE(matches(p, {{"EventID", "5059"}}));
  CHECK_FALSE(matches(p, {{"EventID", "4692"}, {"ReturnCode", "0x0"}}));
  auto q = compile({rule("hex2", "    selection:\n        EventID: 5059\n        ReturnCode: '0x8009000B'\n")});
  CHECK(matches(q, {{"EventID", "5059"}, {"ReturnCode", "0x8009000b"}}));
  CHECK(matches(q, {{"EventID", "5059"}, {"ReturnCode", "0x000000008009000B"}}));
  CHECK_FALSE(matches(q, {{"EventID", "5059"}, {"ReturnCode", "0x8009000c"}}));
}

TEST_CASE("%% codes and their message texts are the same value") {
  auto by_code = compile({rule("code", "    selection:\n        EventID: 5059\n        KeyType: '%%2500'\n")});
  auto by_text = compile({rule("text", "    selection:\n        EventID: 5059\n        KeyType: 'User key.'\n")});
  for (const auto& p : {by_code, by_text}) {
    CHECK(matches(p, {{"EventID", "5059"}, {"KeyType", "User key."}}));
    CHECK(matches(p, {{"EventID", "5059"}, {"KeyType", "%%2500"}}));
    CHECK(matches(p, {{"EventID", "5059"}, {"KeyType", "user KEY."}}));
    CHECK_FALSE(matches(p, {{"EventID", "5059"}, {"KeyType", "%%2499"}}));
    CHECK_FALSE(matches(p, {{"EventID", "5059"}, {"KeyType", "Machine key."}}));
    CHECK_FALSE(matches(p, {{"EventID", "4692"}, {"KeyType", "%%2500"}}));
  }
}

// What LiteralIndex must report for one literal, decided the obvious way.
static bool naive_match(sigmatch::vm::LiteralIndex::Mode mode, const std::string& v, const std::string& l) {
  using Mode = sigmatch::vm::LiteralIndex::Mode;
  switch (mode) {
    case Mode::kEq: return v == l;
    case Mode::kPrefix: return v.compare(0, l.size(), l) == 0;
    case Mode::kSuffix: return v.size() >= l.size() && v.compare(v.size() - l.size(), l.size(), l) == 0;
    case Mode::kContains: return v.find(l) != std::string::npos;
  }
  return false;
}

// LiteralIndex against a naive search, with enough literals (6,000 of 1-14 bytes, ~50,000 states)
// that the automaton outgrows its dense rows, so the scan crosses between dense rows and sparse
// records/failure links in both directions; and once per dense-row budget: the root alone (every
// other state sparse), the default, and every state dense.
TEST_CASE("LiteralIndex: dense and sparse states agree with a naive search in every mode") {
  using sigmatch::vm::LiteralIndex;
  std::mt19937 rng(7);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789\\/.:-_ =\"'%$#@!&*()[]{}<>,;|~";
  auto random_text = [&](std::size_t lo, std::size_t hi) {
    std::string s(lo + rng() % (hi - lo + 1), ' ');
    for (char& c : s) c = alphabet[rng() % 8 == 0 ? rng() % alphabet.size() : rng() % 6];  // skewed: long shared runs
    return s;
  };
  struct Budget {
    std::size_t dense_cells, all_dense_cells;
  };
  const Budget budgets[] = {{1, 1}, {LiteralIndex::kDenseCells, LiteralIndex::kAllDenseCells}, {1u << 30, 1u << 30}};
  for (std::size_t count : {40u, 6000u})
  for (const Budget& budget : budgets) {
    LiteralIndex idx;
    std::vector<std::pair<std::string, LiteralIndex::Mode>> lits;
    for (std::uint32_t i = 0; i < count; ++i) {
      lits.emplace_back(random_text(1, 14), static_cast<LiteralIndex::Mode>(rng() % 4));
      if (i % 997 == 0) lits.back().first.clear();  // the empty literal, too
    }
    for (std::uint32_t i = 0; i < lits.size(); ++i) idx.add(lits[i].first, lits[i].second, i);
    REQUIRE(idx.build(budget.dense_cells, budget.all_dense_cells));
    for (int t = 0; t < 400; ++t) {
      std::string v = random_text(0, t % 3 == 0 ? 600 : 60);  // long ones take the two-walk path
      std::set<std::uint32_t> got, want;
      idx.scan(v, [&](std::uint32_t p) { got.insert(p); });
      for (std::uint32_t i = 0; i < lits.size(); ++i) {
        const std::string& l = lits[i].first;
        if (naive_match(lits[i].second, v, l)) want.insert(i);
      }
      REQUIRE_MESSAGE(got == want, "count=" << count << " dense_cells=" << budget.dense_cells << " value=" << v);
    }
  }
}

// Every byte value in one literal (only a hand-made image has upper case and control bytes in
// a literal): 257 byte classes, no ASCII aliasing; the automaton still finds it exactly.
TEST_CASE("LiteralIndex: a literal with all 256 byte values") {
  using sigmatch::vm::LiteralIndex;
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  LiteralIndex idx;
  idx.add(all, LiteralIndex::Mode::kContains, 0);
  idx.add("AB", LiteralIndex::Mode::kContains, 1);
  REQUIRE(idx.build());
  CHECK_FALSE(idx.folds_ascii());
  CHECK(idx.unused_byte() == -1);
  std::set<std::uint32_t> got;
  idx.scan("x" + all + "y", [&](std::uint32_t p) { got.insert(p); });
  CHECK(got == std::set<std::uint32_t>{0, 1});
  got.clear();
  idx.scan(all.substr(1) + "ab", [&](std::uint32_t p) { got.insert(p); });  // "AB" inside, "ab" no
  CHECK(got == std::set<std::uint32_t>{1});
}

// The filter-then-verify path (literals of 4+ bytes): against a naive search in every mode, on
// raw upper-case values, on values sparse in candidates (the filter decides) and dense ones (the
// automaton takes over, and the retry hint then skips the filter), with and without the hint.
TEST_CASE("LiteralIndex: the 4-byte filter and its fallback agree with a naive search") {
  using sigmatch::vm::LiteralIndex;
  std::mt19937 rng(13);
  const std::string common = "abcd", rare = "wxyz:\\-_.019";
  auto text = [&](std::size_t lo, std::size_t hi, int rare_one_in) {
    std::string s(lo + rng() % (hi - lo + 1), ' ');
    for (char& c : s) c = rng() % rare_one_in == 0 ? rare[rng() % rare.size()] : common[rng() % common.size()];
    return s;
  };
  std::vector<std::string> lits;
  lits.reserve(300);
  for (int i = 0; i < 300; ++i) lits.push_back(text(4, 12, i % 2 ? 2 : 6));
  lits.push_back("abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdx");  // a long walk on "abcd..."
  // The same literals with the SIMD filter (where the CPU has AVX2) and with the scalar one.
  LiteralIndex idx, scalar;
  for (LiteralIndex* x : {&idx, &scalar}) {
    for (std::uint32_t i = 0; i < lits.size(); ++i) x->add(lits[i], static_cast<LiteralIndex::Mode>(i % 4), i);
    x->add("", LiteralIndex::Mode::kContains, 9999);
  }
  REQUIRE(idx.build());
  REQUIRE(scalar.build(LiteralIndex::kDenseCells, LiteralIndex::kAllDenseCells, false));
  REQUIRE(idx.has_filter());
  CHECK(idx.has_simd_filter() == LiteralIndex::simd_available());
  CHECK_FALSE(scalar.has_simd_filter());
  std::uint8_t retry = 0, retry_scalar = 0;
  for (int t = 0; t < 3000; ++t) {
    // Mostly rare bytes (few candidates), sometimes runs of common ones (many candidates).
    std::string v = t % 5 == 0 ? text(0, 300, 1) : text(0, t % 3 ? 80 : 400, 2);
    if (t % 7 == 0) v = "abcd" + std::string(200, 'a') + lits[t % lits.size()];
    std::string raw = v;
    for (char& c : raw)
      if (c >= 'a' && c <= 'z' && rng() % 3 == 0) c = static_cast<char>(c - 32);
    std::set<std::uint32_t> want{9999}, got, got_hint, got_auto, got_scalar, got_scalar_hint;
    for (std::uint32_t i = 0; i < lits.size(); ++i) {
      const std::string& l = lits[i];
      if (naive_match(static_cast<LiteralIndex::Mode>(i % 4), v, l)) want.insert(i);
    }
    idx.scan(raw, [&](std::uint32_t p) { got.insert(p); });
    idx.scan(raw, [&](std::uint32_t p) { got_hint.insert(p); }, &retry);
    idx.scan_unfiltered(raw, [&](std::uint32_t p) { got_auto.insert(p); });
    scalar.scan(raw, [&](std::uint32_t p) { got_scalar.insert(p); });
    scalar.scan(raw, [&](std::uint32_t p) { got_scalar_hint.insert(p); }, &retry_scalar);
    REQUIRE_MESSAGE(got == want, "value=" << raw);
    REQUIRE_MESSAGE(got_hint == want, "value=" << raw);
    REQUIRE_MESSAGE(got_auto == want, "value=" << raw);
    REQUIRE_MESSAGE(got_scalar == want, "value=" << raw);
    REQUIRE_MESSAGE(got_scalar_hint == want, "value=" << raw);
  }
  LiteralIndex with_short;
  with_short.add("abc", LiteralIndex::Mode::kContains, 0);
  with_short.add("abcdef", LiteralIndex::Mode::kContains, 1);
  REQUIRE(with_short.build());
  CHECK_FALSE(with_short.has_filter());  // a 3-byte literal could start anywhere: no filter
}

// Hashed verification: a large set of long literals of few lengths (an IOC list: MD5=, SHA1=,
// SHA256=, IMPHASH= and a digest) checks candidates by hashing instead of walking the trie. In
// every mode, with raw upper-case values, a literal shared by several patterns, digests that
// differ from a literal in one byte, matches in the middle and at both ends, and values too
// dense in candidates (the rolling scan a hashed index has instead of an automaton): the same
// as a naive search and the rolling scan alone.
TEST_CASE("LiteralIndex: hashed verification agrees with a naive search") {
  using sigmatch::vm::LiteralIndex;
  std::mt19937 rng(29);
  const std::string hex = "0123456789abcdef";
  auto digest = [&](std::size_t n) {
    std::string d;
    for (std::size_t i = 0; i < n; ++i) d.push_back(hex[rng() % 16]);
    return d;
  };
  const std::pair<const char*, std::size_t> kinds[] = {{"md5=", 32}, {"sha1=", 40}, {"sha256=", 64}, {"imphash=", 32}};
  std::vector<std::string> lits;
  for (int i = 0; i < 1200; ++i) {
    const auto& [name, len] = kinds[i % 4];
    lits.push_back(name + digest(len));
  }
  // Prefixes shared by literals of several lengths (hashed_lengths_of gives more than one).
  for (int i = 0; i < 60; ++i) lits.push_back(i % 2 ? "md5=" + digest(40) : "sha1=" + digest(32));
  lits.push_back(lits[5]);  // the same literal, another pattern (and mode)
  LiteralIndex idx, scalar;
  for (LiteralIndex* x : {&idx, &scalar})
    for (std::uint32_t i = 0; i < lits.size(); ++i) x->add(lits[i], static_cast<LiteralIndex::Mode>(i % 4), i);
  REQUIRE(idx.build());
  REQUIRE(scalar.build(LiteralIndex::kDenseCells, LiteralIndex::kAllDenseCells, false));
  REQUIRE(idx.has_hashed());
  REQUIRE(scalar.has_hashed());
  std::uint8_t retry = 0;
  for (int t = 0; t < 3000; ++t) {
    const std::string& a = lits[rng() % lits.size()];
    const std::string& b = lits[rng() % lits.size()];
    std::string v;
    switch (t % 8) {
      case 0: v = a; break;                                // eq, prefix, suffix and contains
      case 1: v = a + "," + b; break;                      // Sysmon's Hashes: several digests
      case 2: v = "x" + a + "y"; break;                    // contains only
      case 3: v = a.substr(0, a.size() - 1) + (a.back() == '0' ? "1" : "0"); break;  // one byte off
      case 4: v = a.substr(0, 4) + std::string(rng() % 80, 'a') + a.substr(0, 4); break;  // prefix, no digest
      case 5: {  // dense in candidates: the filter gives up, the rolling scan answers
        for (int k = 0; k < 40; ++k) v += "md5=";
        v += a;
        break;
      }
      case 6:  // one literal repeated: at the start, inside (verified once) and at the end
        for (int k = 0; k < 30; ++k) v += a;
        break;
      case 7:  // dense, then two literals overlapping the end of each other's prefix
        for (int k = 0; k < 30; ++k) v += a.substr(0, 4);
        v += a + b.substr(0, 6) + b;
        break;
    }
    std::string raw = v;
    for (char& c : raw)
      if (c >= 'a' && c <= 'z' && rng() % 2 == 0) c = static_cast<char>(c - 32);
    std::set<std::uint32_t> want, got, got_hint, got_auto, got_scalar;  // (got_auto: unfiltered)
    for (std::uint32_t i = 0; i < lits.size(); ++i)
      if (naive_match(static_cast<LiteralIndex::Mode>(i % 4), v, lits[i])) want.insert(i);
    idx.scan(raw, [&](std::uint32_t p) { got.insert(p); });
    idx.scan(raw, [&](std::uint32_t p) { got_hint.insert(p); }, &retry);
    idx.scan_unfiltered(raw, [&](std::uint32_t p) { got_auto.insert(p); });
    scalar.scan(raw, [&](std::uint32_t p) { got_scalar.insert(p); });
    REQUIRE_MESSAGE(got == want, "value=" << raw);
    REQUIRE_MESSAGE(got_hint == want, "value=" << raw);
    REQUIRE_MESSAGE(got_auto == want, "value=" << raw);
    REQUIRE_MESSAGE(got_scalar == want, "value=" << raw);
  }
  // Past 8,192 literals the rolling scan keeps its per-literal marks on the heap: the same
  // answers for dense values there.
  {
    std::vector<std::string> many;
    for (int i = 0; i < 9000; ++i) many.push_back("md5=" + digest(32));
    LiteralIndex big;
    for (std::uint32_t i = 0; i < many.size(); ++i) big.add(many[i], static_cast<LiteralIndex::Mode>(i % 4), i);
    REQUIRE(big.build());
    REQUIRE(big.has_hashed());
    for (int t = 0; t < 20; ++t) {
      const std::string& a = many[rng() % many.size()];
      std::string v;
      for (int k = 0; k < 40; ++k) v += "md5=";
      for (int k = 0; k < 3; ++k) v += a;
      std::set<std::uint32_t> want, got, got_unfiltered;
      for (std::uint32_t i = 0; i < many.size(); ++i)
        if (naive_match(static_cast<LiteralIndex::Mode>(i % 4), v, many[i])) want.insert(i);
      big.scan(v, [&](std::uint32_t p) { got.insert(p); });
      big.scan_unfiltered(v, [&](std::uint32_t p) { got_unfiltered.insert(p); });
      CHECK(got == want);
      CHECK(got_unfiltered == want);
    }
  }
  // Not for: a short literal among them, too many lengths, or too few literals.
  auto hashed_with = [&](const std::vector<std::string>& extra, std::size_t count) {
    LiteralIndex x;
    for (std::uint32_t i = 0; i < count; ++i) x.add(lits[i], LiteralIndex::Mode::kContains, i);
    for (std::uint32_t i = 0; i < extra.size(); ++i) x.add(extra[i], LiteralIndex::Mode::kContains, 5000 + i);
    REQUIRE(x.build());
    return x.has_hashed();
  };
  CHECK(hashed_with({}, 1200));
  CHECK_FALSE(hashed_with({"md5=abc"}, 1200));  // 7 bytes
  std::vector<std::string> lengths;
  for (std::size_t n = 9; n < 15; ++n) lengths.push_back("md5=" + digest(n));
  CHECK_FALSE(hashed_with(lengths, 1200));  // 10 lengths
  CHECK_FALSE(hashed_with({}, 100));
}

// LiteralIndex folds ASCII itself (folds_ascii): a raw ASCII value with upper-case letters gives
// what its folded copy gives, in every mode, through dense and sparse states. A literal with an
// upper-case letter (a hand-made image) turns that off, and its exact-byte scan stays exact.
TEST_CASE("LiteralIndex: raw upper-case ASCII scans like its folded copy") {
  using sigmatch::vm::LiteralIndex;
  std::mt19937 rng(5);
  const std::string lower = "abcxyz\\.:-_ 019@[`{";
  auto text = [&](std::size_t lo, std::size_t hi) {
    std::string s(lo + rng() % (hi - lo + 1), ' ');
    for (char& c : s) c = lower[rng() % 6 == 0 ? rng() % lower.size() : rng() % 3];
    return s;
  };
  for (std::size_t dense_cells : {std::size_t{1}, LiteralIndex::kDenseCells}) {
    LiteralIndex idx;
    std::vector<std::string> lits;
    lits.reserve(3000);  // the index keeps views of its literals until build()
    for (std::uint32_t i = 0; i < 3000; ++i) {
      lits.push_back(text(1, 10));
      idx.add(lits.back(), static_cast<LiteralIndex::Mode>(i % 4), i);
    }
    REQUIRE(idx.build(dense_cells, dense_cells));
    REQUIRE(idx.folds_ascii());
    for (int t = 0; t < 300; ++t) {
      std::string folded = text(0, t % 3 == 0 ? 300 : 40), raw = folded;
      for (char& c : raw)
        if (c >= 'a' && c <= 'z' && rng() % 2) c = static_cast<char>(c - 32);
      std::set<std::uint32_t> a, b;
      idx.scan(raw, [&](std::uint32_t p) { a.insert(p); });
      idx.scan(folded, [&](std::uint32_t p) { b.insert(p); });
      REQUIRE_MESSAGE(a == b, "raw=" << raw);
    }
  }
  LiteralIndex cased;
  cased.add("Ab", LiteralIndex::Mode::kContains, 0);
  cased.add("ab", LiteralIndex::Mode::kContains, 1);
  REQUIRE(cased.build());
  CHECK_FALSE(cased.folds_ascii());
  std::set<std::uint32_t> got;
  cased.scan("xAbx", [&](std::uint32_t p) { got.insert(p); });
  CHECK(got == std::set<std::uint32_t>{0});
}

// Dispatch's value table (ValueIds): the record's raw value finds its folded key whether it is
// ASCII in any case mix (hashed and compared lower-cased on the fly, 8 bytes at a time) or
// non-ASCII (folded first); lengths around the 8-byte steps; a near miss is not found.
TEST_CASE("ValueIds: raw values find their folded keys, near misses do not") {
  using sigmatch::text::fold_case;
  std::mt19937 rng(3);
  const std::string pool = "abcz@[`{09-/ .\xc3\xa4";  // a-umlaut, folded
  std::vector<std::string> keys;
  keys.reserve(400);
  std::set<std::string> seen;
  while (keys.size() < 400) {
    std::string k(rng() % 21, ' ');
    for (char& c : k) c = pool[rng() % pool.size()];
    k = fold_case(k);
    if (seen.insert(k).second) keys.push_back(k);
  }
  std::vector<std::pair<std::string_view, std::uint32_t>> entries;
  for (std::uint32_t i = 0; i < keys.size(); ++i) entries.emplace_back(keys[i], i + 1);
  sigmatch::vm::ValueIds ids;
  ids.build(entries);
  std::string folded;
  auto find = [&](const std::string& v) {
    return ids.find(v, [&] {
      folded = fold_case(v);
      return std::string_view(folded);
    });
  };
  for (std::uint32_t i = 0; i < keys.size(); ++i) {
    std::string raw = keys[i];
    for (char& c : raw)
      if (c >= 'a' && c <= 'z' && rng() % 2) c = static_cast<char>(c - 32);
    CHECK(find(raw) == i + 1);
    std::string upper_umlaut = raw;  // U+00E4 -> U+00C4 where present: found through the fold
    for (std::size_t at = 0; (at = upper_umlaut.find("\xc3\xa4", at)) != std::string::npos; at += 2)
      upper_umlaut[at + 1] = '\x84';
    CHECK(find(upper_umlaut) == i + 1);
    std::string longer = raw + "a";
    if (!seen.count(fold_case(longer))) CHECK(find(longer) == 0);
    if (!raw.empty()) {
      std::string changed = raw;
      changed.back() = changed.back() == '!' ? '?' : '!';
      if (!seen.count(fold_case(changed))) CHECK(find(changed) == 0);
    }
  }
  CHECK(find("never a key, this one") == 0);
}

// EqIndex: (field, folded literal) -> predicates, probed with raw values. The same literal on
// two fields stays apart, a literal shared by several predicates reports them all, upper-case
// ASCII and non-ASCII values find their folded keys, and near misses find nothing.
TEST_CASE("EqIndex: raw values find their field's folded literals, and only those") {
  using sigmatch::text::fold_case;
  sigmatch::vm::EqIndex idx;
  std::set<std::uint32_t> got;
  std::string folded;
  auto find = [&](std::uint32_t field, const std::string& v) {
    got.clear();
    idx.find(field, v, [&] { return std::string_view(folded = fold_case(v)); }, [&](std::uint32_t p) { got.insert(p); });
    return got;
  };
  using Set = std::set<std::uint32_t>;
  CHECK(find(0, "x").empty());  // empty index
  const std::string umlaut = "\xc3\xa4rger.exe";  // a-umlaut: folded
  idx.add(3, "cmd.exe", 1);
  idx.add(3, "cmd.exe", 2);  // the same literal, another predicate
  idx.add(5, "cmd.exe", 3);  // the same literal on another field
  idx.add(3, "", 4);
  idx.add(3, umlaut, 5);
  std::deque<std::string> values;  // add() keeps views: the keys outlive the index
  for (std::uint32_t i = 0; i < 200; ++i) idx.add(7, values.emplace_back("value " + std::to_string(i)), 100 + i);
  idx.build();
  CHECK(idx.has(3));
  CHECK(idx.has(7));
  CHECK_FALSE(idx.has(4));
  CHECK_FALSE(idx.has(1000));
  CHECK(find(3, "cmd.exe") == Set{1, 2});
  CHECK(find(3, "CMD.EXE") == Set{1, 2});
  CHECK(find(5, "Cmd.Exe") == Set{3});
  CHECK(find(4, "cmd.exe").empty());
  CHECK(find(3, "cmd.ex").empty());
  CHECK(find(3, "cmd.exe ").empty());
  CHECK(find(3, "") == Set{4});
  CHECK(find(5, "").empty());
  CHECK(find(3, "\xc3\x84RGER.EXE") == Set{5});  // A-umlaut upper case: through the fold
  CHECK(find(3, umlaut) == Set{5});
  for (std::uint32_t i = 0; i < 200; ++i) REQUIRE(find(7, "VALUE " + std::to_string(i)) == Set{100 + i});
  CHECK(find(7, "value 200").empty());
}

// ValueIds' direct path for EventIDs: a canonical decimal value indexes a table; other spellings
// ("04624", " 4624") go through the hash and find only an identical key. A key past the table's
// limit turns the direct path off, so it is still found.
TEST_CASE("ValueIds: decimal values, with and without the direct table") {
  for (bool past_limit : {false, true}) {
    std::vector<std::pair<std::string_view, std::uint32_t>> keys = {
        {"0", 1}, {"4624", 2}, {"65535", 3}, {"04625", 4}, {"security", 5}};
    if (past_limit) keys.emplace_back("99999", 6);
    sigmatch::vm::ValueIds ids;
    ids.build(keys);
    auto find = [&](std::string_view v) { return ids.find(v, [&] { return v; }); };
    CHECK(find("0") == 1);
    CHECK(find("4624") == 2);
    CHECK(find("65535") == 3);
    CHECK(find("04625") == 4);
    CHECK(find("Security") == 5);
    CHECK(find("4625") == 0);
    CHECK(find("04624") == 0);
    CHECK(find("00") == 0);
    CHECK(find("4624 ") == 0);
    CHECK(find("65536") == 0);
    CHECK(find("99999") == (past_limit ? 6u : 0u));
    CHECK(find("123456") == 0);
  }
}

// A field whose literals exceed LiteralIndex's state cap (a hostile image: ~8.4 MB of literals on
// one field) is not indexed; its predicates run one by one and still decide the rule correctly.
TEST_CASE("a field with too many literal bytes for one automaton still matches, unindexed") {
  const std::vector<std::string> lits = huge_literals(11);
  std::string body = "    selection:\n        CommandLine|contains:\n";
  for (const std::string& l : lits) body += "            - '" + l + "'\n";
  body += "            - 'needle'\n";
  auto p = compile({rule("huge", body)});
  CHECK(matches(p, {{"CommandLine", "a needle here"}}));
  CHECK(matches(p, {{"CommandLine", "x" + lits[4] + "y"}}));
  CHECK_FALSE(matches(p, {{"CommandLine", lits[4].substr(0, 999999)}}));
  CHECK_FALSE(matches(p, {{"CommandLine", "nothing"}}));
}

// The two-walk scan of long values (LiteralIndex::scan): a literal of the maximum length placed
// at every offset of a long value, in every mode, around the hand-over point in particular.
TEST_CASE("LiteralIndex: long values, a literal at every offset, every mode") {
  using sigmatch::vm::LiteralIndex;
  const std::string lit = "needle-0123456789";  // the longest literal of the index
  LiteralIndex idx;
  idx.add(lit, LiteralIndex::Mode::kContains, 0);
  idx.add(lit, LiteralIndex::Mode::kPrefix, 1);
  idx.add(lit, LiteralIndex::Mode::kSuffix, 2);
  idx.add("ab", LiteralIndex::Mode::kContains, 3);
  idx.build();
  for (std::size_t n : {127u, 128u, 129u, 200u, 333u}) {
    for (std::size_t at = 0; at + lit.size() <= n; ++at) {
      std::string v(n, '.');
      v.replace(at, lit.size(), lit);
      std::set<std::uint32_t> got;
      idx.scan(v, [&](std::uint32_t p) { got.insert(p); });
      std::set<std::uint32_t> want{0};
      if (at == 0) want.insert(1);
      if (at + lit.size() == n) want.insert(2);
      REQUIRE_MESSAGE(got == want, "n=" << n << " at=" << at);
    }
  }
}

TEST_CASE("ScanCache: a hit replays exactly what was stored, for that index and those bytes") {
  using vm::ScanCache;
  ScanCache c;
  CHECK_FALSE(c.use(0, 100));  // not reset: disabled
  c.reset(4, 3);
  CHECK(c.enabled());
  CHECK_FALSE(c.use(0, ScanCache::kMinBytes - 1));  // short values are scanned
  const std::string a = "C:\\Windows\\System32\\cmd.exe", b = "C:\\Windows\\System32\\cmd.exf";
  CHECK_FALSE(c.find(0, a, ScanCache::hash(0, a)));
  std::vector<std::uint32_t> preds = {7, 3, 7, 9, 3};
  c.store(0, a, ScanCache::hash(0, a), preds);
  ScanCache::Found got = c.find(0, a, ScanCache::hash(0, a));
  REQUIRE(got);
  CHECK(got.to_vector() == std::vector<std::uint32_t>{3, 7, 9});  // unique
  // The same bytes under another index, and other bytes under the same index, miss.
  CHECK_FALSE(c.find(1, a, ScanCache::hash(1, a)));
  CHECK_FALSE(c.find(0, b, ScanCache::hash(0, b)));
  // A hash forced equal still compares the bytes: b looked up with a's hash misses.
  CHECK_FALSE(c.find(0, b, ScanCache::hash(0, a)));
  // An empty result is a result (the value contains no literal).
  std::vector<std::uint32_t> none;
  c.store(2, b, ScanCache::hash(2, b), none);
  got = c.find(2, b, ScanCache::hash(2, b));
  CHECK(got);
  CHECK(got.size() == 0);
  // An entry that does not fit its slot is not stored: ids up to 0xFFFF take 2 bytes each,
  // an entry with a larger one takes 4 bytes per id.
  for (const std::vector<std::uint32_t>& ids : {std::vector<std::uint32_t>{1, 0xFFFF}, std::vector<std::uint32_t>{1, 0x10000}}) {
    const std::size_t width = ids.back() > 0xFFFF ? 4 : 2;
    std::string big(ScanCache::kDataBytes - width * ids.size() + 1, ids.back() > 0xFFFF ? 'w' : 'n');
    const auto before = c.stats.too_big;
    std::vector<std::uint32_t> two = ids;
    CHECK_FALSE(c.store(1, big, ScanCache::hash(1, big), two));
    CHECK(c.stats.too_big == before + 1);
    CHECK_FALSE(c.find(1, big, ScanCache::hash(1, big)));
    big.pop_back();  // exactly full
    REQUIRE(c.store(1, big, ScanCache::hash(1, big), two));
    got = c.find(1, big, ScanCache::hash(1, big));
    REQUIRE(got);
    CHECK(got.to_vector() == ids);
  }
  // Ids of every size come back as stored (2 bytes when all fit, 4 otherwise).
  for (std::uint32_t top : {0x1234u, 0xFFFFu, 0x10000u, 0x7FFFFFFFu}) {
    const std::string key = "a value for id " + std::to_string(top);
    std::vector<std::uint32_t> ids = {top, 0, 7, top / 2};
    REQUIRE(c.store(0, key, ScanCache::hash(0, key), ids));
    got = c.find(0, key, ScanCache::hash(0, key));
    REQUIRE(got);
    CHECK(got.to_vector() == std::vector<std::uint32_t>{0, 7, top / 2, top});
  }
}

TEST_CASE("ScanCache: a slot memoises other predicates' results while it holds its value") {
  using vm::ScanCache;
  ScanCache c;
  c.reset(2, 2);  // one set of two ways: a third value evicts the one used least recently
  const std::string a = "powershell -enc AAAA", b = "cmd.exe /c whoami /all", d = "rundll32.exe x,y";
  std::vector<std::uint32_t> preds = {4};
  ScanCache::Ref ra, rb, unset;
  CHECK(c.memo_find(unset, 1) == -1);
  REQUIRE(c.store(0, a, ScanCache::hash(0, a), preds, &ra));
  CHECK(c.memo_find(ra, 1) == -1);
  c.memo_store(ra, 1, true);
  c.memo_store(ra, 2, false);
  CHECK(c.memo_find(ra, 1) == 1);
  CHECK(c.memo_find(ra, 2) == 0);
  CHECK(c.memo_find(ra, 3) == -1);
  // A later hit on the value gets the same slot, memo and scan result intact.
  ScanCache::Ref again;
  ScanCache::Found got = c.find(0, a, ScanCache::hash(0, a), &again);
  REQUIRE(got);
  CHECK(got.to_vector() == std::vector<std::uint32_t>{4});
  CHECK(c.memo_find(again, 1) == 1);
  // A second value takes the other way; a third (here under another index) evicts the least
  // recently used, a: its old Ref answers nothing, and the new value starts with an empty memo.
  REQUIRE(c.store(0, d, ScanCache::hash(0, d), preds));
  CHECK(c.memo_find(ra, 1) == 1);
  REQUIRE(c.store(1, b, ScanCache::hash(1, b), preds, &rb));
  CHECK_FALSE(c.find(0, a, ScanCache::hash(0, a)));
  CHECK(c.find(0, d, ScanCache::hash(0, d)));
  CHECK(c.memo_find(ra, 1) == -1);
  c.memo_store(ra, 7, true);  // ignored: the slot is b's now
  CHECK(c.memo_find(rb, 7) == -1);
  CHECK(c.memo_find(rb, 1) == -1);
  // The memo fills the bytes the predicates and key leave free, 4 each, then stops.
  std::string big(ScanCache::kMaxKeyBytes - 9, 'y');  // 9 bytes free: 2 entries
  std::vector<std::uint32_t> none;
  ScanCache::Ref rbig;
  REQUIRE(c.store(0, big, ScanCache::hash(0, big), none, &rbig));
  for (std::uint32_t k = 10; k < 14; ++k) c.memo_store(rbig, k, k % 2);
  CHECK(c.memo_find(rbig, 10) == 0);
  CHECK(c.memo_find(rbig, 11) == 1);
  CHECK(c.memo_find(rbig, 12) == -1);
  got = c.find(0, big, ScanCache::hash(0, big));
  REQUIRE(got);
  CHECK(got.size() == 0);
}

TEST_CASE("ScanCache: an index whose values do not recur closes its gate, then retries") {
  using vm::ScanCache;
  ScanCache c;
  c.reset(64, 2);
  const std::string v = "a value that recurs";
  std::vector<std::uint32_t> one = {5};
  // Index 1 hits on every lookup after the first: its gate stays open.
  for (int i = 0; i < 3 * ScanCache::kGateWindow; ++i) {
    REQUIRE(c.use(1, v.size()));
    if (!c.find(1, v, ScanCache::hash(1, v))) c.store(1, v, ScanCache::hash(1, v), one);
  }
  // Index 0 sees a new value every time: one window of misses closes its gate.
  for (int i = 0; i < ScanCache::kGateWindow; ++i) {
    const std::string u = "unique value " + std::to_string(i);
    REQUIRE(c.use(0, u.size()));
    CHECK_FALSE(c.find(0, u, ScanCache::hash(0, u)));
  }
  for (int i = 0; i < ScanCache::kGateSkip; ++i) REQUIRE_FALSE(c.use(0, 20));
  CHECK(c.use(0, 20));  // open again
  CHECK(c.use(1, v.size()));
}

// The scan cache on and off give the same matches, over records whose long values recur (so
// most scans are replayed) with random case, across eq/prefix/suffix/contains literals on two
// fields, a tiny cache (constant eviction) and the default one.
TEST_CASE("scan cache: cached and uncached runs agree on recurring values") {
  std::mt19937 rng(42);
  auto word = [&](std::size_t len) {
    std::string w;
    for (std::size_t i = 0; i < len; ++i) w.push_back("abcdeABCDE\\. -"[rng() % 15]);
    return w;
  };
  std::vector<std::string> lits;
  for (int i = 0; i < 60; ++i) lits.push_back(word(2 + rng() % 5));
  const char* mods[] = {"", "|startswith", "|endswith", "|contains"};
  std::vector<std::string> rules;
  for (int r = 0; r < 40; ++r) {
    std::string body = "    selection:\n";
    body += std::string("        ") + (r % 2 ? "CommandLine" : "Image") + mods[r % 4] + ":\n";
    for (int k = 0; k < 3; ++k) {
      std::string l = lits[rng() % lits.size()];
      std::string q;
      for (char ch : l) q += ch == '\'' ? std::string("''") : std::string(1, ch);
      body += "            - '" + q + "'\n";
    }
    rules.push_back(rule("r" + std::to_string(r), body));
  }
  // Regexes, memoised in the slots: cased and (?i), on CommandLine (a field with a literal
  // index, whose scan gives the slot) and on ParentImage (no literal index: looked up alone).
  auto quote = [](const std::string& l) {
    std::string q;
    for (char ch : l) {
      if (std::strchr("\\.-", ch)) q += '\\';
      q += ch == '\'' ? std::string("''") : std::string(1, ch);
    }
    return q;
  };
  // Case-sensitive regexes on a non-ASCII letter, on Image (an automaton, no regex guards): a
  // value's scan key is its fold, so the slot of "\xc3\x89a..." (upper-case E acute) also
  // serves "\xc3\xa9a..."; regex results must not be memoised there (only where the key is the
  // raw value).
  rules.push_back(rule("re-eacute", "    selection:\n        Image|re: '\xc3\x89[abc]'\n"));
  rules.push_back(rule("re-eacute-lower", "    selection:\n        Image|re: '\xc3\xa9[abc]'\n"));
  // A regex with no literal of 3+ bytes on a field nothing else tests (no automaton): its slot
  // comes from a lookup alone.
  rules.push_back(rule("re-user", "    selection:\n        User|re: '(?i)[a-c]+\\.[d-e]+'\n"));
  for (int r = 0; r < 12; ++r) {
    const std::string re = std::string(r % 3 == 0 ? "(?i)" : "") + quote(lits[rng() % lits.size()]) +
                           (r % 2 ? ".*" : "\\s?") + quote(lits[rng() % lits.size()]);
    rules.push_back(rule("re" + std::to_string(r),
                         std::string("    selection:\n        ") + (r % 4 == 3 ? "ParentImage" : "CommandLine") +
                             "|re: '" + re + "'\n"));
  }
  // Globs (a wildcard inside the value), memoised in the slots like regexes: folded and cased,
  // on CommandLine (automaton) and ParentImage (no automaton); a cased one on a non-ASCII
  // letter of Image, where the slot's key is the fold and must not serve as the raw value.
  rules.push_back(rule("glob-eacute", "    selection:\n        Image|cased: '\xc3\x89*a*'\n"));
  for (int r = 0; r < 8; ++r) {
    auto glob_quote = [](const std::string& l) {
      std::string q;
      for (char ch : l) q += ch == '\'' ? std::string("''") : std::string(1, ch);
      return q;
    };
    rules.push_back(rule("glob" + std::to_string(r),
                         std::string("    selection:\n        ") + (r % 4 == 3 ? "ParentImage" : "CommandLine") +
                             (r % 3 == 0 ? "|cased" : "") + ": '*" + glob_quote(lits[rng() % lits.size()]) + "*" +
                             glob_quote(lits[rng() % lits.size()]) + (r % 2 ? "?*" : "*") + "'\n"));
  }
  std::vector<std::pair<std::string, std::string>> sources;
  for (std::size_t i = 0; i < rules.size(); ++i)
    sources.emplace_back("r" + std::to_string(i) + ".yml", rules[i]);
  LoadOptions no_cache;
  no_cache.scan_cache = false;
  const auto [on, off] = load_both(sources, no_cache);
  REQUIRE(on->verified().use_scan_cache);
  for (std::uint32_t f = 0; f < on->field_count(); ++f)
    if (on->field_name(f) == "Image") {
      REQUIRE_FALSE(on->verified().field_index[f].empty());
      REQUIRE(on->verified().field_guards[f].empty());
    } else if (on->field_name(f) == "User") {
      REQUIRE(on->verified().field_index[f].empty());
    }
  REQUIRE_FALSE(off->verified().use_scan_cache);

  // A pool of 25 values, each built from literals and noise, 8 to 60 bytes.
  std::vector<std::string> pool;
  for (int i = 0; i < 25; ++i) {
    std::string v;
    while (v.size() < 8 + rng() % 52) v += rng() % 2 ? lits[rng() % lits.size()] : word(1 + rng() % 4);
    pool.push_back(v);
  }
  for (std::size_t slots : {std::size_t{2}, vm::ScanCache::kDefaultSlots}) {
    CAPTURE(slots);
    vm::Scratch cached(on->verified()), plain(off->verified());
    cached.scan_cache_.reset(slots, on->verified().field_index.size());
    Event ev(on->field_count());
    std::vector<std::string> values(on->field_count());  // ev holds views
    std::vector<std::uint32_t> a, b;
    std::size_t matched = 0, prefetched = 0;
    for (int rec = 0; rec < 3000; ++rec) {
      ev.clear();
      for (std::size_t f = 0; f < on->field_count(); ++f) {
        if (on->field_name(f) == "Channel") {  // the rules' logsource (service: security)
          if (rng() % 20 != 0) ev.set(f, "Security");
          continue;
        }
        if (rng() % 5 == 0) continue;  // missing
        std::string& v = values[f];
        v = pool[rng() % pool.size()];
        if (rng() % 10 == 0)  // a case variant is other bytes: scanned and stored on its own
          for (char& ch : v) ch = static_cast<char>(rng() % 2 ? std::toupper(ch) : std::tolower(ch));
        if (rng() % 4 == 0)  // a non-ASCII letter, either case: the same folded key
          v.insert(0, rng() % 2 ? "\xc3\x89" "a" : "\xc3\xa9" "a");
        ev.set(f, v);
      }
      a.clear();
      b.clear();
      vm::run(on->verified(), cached, ev, a);
      vm::run(off->verified(), plain, ev, b);
      // run() hashed, to prefetch its slot, each field's own raw value of this record (a wrong
      // field, value or stale record would differ; a wrong hash would only miss in the cache,
      // never mismatch, since keys are compared too).
      for (std::uint32_t f = 0; f < on->field_count(); ++f)
        if (cached.key_hash_[f].gen == cached.gen_) {
          ++prefetched;
          CHECK(cached.key_hash_[f].hash == vm::ScanCache::hash(f, ev.get(f).text));
        }
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      CAPTURE(rec);
      REQUIRE(a == b);
      matched += !a.empty();
    }
    CHECK(matched > 100);
    CHECK(prefetched > 500);
    if (slots > 2) CHECK(cached.scan_cache_.stats.hits > 3000);  // the cache was really used
    CHECK(plain.scan_cache_.stats.lookups == 0);
  }
}

// Keyword rules on different channels: each dispatch group scans only its rules' keywords (a
// smaller index of its own), and a keyword another channel's rule looks for is not reported on
// this channel's records. Checked against the undispatched run on every record.
TEST_CASE("dispatch: each group scans only its own rules' keywords") {
  auto with_service = [](std::string text, const std::string& service) {
    const std::string from = "    service: security\n";
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), service.empty() ? "" : "    service: " + service + "\n");
  };
  std::vector<std::pair<std::string, std::string>> sources;
  auto add = [&](const std::string& text) { sources.emplace_back("k" + std::to_string(sources.size()) + ".yml", text); };
  add(rule("security kw", "    keywords:\n        - 'lsadump::sam'\n        - 'golden ticket'\n", "keywords"));
  add(with_service(rule("system kw", "    keywords:\n        - 'spooler crashed'\n        - 'golden ticket'\n", "keywords"), "system"));
  add(with_service(rule("any channel kw", "    keywords:\n        - 'sekurlsa::'\n", "keywords"), ""));
  add(rule("security field", "    selection:\n        CommandLine|contains: 'spooler crashed'\n"));
  LoadOptions undispatched;
  undispatched.dispatch = false;
  const auto [on, off] = load_both(sources, undispatched);
  const vm::Dispatch& d = on->verified().dispatch;
  REQUIRE(d.enabled);
  CHECK(d.keyword_indexes.size() >= 2);  // Security's and System's sets differ from the whole
  for (const auto& idx : d.keyword_indexes) CHECK(idx->size() < 4);

  Matcher a(on), b(off);
  using V = std::vector<std::uint32_t>;
  auto both = [&](const Fields& f, std::vector<std::string> extra = {}) { return match_both(a, b, f, extra); };
  const std::string sec = "Security", sys = "System", other = "Application";
  CHECK(both({{"Channel", sec}, {"CommandLine", "x LSADUMP::SAM y"}}) == V{0});
  CHECK(both({{"Channel", sys}, {"CommandLine", "x lsadump::sam y"}}).empty());
  CHECK(both({{"Channel", sys}, {"Message", "the Spooler crashed"}}) == V{1});
  CHECK(both({{"Channel", sec}, {"Message", "the spooler crashed"}}).empty());
  CHECK(both({{"Channel", sec}, {"CommandLine", "spooler crashed"}}) == V{3});
  CHECK(both({{"Channel", sec}}, {"a golden ticket"}) == V{0});
  CHECK(both({{"Channel", sys}}, {"a golden ticket"}) == V{1});
  CHECK(both({{"Channel", other}}, {"a golden ticket", "sekurlsa::x"}) == V{2});
  CHECK(both({{"Channel", sec}}, {"sekurlsa::x", "golden ticket"}) == V{0, 2});
}

// A keyword index too large to build (only a hostile image has one) unindexes its predicates
// after dispatch's analysis ran beside the builds (prepare.cpp): the analysis is redone, and
// every record matches as in the undispatched run. Covers that path under the sanitizers.
TEST_CASE("dispatch: a keyword index that fails to build, analysed again") {
  const std::vector<std::string> lits = huge_literals(12);
  std::string huge = "    keywords:\n";
  for (const std::string& l : lits) huge += "        - '" + l + "'\n";
  huge += "        - 'needle'\n";
  std::vector<std::pair<std::string, std::string>> sources;
  sources.emplace_back("a.yml", rule("huge kw", huge, "keywords"));
  sources.emplace_back("b.yml", rule("field", "    selection:\n        EventID: 4692\n        CommandLine|contains: 'spooler'\n"));
  LoadOptions undispatched;
  undispatched.dispatch = false;
  const auto [on, off] = load_both(sources, undispatched);
  REQUIRE(on->verified().dispatch.enabled);
  CHECK(on->verified().field_index.back().empty());  // the keyword index did not build
  Matcher a(on), b(off);
  using V = std::vector<std::uint32_t>;
  auto both = [&](const Fields& f, std::vector<std::string> extra = {}) { return match_both(a, b, f, extra); };
  CHECK(both({{"Channel", "Security"}, {"EventID", "4692"}, {"CommandLine", "a Needle"}}) == V{0});
  CHECK(both({{"Channel", "Security"}, {"EventID", "4692"}, {"CommandLine", "spooler"}}) == V{1});
  CHECK(both({{"Channel", "Security"}, {"EventID", "1"}}, {"x" + lits[3] + "y"}) == V{0});
  CHECK(both({{"Channel", "Security"}, {"EventID", "1"}}, {lits[3].substr(1)}).empty());
}

// The SIMD filter's edges: a 4+-byte literal at every offset of values from 4 to 100 bytes (the
// 32-position blocks, the zero-padded tail and its position mask), in every mode, with bytes
// around the A-Z fold range and above 0x7F, upper-case values included; SIMD and scalar builds.
TEST_CASE("LiteralIndex: the filters find a 4-byte literal at every offset") {
  using sigmatch::vm::LiteralIndex;
  // (Literals are folded, as the compiler emits them; the index keeps views of them.)
  const std::vector<std::string> lits = {"@[`{", "a\xc3\xa9z", "zzzz", "\x7f\xff\x80q", "wxyz0123"};
  for (bool simd : {true, false}) {
    LiteralIndex idx;
    for (std::uint32_t i = 0; i < lits.size(); ++i)
      for (std::uint32_t m = 0; m < 4; ++m)
        idx.add(lits[i], static_cast<LiteralIndex::Mode>(m), 4 * i + m);
    REQUIRE(idx.build(LiteralIndex::kDenseCells, LiteralIndex::kAllDenseCells, simd));
    REQUIRE(idx.has_filter());
    CHECK(idx.has_simd_filter() == (simd && LiteralIndex::simd_available()));
    for (std::size_t n = 4; n <= 100; ++n)
      for (std::size_t at = 0; at + 4 <= n; ++at)
        for (std::uint32_t i = 0; i < lits.size(); ++i) {
          const std::string& lit = lits[i];
          if (at + lit.size() > n) continue;
          std::string v(n, '.');
          v.replace(at, lit.size(), lit);
          if ((n + at) % 3 == 0)  // a raw value with upper-case ASCII scans like its fold
            for (char& c : v)
              if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
          std::string folded = v;
          for (char& c : folded)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
          std::set<std::uint32_t> want, got;
          for (std::uint32_t j = 0; j < lits.size(); ++j) {
            for (std::uint32_t m = 0; m < 4; ++m)
              if (naive_match(static_cast<LiteralIndex::Mode>(m), folded, lits[j]))
                want.insert(4 * j + m);
          }
          idx.scan(v, [&](std::uint32_t p) { got.insert(p); });
          CAPTURE(n);
          CAPTURE(at);
          CAPTURE(i);
          REQUIRE(got == want);
          REQUIRE(want.count(4 * i + 3) == 1);  // contains: always found
        }
  }
}

// regex_guard: the ASCII literals one of which a regex cannot match ASCII text without.
TEST_CASE("regex_guard: literals a regex needs, minimal, ASCII, or none") {
  auto guard = [](const std::string& pattern, bool icase = false) {
    RE2::Options o;
    o.set_case_sensitive(!icase);
    RE2 re(pattern, o);
    REQUIRE(re.ok());
    std::vector<std::string> g = vm::regex_guard(re);
    return std::set<std::string>(g.begin(), g.end());
  };
  using Set = std::set<std::string>;
  CHECK(guard("werfaultsecure\\.exe\\s+\\d+") == Set{"werfaultsecure.exe"});
  // Case-insensitive: RE2's atoms also spell s as U+017F; only the ASCII spelling can occur in
  // ASCII text, and it guards there.
  CHECK(guard("(?i)\\.exe.{0,64}werfaultsecure\\.exe") == Set{"werfaultsecure.exe"});
  CHECK(guard("SET.*ENVIRONMENT", true) == Set{"environment"});  // one of an AND is enough
  CHECK(guard("(?:invoke|iex)\\(") == Set{"iex(", "invoke("});    // an OR needs all
  CHECK(guard("\\s[a-f0-9]{64}\\s").empty());                     // no literal at all
  CHECK(guard("ab.*cd").empty());                                   // literals under 3 bytes
  CHECK(guard("(?:mimikatz|.)").empty());                           // matches without one
  CHECK(guard("\xc3\xa9t\xc3\xa9").empty());                        // its one literal is not ASCII
  // Short guards (a field whose automaton has no filter): only literals with a rare byte.
  auto short_guard = [](const std::string& pattern) {
    RE2 re(pattern);
    REQUIRE(re.ok());
    std::vector<std::string> g = vm::regex_guard(re, true);
    return std::set<std::string>(g.begin(), g.end());
  };
  CHECK(short_guard("\\w+`(?:\\w+|-|.)`[\\w+|\\s]") == Set{"`"});  // PowerShell token obfuscation
  CHECK(guard("\\w+`(?:\\w+|-|.)`[\\w+|\\s]").empty());             // (not without short_ok)
  // "-f" is common: the guards are RE2's "{0}" .. "{9}" (an OR: all of them).
  CHECK(short_guard("\"(?:\\{\\d\\})+\"\\s*-f").size() == 10);
  CHECK(short_guard("(?i)\\$\\{`?e`?n`?v").size() == 1);
  CHECK(short_guard("ab.*cd").empty());                   // common short literals guard nothing
  CHECK(short_guard("\\\\[a-z]{1,32}\\.[a-z]").empty());  // backslash and dot, in most paths
  CHECK(short_guard("werfaultsecure\\.exe") == Set{"werfaultsecure.exe"});
}

// Guarded regexes, case-insensitive ones included, match exactly what RE2 matches: ASCII
// values with and without a guard literal, and non-ASCII values (where RE2 matches "s" against
// U+017F and "k" against U+212A, which no ASCII guard literal finds: every guard of the field
// counts as found there). The same program with guards off agrees on every record.
TEST_CASE("regex guards: rules needing a regex run where it can match, and nowhere it can") {
  std::vector<std::pair<std::string, std::string>> sources = {
      {"a.yml", rule("re-i", "    selection:\n        CommandLine|re: '(?i)werfaultsecure\\.exe\\s+\\d+'\n")},
      {"b.yml", rule("re-kw", "    selection:\n        CommandLine|re: '(?i)(?:mimikatz|invoke-sk)'\n")},
      {"c.yml", rule("re-cased", "    selection:\n        CommandLine|re: 'Clip\\b'\n")},
      {"d.yml", rule("lit", "    selection:\n        CommandLine|contains: 'whoami'\n")},
  };
  LoadOptions no_guards;
  no_guards.regex_guards = false;
  const auto [on, off] = load_both(sources, no_guards);
  std::size_t guards = on->verified().memo_size - on->verified().preds.size();
  CHECK(guards >= 3);
  CHECK(off->verified().memo_size == off->verified().preds.size());
  // The case-insensitive regex rules joined the prefilter (not always run) only with guards.
  CHECK_FALSE(always_run(*on, "re-i"));
  CHECK_FALSE(always_run(*on, "re-kw"));
  CHECK(always_run(*off, "re-i"));
  CHECK(always_run(*off, "re-kw"));
  Matcher mon(on), moff(off);
  const std::vector<std::pair<std::string, std::size_t>> cases = {
      {"werfaultsecure.exe 123", 1},
      {"WerFaultSecure.EXE  42 x", 1},
      {"werfaultsecure.exe x", 0},
      {"werfault\xc5\xbf" "ecure.exe 7", 1},  // U+017F long s: RE2 (?i) matches it as s
      {"werfault\xc5\xbf" "ecure.exe", 0},
      {"run MIMIKATZ now", 1},
      {"invoke-s\xe2\x84\xaa", 1},  // U+212A Kelvin sign: (?i) k
      {"invoke-s", 0},
      {"Clip", 1},
      {"clip", 0},
      {"Clip\xc3\xa9", 1},  // \b: an ASCII word boundary
      {"Clipx", 0},
      {"whoami /all", 1},
      {"nothing here", 0},
      {"", 0},
  };
  for (const auto& [value, want] : cases) {
    CAPTURE(value);
    for (int twice = 0; twice < 2; ++twice) {  // the second time through the scan cache
      CHECK(match(mon, {{"Channel", "Security"}, {"CommandLine", value}}).size() == want);
      CHECK(match(moff, {{"Channel", "Security"}, {"CommandLine", value}}).size() == want);
    }
  }
}

// A field whose automaton has no filter anyway (here: a literal under 4 bytes) also takes
// guards of 1 or 2 bytes holding a rare byte: a backtick regex joins the prefilter there, and
// matches exactly as without guards, on values with and without the guard, through the cache.
TEST_CASE("regex guards: short guards on a field without a filter") {
  std::vector<std::pair<std::string, std::string>> sources = {
      {"a.yml", rule("tick", "    selection:\n        CommandLine|re: '\\w+`(?:\\w+|-|.)`[\\w+|\\s]'\n")},
      {"b.yml", rule("short-lit", "    selection:\n        CommandLine|contains: 'ab'\n")},
      {"c.yml", rule("tick-image", "    selection:\n        Image|re: '\\w+`\\w+`'\n        Image|contains: 'powershell'\n")},
  };
  LoadOptions no_guards;
  no_guards.regex_guards = false;
  const auto [on, off] = load_both(sources, no_guards);
  const vm::VerifiedProgram& vp = on->verified();
  CHECK_FALSE(always_run(*on, "tick"));
  CHECK(always_run(*off, "tick"));
  // Image's automaton has a filter ("powershell"): no short guard is added to it.
  for (std::uint32_t f = 0; f < vp.fields.size(); ++f)
    if (vp.fields[f] == "Image") CHECK(vp.field_index[f].has_filter());
  Matcher mon(on), moff(off);
  const char* values[] = {"IN`V`o`Ke-eXpression", "in`v`", "no ticks here", "a`b", "tab`le` x", "`", ""};
  for (const char* cmd : values)
    for (const char* image : {"c:\\powershell.exe", "c:\\power`shell`s"}) {
      CAPTURE(cmd);
      CAPTURE(image);
      for (int twice = 0; twice < 2; ++twice) {
        const Fields f = {{"Channel", "Security"}, {"CommandLine", cmd}, {"Image", image}};
        CHECK(match(mon, f) == match(moff, f));
      }
    }
  CHECK(match(mon, {{"Channel", "Security"}, {"CommandLine", "IN`V`o`Ke x"}}).size() == 1);
}

// Prefilter clauses (format.hpp, kPrefilterMore): a rule is a candidate only when a literal of
// every clause the compiler found occurs. Each rule's clause count is checked (so a compiler or
// load that dropped them fails here), and the matches with and without clauses are the same.
TEST_CASE("prefilter clauses: a rule runs only when every clause has a literal") {
  std::vector<std::pair<std::string, std::string>> sources = {
      {"a.yml", rule("img-cli", "    img:\n        Image|endswith: '\\cmdkey.exe'\n"
                                "    cli:\n        CommandLine|contains:\n            - ' /l'\n            - ' -l'\n",
                     "img and cli")},
      {"b.yml", rule("or-of-ands", "    a_img:\n        Image|endswith: '\\alpha.exe'\n"
                                   "    a_cli:\n        CommandLine|contains: 'alphaarg'\n"
                                   "    b_img:\n        Image|endswith: '\\beta.exe'\n"
                                   "    b_cli:\n        CommandLine|contains: 'betaarg'\n",
                     "(a_img and a_cli) or (b_img and b_cli)")},
      {"c.yml", rule("three", "    selection:\n        Image|endswith: '\\three.exe'\n"
                              "        CommandLine|contains: 'threearg'\n"
                              "        ParentImage|endswith: '\\parent.exe'\n")},
      {"d.yml", rule("with-not", "    selection:\n        Image|endswith: '\\notted.exe'\n"
                                 "    filter:\n        CommandLine|contains: 'safe'\n",
                     "selection and not filter")},
      {"e.yml", rule("kw-and-field", "    keywords:\n        - 'evilkeyword'\n"
                                     "    selection:\n        Image|endswith: '\\kw.exe'\n",
                     "keywords and selection")},
      // Runs on every record (no literal of 3 bytes), between the others in rule order.
      {"e2.yml", rule("re-order", "    selection:\n        CommandLine|re: 'o.d.r'\n")},
      {"f.yml", rule("one-clause-two", "    selection:\n        CommandLine|contains:\n"
                                       "            - 'twoa'\n            - 'twob'\n")},
      // An `or` whose one side has a single clause lends it to both unions: {lendimg.exe,
      // lendtwo} and {lendarg, lendtwo}.
      {"g.yml", rule("or-lends", "    both:\n        Image|endswith: '\\lendimg.exe'\n"
                                 "        CommandLine|contains: 'lendarg'\n"
                                 "    one:\n        CommandLine|contains: 'lendtwo'\n",
                     "both or one")},
  };
  LoadOptions first_only;
  first_only.prefilter_clauses = false;
  const auto [on, off] = load_both(sources, first_only);
  auto clauses = [](const Program& prog, std::string_view title) {
    const vm::VerifiedProgram& vp = prog.verified();
    return __builtin_popcount(vp.clause_full[rule_number(vp, title)]);
  };
  CHECK(clauses(*on, "img-cli") == 2);
  CHECK(clauses(*on, "or-of-ands") == 2);  // (alpha.exe | beta.exe) and (alphaarg | betaarg)
  CHECK(clauses(*on, "three") == 3);
  CHECK(clauses(*on, "with-not") == 0);  // one clause: the negation gives none
  CHECK(clauses(*on, "kw-and-field") == 2);
  CHECK(clauses(*on, "or-lends") == 2);
  for (const char* t : {"img-cli", "or-of-ands", "three", "with-not", "kw-and-field"}) CHECK(clauses(*off, t) == 0);

  // The clauses prune: a record with the rule's image but none of its command-line fragments
  // does not make it a candidate (it does with the first clause only).
  auto candidate = [](const Program& prog, std::string_view title, const Fields& f) {
    const vm::VerifiedProgram& vp = prog.verified();
    Event ev(prog.field_count());
    for (std::size_t i = 0; i < prog.field_count(); ++i)
      if (auto it = f.find(std::string(prog.field_name(i))); it != f.end()) ev.set(i, *it->second);
    vm::Scratch s(vp);
    std::vector<std::uint32_t> out;
    vm::run(vp, s, ev, out);
    return is_candidate(s, rule_number(vp, title));
  };
  const Fields image_only = {{"Channel", "Security"}, {"Image", "C:\\Windows\\cmdkey.exe"}, {"CommandLine", "cmdkey /add"}};
  CHECK_FALSE(candidate(*on, "img-cli", image_only));
  CHECK(candidate(*off, "img-cli", image_only));
  const Fields both = {{"Channel", "Security"}, {"Image", "C:\\Windows\\cmdkey.exe"}, {"CommandLine", "cmdkey /l"}};
  CHECK(candidate(*on, "img-cli", both));
  const Fields lend_image = {{"Channel", "Security"}, {"Image", "C:\\lendimg.exe"}, {"CommandLine", "x"}};
  const Fields lend_two = {{"Channel", "Security"}, {"Image", "C:\\x.exe"}, {"CommandLine", "lendtwo"}};
  CHECK_FALSE(candidate(*on, "or-lends", lend_image));
  CHECK(candidate(*off, "or-lends", lend_image));
  CHECK(candidate(*on, "or-lends", lend_two));
  // One Scratch over 8,193 records: the clause marks carry a 13-bit record stamp, so the image
  // found 8,192 records before must not count for a record that only has the command line.
  {
    const vm::VerifiedProgram& vp = on->verified();
    vm::Scratch s(vp);
    std::uint32_t rule = 0;
    while (vp.rules[rule].title != "img-cli") ++rule;
    auto run_one = [&](const Fields& f) {
      Event ev(on->field_count());
      for (std::size_t i = 0; i < on->field_count(); ++i)
        if (auto it = f.find(std::string(on->field_name(i))); it != f.end()) ev.set(i, *it->second);
      std::vector<std::uint32_t> out;
      vm::run(vp, s, ev, out);
      return is_candidate(s, rule);
    };
    const Fields cli_only = {{"Channel", "Security"}, {"Image", "C:\\Windows\\other.exe"}, {"CommandLine", "cmdkey /l"}};
    const Fields neither = {{"Channel", "Security"}, {"Image", "C:\\x.exe"}};
    CHECK_FALSE(run_one(image_only));
    for (int i = 0; i < 8191; ++i) run_one(neither);
    CHECK_FALSE(run_one(cli_only));
    CHECK(run_one(both));
  }

  Matcher mon(on), moff(off);
  using Set = std::set<std::string>;
  const std::vector<std::pair<Fields, Set>> cases = {
      {{{"Image", "C:\\Windows\\cmdkey.exe"}, {"CommandLine", "cmdkey /l"}}, Set{"img-cli"}},
      {{{"Image", "C:\\Windows\\cmdkey.exe"}, {"CommandLine", "cmdkey /add"}}, Set{}},
      {{{"Image", "C:\\Windows\\other.exe"}, {"CommandLine", "other /l"}}, Set{}},
      {{{"Image", "C:\\x\\alpha.exe"}, {"CommandLine", "alphaarg"}}, Set{"or-of-ands"}},
      {{{"Image", "C:\\x\\beta.exe"}, {"CommandLine", "betaarg"}}, Set{"or-of-ands"}},
      // Both clauses hold, the condition does not: a candidate that runs and fails.
      {{{"Image", "C:\\x\\alpha.exe"}, {"CommandLine", "betaarg"}}, Set{}},
      {{{"Image", "C:\\x\\beta.exe"}, {"CommandLine", "x"}}, Set{}},
      {{{"Image", "C:\\three.exe"}, {"CommandLine", "threearg"}, {"ParentImage", "C:\\parent.exe"}}, Set{"three"}},
      {{{"Image", "C:\\three.exe"}, {"CommandLine", "threearg"}, {"ParentImage", "C:\\other.exe"}}, Set{}},
      {{{"Image", "C:\\three.exe"}, {"CommandLine", "none"}, {"ParentImage", "C:\\parent.exe"}}, Set{}},
      {{{"Image", "C:\\notted.exe"}, {"CommandLine", "run"}}, Set{"with-not"}},
      {{{"Image", "C:\\notted.exe"}, {"CommandLine", "safe run"}}, Set{}},
      {{{"Image", "C:\\kw.exe"}, {"CommandLine", "has evilkeyword in it"}}, Set{"kw-and-field"}},
      {{{"Image", "C:\\kw.exe"}, {"CommandLine", "clean"}}, Set{}},
      {{{"Image", "C:\\other.exe"}, {"CommandLine", "evilkeyword"}}, Set{}},
      {{{"Image", "C:\\lendimg.exe"}, {"CommandLine", "lendarg"}}, Set{"or-lends"}},
      {{{"Image", "C:\\lendimg.exe"}, {"CommandLine", "other"}}, Set{}},
      {{{"Image", "C:\\other.exe"}, {"CommandLine", "a lendtwo b"}}, Set{"or-lends"}},
      {{{"Image", "C:\\other.exe"}, {"CommandLine", "lendarg"}}, Set{}},
  };
  for (const auto& [fields, want] : cases) {
    Fields f = fields;
    f["Channel"] = "Security";
    for (int twice = 0; twice < 2; ++twice) {  // the second time through the scan cache
      CHECK(matched_titles(mon, f) == want);
      CHECK(matched_titles(moff, f) == want);
    }
  }
  // Each rule once, in rule order: one found by two literals of its clause, one whose two
  // clauses are found by four, and an always-run rule between them.
  CHECK(always_run(*on, "re-order"));
  const Fields many = {{"Channel", "Security"}, {"Image", "C:\\Windows\\cmdkey.exe"},
                       {"CommandLine", "cmdkey /l -l order twoa twob"}};
  const vm::VerifiedProgram& vp = on->verified();
  const std::vector<std::uint32_t> want = {rule_number(vp, "img-cli"), rule_number(vp, "re-order"),
                                           rule_number(vp, "one-clause-two")};
  REQUIRE(std::is_sorted(want.begin(), want.end()));
  for (int twice = 0; twice < 2; ++twice) {
    CHECK(match(mon, many) == want);
    CHECK(match(moff, many) == want);
  }
}

// Deferred clauses (prepare.cpp): a rule of several clauses leaves its most shared small one
// out of the index and checks it once the others are found. The candidates must be exactly
// those of the fully indexed program, on every record: deferred image, keyword and regex-guard
// clauses, three-clause rules, and records missing either side.
TEST_CASE("deferred clauses: the same candidates and matches as every clause indexed") {
  std::vector<std::pair<std::string, std::string>> sources;
  auto add = [&](const std::string& text) { sources.emplace_back("d" + std::to_string(sources.size()) + ".yml", text); };
  const std::vector<std::string> images = {"\\common.exe", "\\shared.exe", "\\rare.exe"};
  const std::vector<std::string> args = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
  for (std::size_t i = 0; i < 12; ++i)  // \common.exe in 6 rules, \shared.exe in 4, \rare.exe in 2
    add(rule("img-cli-" + std::to_string(i),
             "    selection:\n        Image|endswith: '" + images[i < 6 ? 0 : i < 10 ? 1 : 2] +
                 "'\n        CommandLine|contains: '" + args[i % args.size()] + "arg'\n"));
  add(rule("three", "    selection:\n        Image|endswith: '\\common.exe'\n"
                    "        CommandLine|contains: 'alphaarg'\n        ParentImage|endswith: '\\parent.exe'\n"));
  add(rule("kw-img", "    keywords:\n        - 'evilkeyword'\n    selection:\n        Image|endswith: '\\common.exe'\n",
           "keywords and selection"));
  add(rule("re-img", "    selection:\n        Image|endswith: '\\shared.exe'\n        CommandLine|re: 'betaarg\\s+[0-9]+'\n"));
  LoadOptions no_defer;
  no_defer.defer_clauses = false;
  const auto [on, off] = load_both(sources, no_defer);
  const vm::VerifiedProgram &von = on->verified(), &voff = off->verified();
  std::size_t deferring = 0;
  for (std::uint32_t r = 0; r < von.rules.size(); ++r) {
    deferring += von.rule_defer_begin[r + 1] != von.rule_defer_begin[r];
    CHECK(voff.rule_defer_begin[r + 1] == voff.rule_defer_begin[r]);
  }
  CHECK(deferring == von.rules.size());  // every rule here has two or three clauses
  // The shared image clause is the deferred one: img-cli-0's entries are its command line's.
  const std::uint32_t r0 = rule_number(von, "img-cli-0");
  CHECK(von.rule_defer_begin[r0 + 1] - von.rule_defer_begin[r0] == 1);
  CHECK(von.preds[von.rule_defer[von.rule_defer_begin[r0]]].str == "\\common.exe");

  std::mt19937 rng(7);
  const std::vector<std::string> image_pool = {"C:\\x\\common.exe", "C:\\x\\shared.exe", "C:\\x\\rare.exe",
                                               "C:\\x\\other.exe"};
  vm::Scratch son(von), soff(voff);
  std::size_t candidates = 0, matched = 0;
  for (int rec = 0; rec < 4000; ++rec) {
    std::vector<std::string> vals(on->field_count());
    Event ev(on->field_count());
    for (std::size_t f = 0; f < on->field_count(); ++f) {
      const std::string_view name = on->field_name(f);
      if (rng() % 6 == 0 && name != "Channel") continue;  // missing
      if (name == "Channel") vals[f] = "Security";
      else if (name == "Image" || name == "ParentImage")
        vals[f] = rng() % 5 == 0 ? std::string("C:\\parent.exe") : image_pool[rng() % image_pool.size()];
      else
        vals[f] = args[rng() % args.size()] + (rng() % 2 ? "arg " : " ") + std::to_string(rng() % 3) +
                  (rng() % 7 == 0 ? " evilkeyword" : "");
      ev.set(f, vals[f]);
      ev.add_value(vals[f]);
    }
    std::vector<std::uint32_t> a, b;
    vm::run(von, son, ev, a);
    vm::run(voff, soff, ev, b);
    std::vector<std::uint32_t> ca = son.candidates_, cb = soff.candidates_;
    std::sort(ca.begin(), ca.end());
    std::sort(cb.begin(), cb.end());
    CAPTURE(rec);
    REQUIRE(ca == cb);
    REQUIRE(a == b);
    candidates += ca.size();
    matched += a.size();
  }
  CHECK(candidates > 400);
  CHECK(matched > 500);
}

// Dispatch routes a record to a rule only with an EventID (and Channel) the rule can match
// with, so a prefilter clause of those literals covering every one of them filters nothing:
// prepare drops it, and a rule left with no clause runs on every record of its groups.
TEST_CASE("prefilter clauses that dispatch implies are dropped, the others kept") {
  const std::vector<std::pair<std::string, std::string>> sources = {
      {"a.yml", rule("id-cli", "    selection:\n        EventID: 4688\n        CommandLine|contains: 'idarg'\n")},
      {"b.yml", rule("ids-cli", "    selection:\n        EventID:\n            - 4688\n            - 1\n"
                                "        CommandLine|contains: 'idsarg'\n")},
      // One path needs no EventID: the rule admits every EventID, and its clause
      // {EventID 4688, Image ends with mixed.exe} still filters.
      {"c.yml", rule("id-or-img", "    ida:\n        EventID: 4688\n    img:\n        Image|endswith: '\\mixed.exe'\n"
                                  "    cli:\n        CommandLine|contains: 'mixedarg'\n",
                     "(ida or img) and cli")},
      {"d.yml", rule("id-only", "    selection:\n        EventID: 4689\n")},
  };
  LoadOptions no_dispatch;
  no_dispatch.dispatch = false;
  const auto [on, off] = load_both(sources, no_dispatch);
  REQUIRE(on->verified().use_dispatch);
  REQUIRE_FALSE(off->verified().use_dispatch);
  // The prefilter entries of a rule: one per (predicate, clause) that can make it a candidate,
  // its deferred clause's predicates counted too (they are checked, not indexed).
  auto entries = [](const Program& prog, std::string_view title) {
    const vm::VerifiedProgram& vp = prog.verified();
    const std::uint32_t r = rule_number(vp, title);
    return std::count_if(vp.pred_rules.begin(), vp.pred_rules.end(),
                         [&](std::uint32_t e) { return e >> vm::VerifiedProgram::kEntryRuleShift == r; }) +
           (vp.rule_defer_begin[r + 1] - vp.rule_defer_begin[r]);
  };
  // Undispatched, every clause stays: the EventID(s), the command line (and the image). (The
  // logsource's Channel test gives no clause: it also admits a record without a Channel.)
  CHECK(entries(*off, "id-cli") == 2);
  CHECK(entries(*off, "ids-cli") == 3);
  CHECK(entries(*off, "id-or-img") == 3);
  CHECK(entries(*off, "id-only") == 1);
  // Dispatched: the EventID clauses go, {EventID 4688, mixed.exe} stays.
  CHECK(entries(*on, "id-cli") == 1);
  CHECK(entries(*on, "ids-cli") == 1);
  CHECK(entries(*on, "id-or-img") == 3);
  CHECK(entries(*on, "id-only") == 0);
  CHECK(always_run(*on, "id-only"));
  CHECK_FALSE(always_run(*off, "id-only"));

  Matcher mon(on), moff(off);
  using Set = std::set<std::string>;
  const std::vector<std::pair<Fields, Set>> cases = {
      {{{"EventID", "4688"}, {"CommandLine", "x idarg"}}, Set{"id-cli"}},
      {{{"EventID", "1"}, {"CommandLine", "x idarg"}}, Set{}},
      {{{"EventID", "1"}, {"CommandLine", "x idsarg"}}, Set{"ids-cli"}},
      {{{"EventID", "4688"}, {"CommandLine", "x idsarg"}}, Set{"ids-cli"}},
      {{{"EventID", "4689"}}, Set{"id-only"}},
      {{{"EventID", "4689"}, {"CommandLine", "idarg idsarg"}}, Set{"id-only"}},
      {{{"EventID", "4688"}, {"CommandLine", "mixedarg"}}, Set{"id-or-img"}},
      {{{"EventID", "5"}, {"Image", "C:\\mixed.exe"}, {"CommandLine", "mixedarg"}}, Set{"id-or-img"}},
      {{{"EventID", "5"}, {"Image", "C:\\other.exe"}, {"CommandLine", "mixedarg"}}, Set{}},
      {{{"EventID", "4688"}, {"CommandLine", "none"}}, Set{}},
  };
  for (const auto& [fields, want] : cases)
    for (const char* channel : {"Security", "System"}) {
      Fields f = fields;
      f["Channel"] = channel;
      const Set expect = std::string_view(channel) == "Security" ? want : Set{};
      for (int twice = 0; twice < 2; ++twice) {  // the second time through the scan cache
        CHECK(matched_titles(mon, f) == expect);
        CHECK(matched_titles(moff, f) == expect);
      }
    }
}

// A guarded regex on a dispatch field (EventID, Channel): the field's other tests are eq
// ones, which the dispatch lookup decides without a scan, but the regex's guard literals are in
// its automaton and must still be scanned, or the rule never becomes a candidate.
TEST_CASE("regex guards on the dispatch fields themselves") {
  auto any_channel = [](std::string text) {
    const std::string from = "    service: security\n";
    return text.replace(text.find(from), from.size(), "");
  };
  std::vector<std::pair<std::string, std::string>> sources = {
      {"a.yml", any_channel(rule("eid-re", "    selection:\n        EventID|re: '(?i)^(4624|4625)$'\n"))},
      {"b.yml", rule("eid-eq", "    selection:\n        EventID: 4688\n")},
      {"c.yml", any_channel(rule("chan-re", "    selection:\n        Channel|re: '(?i)secur'\n        EventID: 4688\n"))},
  };
  LoadOptions plain;
  plain.regex_guards = false;
  plain.dispatch = false;
  const auto [on, off] = load_both(sources, plain);
  REQUIRE(on->verified().use_dispatch);
  Matcher mon(on), moff(off);
  using Set = std::set<std::string>;
  const std::vector<std::pair<Fields, Set>> cases = {
      {{{"Channel", "Security"}, {"EventID", "4624"}}, Set{"eid-re"}},
      {{{"EventID", "4625"}}, Set{"eid-re"}},
      {{{"EventID", "4626"}}, Set{}},
      {{{"Channel", "Security"}, {"EventID", "4688"}}, Set{"eid-eq", "chan-re"}},
      {{{"Channel", "System"}, {"EventID", "4688"}}, Set{}},
  };
  for (const auto& [fields, want] : cases) {
    CHECK(matched_titles(mon, fields) == want);
    CHECK(matched_titles(moff, fields) == want);
  }
}

// The per-record memo's generation stamp wraps (Scratch::kGenLimit): stamps are cleared, and no
// predicate decided in an earlier record counts as decided after the wrap.
TEST_CASE("memo generations wrap without stale results") {
  auto p = compile({rule("eq", "    selection:\n        CommandLine|contains: 'needle'\n")});
  const vm::VerifiedProgram& vp = p->verified();
  vm::Scratch s(vp);
  s.gen_ = vm::Scratch::kGenLimit - 3;
  Event ev(p->field_count());
  std::size_t slot = 0;
  while (p->field_name(slot) != "CommandLine") ++slot;
  std::vector<std::uint32_t> out;
  for (int rec = 0; rec < 8; ++rec) {
    const bool hit = rec % 2 == 0;
    ev.clear();
    ev.set(slot, hit ? "a needle here" : "nothing here");
    out.clear();
    vm::run(vp, s, ev, out);
    CAPTURE(rec);
    CHECK(out.size() == (hit ? 1u : 0u));
  }
  CHECK(s.gen_ < vm::Scratch::kGenLimit);
  CHECK(s.gen_ >= 1);
}

// A TEST carries its predicate's scan field (Insn::scan, filled by prepare); one whose field
// does not fit 16 bits carries kNoScan and takes eval_slow, which must answer the same: found,
// or false when the field was scanned without finding it, and the field scanned once.
TEST_CASE("TEST instructions without their scan field give the same matches") {
  std::vector<std::string> rules = {
      rule("cmd-and-not", "    selection:\n        CommandLine|contains: 'needle'\n    filter:\n        Image|endswith: '\\good.exe'\n",
           "selection and not filter"),
      rule("not-only", "    filter:\n        Image|contains: 'windows'\n", "not filter"),
      rule("two-fields", "    selection:\n        CommandLine|startswith: 'run'\n        Image|contains: 'tool'\n"),
      rule("eq", "    selection:\n        Image: 'C:\\x\\tool.exe'\n"),
  };
  auto a = compile(rules), b = compile(rules);
  auto& code = const_cast<vm::VerifiedProgram&>(b->verified()).code;
  std::size_t tests = 0, with_field = 0;
  for (bytecode::Insn& in : code)
    if (static_cast<bytecode::Op>(in.op) == bytecode::Op::kTest) {
      ++tests;
      with_field += in.scan != bytecode::kNoScan;
      in.scan = bytecode::kNoScan;
    }
  REQUIRE(with_field > 0);  // prepare filled them in
  CHECK(with_field < tests);  // (EventID/Channel tests: dispatch decides them, no scan field)
  Matcher ma(a), mb(b);
  const char* cmds[] = {"run the needle", "nothing", "RUN tool", "a NEEDLE"};
  const char* images[] = {"C:\\x\\tool.exe", "C:\\Windows\\good.exe", "D:\\other.exe", "c:\\windows\\tool"};
  std::size_t hits = 0;
  for (const char* c : cmds)
    for (const char* i : images) {
      const Fields f = {{"EventID", "4688"}, {"CommandLine", c}, {"Image", i}};
      CAPTURE(c);
      CAPTURE(i);
      const auto want = match(ma, f);
      CHECK(match(mb, f) == want);
      hits += want.size();
    }
  CHECK(hits > 0);
}

// Kill lists (program.hpp, CodeSpan): an always-run rule whose every path to MATCH tests a
// literal false is skipped where a scan found that literal. It is still run where nothing
// rules it out, and matches are those without kill lists.
TEST_CASE("kill lists: a negation-only rule is skipped where a found literal rules it out") {
  std::vector<std::pair<std::string, std::string>> sources = {
      {"a.yml", rule("odd-ext", "    known:\n        Image|endswith:\n            - '.exe'\n            - '.com'\n"
                                "    system:\n        Image: 'System'\n",
                     "not known and not system")},
      // (a rule that needs Image scanned before the candidates run)
      {"b.yml", rule("tool", "    selection:\n        Image|endswith: '\\tool.exe'\n")},
      // Not killable: its path to MATCH through `or` need not test the literal.
      {"c.yml", rule("either", "    a:\n        Image|endswith: '.exe'\n    b:\n        CommandLine|contains: 'x'\n",
                     "not a or not b")},
  };
  LoadOptions no_kills;
  no_kills.kill_lists = false;
  const auto [on, off] = load_both(sources, no_kills);
  const vm::VerifiedProgram& vp = on->verified();
  auto kills = [&](std::string_view title) {
    const vm::VerifiedProgram::CodeSpan& span = vp.rule_code[rule_number(vp, title)];
    return span.kill_end - span.kill_begin;
  };
  CHECK(kills("odd-ext") == 3);  // .exe, .com, System
  CHECK(kills("tool") == 0);     // not always-run
  CHECK(kills("either") == 0);
  CHECK(off->verified().rule_kills.empty());
  Matcher mon(on), moff(off);
  const std::vector<std::pair<std::string, std::set<std::string>>> cases = {
      {"C:\\x\\tool.exe", {"tool"}},  // (either: .exe and "x" both found)
      {"C:\\x\\a.EXE", {}},
      {"C:\\x\\a.scr", {"odd-ext", "either"}},
      {"System", {"either"}},
      {"system32", {"odd-ext", "either"}},
  };
  for (const auto& [image, want] : cases) {
    CAPTURE(image);
    const Fields f = {{"Channel", "Security"}, {"Image", image}, {"CommandLine", "x"}};
    CHECK(matched_titles(mon, f) == want);
    CHECK(matched_titles(moff, f) == want);
  }
  // odd-ext ran on 2 of the 5 records with kill lists, on all 5 without.
  CHECK(moff.stats().rules_run - mon.stats().rules_run == 3);
}

// A field every path to MATCH needs present (a value test's true edge, is_null's false edge)
// joins the kill list: a record without it skips the rule. Security 4688 records name their
// image NewProcessName, so "Image does not end with ... and Image is not null" ran on every one.
TEST_CASE("kill lists: a rule is skipped on a record without a field it needs") {
  std::vector<std::pair<std::string, std::string>> sources = {
      {"a.yml", rule("odd-ext-present", "    known:\n        Image|endswith: '.exe'\n    nullimg:\n        Image: null\n",
                     "not known and not nullimg")},
      // No path needs Image: it matches a record without one.
      {"b.yml", rule("odd-ext", "    known:\n        Image|endswith: '.exe'\n", "not known")},
      // Needs both fields through a field reference (ParentImage only on the true edge).
      {"c.yml", rule("self-parent", "    selection:\n        Image|fieldref: ParentImage\n    cli:\n"
                                    "        CommandLine|contains: 'x'\n", "not cli and selection")},
  };
  LoadOptions no_kills;
  no_kills.kill_lists = false;
  const auto [on, off] = load_both(sources, no_kills);
  const vm::VerifiedProgram& vp = on->verified();
  auto field_kills = [&](std::string_view title) {
    std::set<std::string> out;
    const vm::VerifiedProgram::CodeSpan& span = vp.rule_code[rule_number(vp, title)];
    for (std::uint32_t k = span.kill_begin; k < span.kill_end; ++k)
      if (vp.rule_kills[k] & vm::VerifiedProgram::kKillField)
        out.insert(std::string(vp.fields[vp.rule_kills[k] & ~vm::VerifiedProgram::kKillField]));
    return out;
  };
  CHECK(always_run(*on, "odd-ext-present"));
  CHECK(field_kills("odd-ext-present") == std::set<std::string>{"Image"});
  CHECK(field_kills("odd-ext").empty());
  CHECK(field_kills("self-parent") == std::set<std::string>{"Image"});
  Matcher mon(on), moff(off);
  using Set = std::set<std::string>;
  const std::vector<std::pair<Fields, Set>> cases = {
      {{{"Image", "C:\\a.scr"}, {"CommandLine", "y"}}, Set{"odd-ext-present", "odd-ext"}},
      {{{"NewProcessName", "C:\\a.scr"}, {"CommandLine", "y"}}, Set{"odd-ext"}},
      {{{"Image", std::nullopt}, {"CommandLine", "y"}}, Set{"odd-ext"}},
      {{{"Image", "C:\\p.exe"}, {"ParentImage", "C:\\p.exe"}, {"CommandLine", "y"}}, Set{"self-parent"}},
      {{{"ParentImage", "C:\\p.exe"}, {"CommandLine", "y"}}, Set{"odd-ext"}},
  };
  for (const auto& [fields, want] : cases) {
    Fields f = fields;
    f["Channel"] = "Security";
    CHECK(matched_titles(mon, f) == want);
    CHECK(matched_titles(moff, f) == want);
  }
  // odd-ext-present and self-parent skipped on the 3 records without Image (6 runs saved),
  // and odd-ext-present on the one whose Image ends with .exe (its literal kill).
  CHECK(moff.stats().rules_run - mon.stats().rules_run == 7);
}

// LoadOptions::threads builds the literal indexes and compiles the regexes in parallel: the
// program is the same as one thread builds (same index sizes, scan assignments and flags) and
// matches the same records.
TEST_CASE("a program loaded with threads is the one loaded without") {
  std::vector<std::pair<std::string, std::string>> sources;
  for (int i = 0; i < 24; ++i) {
    const std::string n = std::to_string(i);
    sources.push_back({"r" + n + ".yml",
                       rule("r" + n, "    sel:\n        CommandLine|contains:\n            - 'tool" + n +
                                         " -x'\n            - '/opt" + n + "'\n        Image|endswith: '\\\\bin" + n +
                                         ".exe'\n    re:\n        ParentImage|re: 'p" + n + "[0-9]+\\.exe$'\n" +
                                         "    kw:\n        - 'word" + n + "'\n",
                            i % 3 == 0 ? "sel or re" : i % 3 == 1 ? "re and not sel" : "kw or (sel and re)")});
  }
  LoadOptions threaded;
  threaded.threads = 4;
  const auto [one, many] = load_both(sources, threaded);
  const vm::VerifiedProgram &a = one->verified(), &b = many->verified();
  REQUIRE(a.field_index.size() == b.field_index.size());
  for (std::size_t f = 0; f < a.field_index.size(); ++f) CHECK(a.field_index[f].size() == b.field_index[f].size());
  CHECK(a.pred_scan == b.pred_scan);
  CHECK(a.field_flags == b.field_flags);
  CHECK(a.pred_rules == b.pred_rules);
  REQUIRE(a.regexes.size() == 24);
  for (std::size_t i = 0; i < a.regexes.size(); ++i) CHECK(b.regexes[i].re->pattern() == a.regexes[i].re->pattern());
  Matcher ma(one), mb(many);
  std::size_t hits = 0;
  for (int i = 0; i < 24; ++i) {
    const std::string n = std::to_string(i);
    for (const Fields& f : {Fields{{"CommandLine", "run tool" + n + " -x now"}, {"Image", "C:\\bin" + n + ".exe"}},
                            Fields{{"ParentImage", "C:\\p" + n + "42.exe"}},
                            Fields{{"ParentImage", "C:\\p" + n + "42.exe"}, {"CommandLine", "/opt" + n}},
                            Fields{{"Message", "a word" + n + " here"}}}) {
      const auto want = matched_titles(ma, f);
      hits += want.size();
      CHECK(matched_titles(mb, f) == want);
    }
  }
  CHECK(hits >= 48);
}
