// pred_kinds.hpp — PredKind enum and info generated from runtime/bytecode/pred_kinds.def.
#pragma once
#include <cstdint>
#include <string_view>

namespace sigmatch::vm {

enum class PredKind : std::uint8_t {
#define PRED(name, mn, operand, cost, syn) name,
#include "runtime/bytecode/pred_kinds.def"
#undef PRED
  kCount_
};

enum class PredOperand : std::uint8_t { kNone, kString, kRegex, kNumber, kCidr, kField };

struct PredInfo {
  std::string_view mnemonic;
  PredOperand operand;
  unsigned cost;
  std::string_view synopsis;
};

inline constexpr PredInfo kPredInfo[] = {
#define PRED(name, mn, operand, cost, syn)                                          \
  {mn, #operand[0] == 'S' ? PredOperand::kString                                    \
       : #operand[0] == 'X' ? PredOperand::kRegex                                   \
       : #operand[0] == 'N' ? PredOperand::kNumber                                  \
       : #operand[0] == 'C' ? PredOperand::kCidr                                    \
       : #operand[0] == 'F' ? PredOperand::kField : PredOperand::kNone, cost, syn},
#include "runtime/bytecode/pred_kinds.def"
#undef PRED
};
inline constexpr unsigned kPredKindCount = static_cast<unsigned>(PredKind::kCount_);
inline const PredInfo& pred_info(PredKind k) { return kPredInfo[static_cast<unsigned>(k)]; }
// Operand stored as a string index (S, N, C).
inline bool operand_is_string(PredOperand o) {
  return o == PredOperand::kString || o == PredOperand::kNumber || o == PredOperand::kCidr;
}
inline bool is_keyword_pred(PredKind k) {
  return k == PredKind::kKwContains || k == PredKind::kKwGlob;
}

}  // namespace sigmatch::vm
