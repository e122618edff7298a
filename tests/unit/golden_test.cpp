// golden_test.cpp — every tests/golden/<case>.yml compiles to exactly the text in <case>.ast
// (the documents as loaded, with parsed conditions), <case>.checked (sema), <case>.ir (-O0 IR),
// <case>.ir-opt (-O1 IR) and <case>.asm (the disassembled -O1 image). UPDATE_GOLDEN=1 rewrites
// the expected files; review the diff.
#include <doctest/doctest.h>

#include <filesystem>

#include "compiler/pipeline.hpp"
#include "runtime/bytecode/disasm.hpp"
#include "sigmatch/runtime.hpp"
#include "tests/support/harness.hpp"

namespace {

std::string compile_text(const std::string& name, const std::string& src, int level, const char* what) {
  sigmatch::diag::DiagSink sink;
  sigmatch::CompileOptions o;
  o.opt_level = level;
  o.lint = false;
  auto c = sigmatch::compile_sources({{name, src}}, o, sink);
  std::string out = sigmatch::diag::render_text(sink.all(), c.sources);
  if (std::string(what) == "ast") {
    for (auto& d : c.docs) out += sigmatch::yaml::print(d);
  } else if (std::string(what) == "checked") {
    for (auto& r : c.rules) out += sigmatch::sema::print(r);
  } else if (std::string(what) == "ir") {
    out += sigmatch::ir::print(c.module);
  } else {
    std::shared_ptr<const sigmatch::Program> p;
    if (sigmatch::Program::load(c.image, &p).ok()) out += sigmatch::bytecode::disassemble(p->verified(), true);
  }
  return out;
}

}  // namespace

TEST_CASE("golden outputs of every stage") {
  const std::string dir = std::string(SIGMATCH_TESTS_DIR) + "/golden";
  auto cases = sigmatch::testing::list_dir(dir, ".yml");
  REQUIRE(!cases.empty());
  for (const std::string& path : cases) {
    std::string base = path.substr(0, path.size() - 4);
    std::string name = std::filesystem::path(path).filename().string();
    std::string src = sigmatch::testing::read_file(path);
    struct Out {
      const char* ext;
      int level;
      const char* what;
    };
    for (Out o : {Out{".ast", 1, "ast"}, Out{".checked", 1, "checked"}, Out{".ir", 0, "ir"},
                  Out{".ir-opt", 1, "ir"}, Out{".asm", 1, "asm"}}) {
      std::string diff;
      bool same = sigmatch::testing::check_golden(base + o.ext, compile_text(name, src, o.level, o.what), &diff);
      CHECK_MESSAGE(same, diff);
    }
  }
}
