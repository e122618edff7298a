// diagnostics_test.cpp — every tests/diagnostics/<name>.yml (a broken or suspicious rule file)
// produces exactly the rendered diagnostics in <name>.expected (file:line:col, code, message,
// source line, caret, notes). UPDATE_GOLDEN=1 rewrites the expected files.
#include <doctest/doctest.h>

#include <filesystem>

#include "compiler/pipeline.hpp"
#include "tests/support/harness.hpp"

TEST_CASE("diagnostics of broken rules are exact") {
  const std::string dir = std::string(SIGMATCH_TESTS_DIR) + "/diagnostics";
  auto cases = sigmatch::testing::list_dir(dir, ".yml");
  REQUIRE(cases.size() >= 10);
  for (const std::string& path : cases) {
    std::string name = std::filesystem::path(path).filename().string();
    sigmatch::diag::DiagSink sink;
    auto c = sigmatch::compile_sources({{name, sigmatch::testing::read_file(path)}}, {}, sink);
    sink.sort();
    std::string out = sigmatch::diag::render_text(sink.all(), c.sources);
    CHECK_MESSAGE(!out.empty(), name << " produced no diagnostics");
    std::string diff;
    CHECK_MESSAGE(sigmatch::testing::check_golden(path.substr(0, path.size() - 4) + ".expected", out, &diff), diff);
  }
}

TEST_CASE("a broken rule does not stop the others") {
  sigmatch::diag::DiagSink sink;
  auto c = sigmatch::compile_sources(
      {{"bad.yml", "title: bad\ndetection:\n  sel:\n    A|nope: 1\n  condition: sel\n"},
       {"good.yml", "title: good\nid: 00000000-0000-4000-8000-000000000001\nlevel: low\nlogsource: {product: windows}\n"
                    "detection:\n  sel:\n    A: 1\n  condition: sel\n"}},
      {}, sink);
  CHECK(sink.has_errors());
  REQUIRE(c.rules.size() == 1);
  CHECK(c.rules[0].meta.title == "good");
  CHECK(!c.image.empty());
}
