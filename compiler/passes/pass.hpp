// pass.hpp — optimisation passes over ir::Module and the pass manager that runs passes.def.
// Every pass must preserve the matches of every rule (tested: optimised == unoptimised ==
// reference on every end-to-end case). Tested by tests/unit/passes_test.cpp.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/ir.hpp"

namespace sigmatch::passes {

#define PASS(fn, name, level) bool fn(ir::Module& m);
#include "compiler/passes/passes.def"
#undef PASS

struct PassOptions {
  int level = 1;                 // 0: no passes (the unoptimised reference program)
  std::set<std::string> disabled;
  bool verify_each = true;       // ir::verify after every pass
};

struct PassInfo {
  const char* name;
  int level;
};
const std::vector<PassInfo>& all_passes();

// Runs the pipeline; returns false (with *error) if the IR fails verification after a pass.
bool optimize(ir::Module& m, const PassOptions& opts, std::string* error);

}  // namespace sigmatch::passes
