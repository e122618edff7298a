// disasm.hpp — table-driven disassembler of a VerifiedProgram (CLI `explain --emit=asm`,
// golden tests in tests/golden/). Output is deterministic text.
#pragma once
#include <string>

#include "runtime/vm/program.hpp"

namespace sigmatch::bytecode {

// synopsis: append "; <opcode synopsis>" comments to each instruction, with the operands
// named in it (opcodes.def markers) replaced by that instruction's operands.
std::string disassemble(const vm::VerifiedProgram& p, bool synopsis);

}  // namespace sigmatch::bytecode
