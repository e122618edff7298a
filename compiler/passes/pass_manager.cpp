// pass_manager.cpp — runs passes.def in order (see pass.hpp).
#include "compiler/passes/pass.hpp"

namespace sigmatch::passes {

const std::vector<PassInfo>& all_passes() {
  static const std::vector<PassInfo> kPasses = {
#define PASS(fn, name, level) {name, level},
#include "compiler/passes/passes.def"
#undef PASS
  };
  return kPasses;
}

bool optimize(ir::Module& m, const PassOptions& opts, std::string* error) {
  struct Entry {
    const char* name;
    int level;
    bool (*fn)(ir::Module&);
  };
  static const Entry kEntries[] = {
#define PASS(fn, name, level) {name, level, &fn},
#include "compiler/passes/passes.def"
#undef PASS
  };
  for (const Entry& e : kEntries) {
    if (opts.level < e.level || opts.disabled.count(e.name)) continue;
    e.fn(m);
    if (opts.verify_each && !ir::verify(m, error)) {
      *error = std::string("after pass ") + e.name + ": " + *error;
      return false;
    }
  }
  return true;
}

}  // namespace sigmatch::passes
