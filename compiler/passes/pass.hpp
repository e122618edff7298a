// pass.hpp — optimisation passes over ir::Module and the pass manager that runs passes.def.
// Every pass must preserve the matches of every rule (tested: optimised == unoptimised ==
// reference on every end-to-end case). Tested by tests/unit/passes_test.cpp.
#pragma once
#include <set>
#include <string>
#include <unordered_map>
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

// Rewrites every rule root with `fn(module, node, memo)` (memoised per pass run, so shared
// subtrees are rewritten once); returns whether any root changed. The passes' common loop.
template <class Fn>
bool rewrite_roots(ir::Module& m, Fn fn) {
  std::unordered_map<ir::NodeId, ir::NodeId> memo;
  bool changed = false;
  for (ir::Rule& r : m.rules) {
    ir::NodeId n = fn(m, r.root, memo);
    changed |= n != r.root;
    r.root = n;
  }
  return changed;
}

// Runs the pipeline; returns false (with *error) if the IR fails verification after a pass.
bool optimize(ir::Module& m, const PassOptions& opts, std::string* error);

}  // namespace sigmatch::passes
