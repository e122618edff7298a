// limits.hpp — every size and depth limit of sigmatch in one place. The compiler rejects rules
// beyond them with a diagnostic, the verifier rejects images beyond them with a Status, and the
// readers skip records beyond them with a RecordError: hostile input costs bounded time and
// memory and never crashes. Tested by tests/unit/limits_test.cpp (hostile rules and records)
// and tests/unit/verifier_test.cpp.
#pragma once
#include <cstddef>

namespace sigmatch::limits {

// Rules (compiler).
inline constexpr std::size_t kMaxRuleFileBytes = 16u << 20;   // one rule file
inline constexpr std::size_t kMaxYamlDepth = 32;              // nesting inside `detection`
inline constexpr std::size_t kMaxConditionDepth = 64;         // parentheses / not
inline constexpr std::size_t kMaxConditionBytes = 64u << 10;  // one condition string
inline constexpr std::size_t kMaxSelections = 10000;          // search identifiers per rule
inline constexpr std::size_t kMaxValueBytes = 1u << 20;       // one value (string or regex)
inline constexpr std::size_t kMaxValueExpansions = 4096;      // windash/base64offset/expand alternatives
inline constexpr std::size_t kMaxRules = 1u << 20;            // rules in one program

// Images (verifier).
inline constexpr std::size_t kMaxImageBytes = 512u << 20;
inline constexpr std::size_t kMaxRegexProgramBytes = 8u << 20;  // RE2 max_mem per regex

// Records (readers).
inline constexpr std::size_t kMaxRecordBytes = 64u << 20;  // one JSON line / XML event
inline constexpr std::size_t kMaxRecordDepth = 64;         // JSON / XML nesting

}  // namespace sigmatch::limits
