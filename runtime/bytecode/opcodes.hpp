// opcodes.hpp — Op enum and per-opcode info, generated from opcodes.def. Used by the code
// generator, the verifier, the disassembler and the VM. Tested by tests/unit/bytecode_test.cpp.
#pragma once
#include <cstdint>
#include <string_view>

namespace sigmatch::bytecode {

enum class Op : std::uint8_t {
#define OP(name, mn, ka, kb, kc, syn) name,
#include "runtime/bytecode/opcodes.def"
#undef OP
  kCount_
};

enum class OperandKind : std::uint8_t { kNone, kPred, kRule, kTarget };

struct OpInfo {
  std::string_view mnemonic;
  OperandKind kinds[3];
  std::string_view synopsis;
};

namespace detail {
constexpr OperandKind operand_kind(char c) {
  return c == 'P' ? OperandKind::kPred
         : c == 'R' ? OperandKind::kRule
         : c == 'T' ? OperandKind::kTarget
                    : OperandKind::kNone;
}
}  // namespace detail

inline constexpr OpInfo kOpInfo[] = {
#define OP(name, mn, ka, kb, kc, syn)                                                    \
  {mn,                                                                                   \
   {detail::operand_kind(#ka[0]), detail::operand_kind(#kb[0]), detail::operand_kind(#kc[0])}, \
   syn},
#include "runtime/bytecode/opcodes.def"
#undef OP
};
inline constexpr unsigned kOpCount = static_cast<unsigned>(Op::kCount_);
static_assert(sizeof(kOpInfo) / sizeof(kOpInfo[0]) == kOpCount);

inline const OpInfo& op_info(Op op) { return kOpInfo[static_cast<unsigned>(op)]; }

}  // namespace sigmatch::bytecode
