// opcodes.hpp — Op enum and per-opcode info, generated from opcodes.def, and the expansion of
// a synopsis' operand markers. Used by the code generator, the verifier, the disassembler and
// the VM. Tested by tests/golden/*.asm (every opcode's synopsis) and tests/unit/verifier_test.cpp.
#pragma once
#include <cstdint>
#include <string>
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

namespace detail {
// The marker grammar of opcodes.def: "{a}" "{b}" "{c}" name operands 0..2; any other '{' is
// an error. A synopsis fits when it names only operands that exist and every one that does.
constexpr bool synopsis_fits(std::string_view syn, const OperandKind (&kinds)[3]) {
  bool named[3] = {false, false, false};
  for (std::size_t i = 0; i < syn.size(); ++i) {
    if (syn[i] != '{') continue;
    if (i + 2 >= syn.size() || syn[i + 2] != '}' || syn[i + 1] < 'a' || syn[i + 1] > 'c')
      return false;
    const int k = syn[i + 1] - 'a';
    if (kinds[k] == OperandKind::kNone) return false;
    named[k] = true;
  }
  for (int k = 0; k < 3; ++k)
    if (kinds[k] != OperandKind::kNone && !named[k]) return false;
  return true;
}
constexpr bool all_synopses_fit() {
  for (const OpInfo& info : kOpInfo)
    if (!synopsis_fits(info.synopsis, info.kinds)) return false;
  return true;
}
}  // namespace detail
// A table edit that leaves a marker dangling or an operand undocumented fails the build here
// rather than printing "{d}" or an unexplained operand in every listing.
static_assert(detail::all_synopses_fit(),
              "opcodes.def: a synopsis' {a}/{b}/{c} markers do not match its operand kinds");

// The synopsis with each marker replaced by the text of its operand (`operands[k]` for
// operand k, as the disassembler prints it).
inline std::string expand_synopsis(std::string_view synopsis, const std::string (&operands)[3]) {
  std::string out;
  out.reserve(synopsis.size() + 16);
  for (std::size_t i = 0; i < synopsis.size(); ++i) {
    if (synopsis[i] == '{' && i + 2 < synopsis.size() && synopsis[i + 2] == '}') {
      out += operands[synopsis[i + 1] - 'a'];
      i += 2;
    } else {
      out += synopsis[i];
    }
  }
  return out;
}

}  // namespace sigmatch::bytecode
