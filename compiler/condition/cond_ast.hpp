// cond_ast.hpp — CondExpr, the parsed Sigma condition (output of condition::parse, input of
// sema). Positions are byte offsets into the condition string. Tested by
// tests/unit/condition_test.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sigmatch/limits.hpp"

namespace sigmatch::condition {

enum class CondKind : std::uint8_t {
  kAnd,    // children.size() >= 2, left-assoc chains flattened
  kOr,     // children.size() >= 2
  kNot,    // children.size() == 1
  kRef,    // name = selection identifier
  kOneOf,  // "1 of X" / "any of X": name = pattern (may contain '*'), or them = true
  kAllOf,  // "all of X"
};

struct CondExpr {
  CondKind kind = CondKind::kRef;
  std::string name;  // identifier or pattern; empty when `them`
  bool them = false;
  std::uint32_t offset = 0;  // byte offset of the first character of this node's token
  std::uint32_t length = 0;  // byte length of the identifier/pattern/keyword token
  std::vector<CondExpr> children;
};

struct ParseError {
  std::uint32_t offset = 0;  // byte offset into the condition text
  std::string message;       // e.g. "expected an identifier, '(' , 'not', '1 of', 'any of' or 'all of'"
};

inline constexpr std::size_t kMaxConditionDepth = limits::kMaxConditionDepth;  // parentheses / not

// Parses one condition string. Returns true and fills *out, or false and fills *err.
// Never throws.
bool parse(std::string_view text, CondExpr* out, ParseError* err);

// Deterministic s-expression: (and (ref sel) (not (one-of filter_*)) (all-of them))
std::string print(const CondExpr& e);

}  // namespace sigmatch::condition
