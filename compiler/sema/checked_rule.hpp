// checked_rule.hpp — CheckedRule, the sema -> IR boundary: a rule's metadata and its condition
// as a boolean tree whose leaves are fully resolved value tests (field, glob/regex/hex/null/
// exists, case mode). Selections and `x of` patterns are already expanded. Printed by
// sema::print (--emit=checked); evaluated directly by the reference evaluator (tests/reference).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.hpp"

namespace sigmatch::sema {

enum class TestKind : std::uint8_t {
  kGlob,    // value matches the glob `pattern` ('*', '?', '\' escapes; see runtime/vm/text.hpp)
  kRegex,   // RE2 search of `pattern` with `regex_flags` (format.hpp kRegex* bits)
  kHexEq,   // value is 0x-hex equal to the 0x-hex number in `pattern`
  kIsNull,  // field missing or null
  kExists,  // field present (null included)
  kCidr,    // value is an IPv4/IPv6 address inside the network `pattern` ("10.0.0.0/8")
  kNumCmp,  // value is a decimal number; `op` 0 gt, 1 gte, 2 lt, 3 lte against `pattern`
  kFieldRef,  // value compared with the value of field `pattern`; `op` 0 eq, 1 contains,
              // 2 startswith, 3 endswith; case-insensitive unless `cased`
};

struct Test {
  std::string field;  // empty: keyword test over every value of the record
  TestKind kind = TestKind::kGlob;
  std::string pattern;
  bool cased = false;  // kGlob: case-sensitive
  std::uint32_t regex_flags = 0;
  diag::SourceLoc loc;  // the value (or key) this test came from
  std::uint8_t op = 0;  // kNumCmp / kFieldRef mode  // the value (or key) this test came from
};

enum class ExprKind : std::uint8_t { kAnd, kOr, kNot, kTest, kTrue, kFalse };

struct Expr {
  ExprKind kind = ExprKind::kTrue;
  std::vector<Expr> children;
  Test test;  // kTest
};

struct RuleMeta {
  std::string file;
  std::string id, title, level, status, description;
  std::vector<std::string> tags;
  std::string product, category, service;
};

struct CheckedRule {
  RuleMeta meta;
  Expr root;
};

std::string print(const Expr& e);
std::string print(const CheckedRule& r);

}  // namespace sigmatch::sema
