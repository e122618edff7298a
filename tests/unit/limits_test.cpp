// limits_test.cpp — hostile rules (include/sigmatch/limits.hpp): each gets a clear error (or
// compiles) in bounded time and memory, never a crash, and the other rules of the batch still
// compile. Timing is not asserted (no timed unit tests); a hang would time the test out.
#include <doctest/doctest.h>

#include "compiler/pipeline.hpp"
#include "sigmatch/limits.hpp"

using namespace sigmatch;

namespace {

const char* kGood =
    "title: good\nid: 00000000-0000-4000-8000-000000000001\nlevel: low\nlogsource: {product: windows}\n"
    "detection:\n  sel:\n    A: 1\n  condition: sel\n";

// Compiles `hostile` next to a good rule; returns the rendered diagnostics.
std::string compile_with_good(const std::string& hostile, std::size_t* rules) {
  diag::DiagSink sink;
  CompileOptions o;
  o.lint = false;
  auto c = compile_sources({{"hostile.yml", hostile}, {"good.yml", kGood}}, o, sink);
  *rules = c.rules.size();
  CHECK(!c.image.empty());
  return diag::render_text(sink.all(), c.sources);
}

std::string rule(const std::string& detection) {
  return "title: hostile\nlogsource: {product: windows}\ndetection:\n" + detection;
}

}  // namespace

TEST_CASE("10,000-deep parentheses in a condition") {
  std::size_t n = 0;
  std::string cond = std::string(10000, '(') + "sel" + std::string(10000, ')');
  std::string d = compile_with_good(rule("  sel:\n    A: 1\n  condition: '" + cond + "'\n"), &n);
  CHECK(d.find("C0002") != std::string::npos);
  CHECK(n == 1);
}

TEST_CASE("deeply nested YAML") {
  std::size_t n = 0;
  std::string nested = std::string(5000, '[') + "1" + std::string(5000, ']');
  std::string d = compile_with_good(rule("  sel: " + nested + "\n  condition: sel\n"), &n);
  CHECK(d.find("error[") != std::string::npos);
  CHECK(n == 1);
}

TEST_CASE("a value over the size limit") {
  std::size_t n = 0;
  std::string big(limits::kMaxValueBytes + 10, 'a');
  std::string d = compile_with_good(rule("  sel:\n    A|contains: '" + big + "'\n  condition: sel\n"), &n);
  CHECK(d.find("longer than") != std::string::npos);
  CHECK(n == 1);
}

TEST_CASE("a megabyte string under the limit compiles") {
  std::size_t n = 0;
  std::string big(limits::kMaxValueBytes - 10, 'a');
  std::string d = compile_with_good(rule("  sel:\n    A|contains: '" + big + "'\n  condition: sel\n"), &n);
  CHECK(d.empty());
  CHECK(n == 2);
}

TEST_CASE("100,000 selections") {
  std::size_t n = 0;
  std::string det;
  for (int i = 0; i < 100000; ++i) det += "  s" + std::to_string(i) + ":\n    A: " + std::to_string(i) + "\n";
  std::string d = compile_with_good(rule(det + "  condition: 1 of s*\n"), &n);
  CHECK(d.find("selections; the limit is") != std::string::npos);
  CHECK(n == 1);
}

TEST_CASE("pathological regexes are linear-time RE2 or rejected") {
  std::size_t n = 0;
  std::string d = compile_with_good(rule("  sel:\n    A|re: '(a*)*b'\n    B|re: '(x+x+)+y'\n  condition: sel\n"), &n);
  CHECK(d.empty());
  CHECK(n == 2);
  d = compile_with_good(rule("  sel:\n    A|re: '(a)\\1'\n  condition: sel\n"), &n);  // backreference
  CHECK(d.find("S0004") != std::string::npos);
}

TEST_CASE("huge base64offset and windash lists") {
  std::size_t n = 0;
  std::string values;
  for (int i = 0; i < 20000; ++i) values += "      - 'payload" + std::to_string(i) + "'\n";
  std::string d = compile_with_good(rule("  sel:\n    A|base64offset|contains:\n" + values + "  condition: sel\n"), &n);
  CHECK(d.empty());
  CHECK(n == 2);
  d = compile_with_good(rule("  sel:\n    A|windash|contains: ' -a -b -c -d -e -f -g'\n  condition: sel\n"), &n);
  CHECK(d.find("at most 5 flags") != std::string::npos);
  CHECK(n == 1);
}

TEST_CASE("a rule file over the size limit") {
  std::size_t n = 0;
  std::string d = compile_with_good("# " + std::string(limits::kMaxRuleFileBytes, 'x') + "\n", &n);
  CHECK(d.find("larger than") != std::string::npos);
  CHECK(n == 1);
}

// yaml-cpp 0.7's LoadAll loops forever (allocating) on a document that starts with a flow
// entry ','. Every shape of it found by probing must come back as a positioned Y0001, with
// the good rule of the batch still compiled; a hang would time this test out.
TEST_CASE("documents starting with ',' (yaml-cpp LoadAll loop)") {
  const char* shapes[] = {",vt", ",", " ,", "\n,", "# c\n,", "...\n,", "---\n,", "--- ,", "--- # c\n,",
                          "%YAML 1.2\n---\n,", "!x ,", "&a ,", "!!str ,", "&a !x ,", "'a' ,", "\"a\" ,",
                          "[a] ,", "{a: b} ,", "[a],", "\xEF\xBB\xBF,", "a: b\n---\n,x", "a: b\r\n---\r\n,",
                          "- a\n---\n  ,", "a: b\n--- !x ,", "\"a\"&b ,", "'a'!t ,", "[]&a ,"};
  std::vector<std::string> all(std::begin(shapes), std::end(shapes));
  // Read as UTF-16 by yaml-cpp (found by fuzz_rule_yaml): BE without BOM, LE and BE with BOM.
  all.push_back(std::string("\0,a\x90\0\xd9\x12\x80" "A", 9));
  all.push_back(std::string("\xFF\xFE,\0", 4));
  all.push_back(std::string("\xFE\xFF\0,", 4));
  for (const std::string& s : all) {
    INFO(s);
    std::size_t n = 0;
    std::string d = compile_with_good(s, &n);
    CHECK(d.find("error[Y0001]") != std::string::npos);
    CHECK(n >= 1);
  }
}
