// emit.hpp — codegen::emit: ir::Module -> image bytes (.smc) in the layout of
// runtime/bytecode/format.hpp. Each rule's condition becomes a chain of TEST instructions
// with a true and a false target (the true/false jump-list scheme of Lua's lcode.c: `not`
// swaps the targets, so no NOT opcode exists), ending in MATCH; all jumps go forward.
// Pools (strings, fields, regexes, predicates) are interned in first-use order so the
// output is deterministic. Tested by tests/unit/codegen_test.cpp and goldens (--emit=asm).
#pragma once
#include <cstdint>
#include <string>

#include "compiler/ir/ir.hpp"

namespace sigmatch::codegen {

struct EmitOptions {
  std::string compiler_version = "sigmatch 0.1.0";
  std::uint32_t schema_hash = 0;
  // Emit the prefilter section: per rule, literal predicates one of which must hold for the
  // rule to match (the runtime then skips rules none of whose literals occur in the record).
  bool prefilter = true;
};

std::string emit(const ir::Module& m, const EmitOptions& opts);

}  // namespace sigmatch::codegen
