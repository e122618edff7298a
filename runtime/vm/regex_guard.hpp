// regex_guard.hpp — literals that guard a regex: a set of ASCII strings at least one of which
// the lower-cased text contains whenever the regex matches it. The prefilter then treats the
// regex like a disjunction of `contains` literals (vm::prepare adds them to the field's
// automaton as guard ids), so a rule whose only requirement is a regex is no longer run on
// every record of its group, and RE2 runs only on values holding a guard literal. Derived
// with RE2's own prefilter (FilteredRE2), whose guarantee is stated on lower-cased text: the
// guards are only relied on for ASCII values, where that is exactly our case folding (vm.cpp
// marks every guard found on a non-ASCII value). Tested by tests/unit/vm_test.cpp and every
// e2e/differential case with regexes.
#pragma once
#include <re2/re2.h>

#include <string>
#include <string_view>
#include <vector>

namespace sigmatch::vm {

// The guard literals of `re` (lower-case ASCII, distinct, at least kMinGuardBytes each), or
// none when the regex has no such set (it can match without any literal of 3+ bytes, or its
// literals are not ASCII, or there would be more than kMaxGuards).
// `short_ok`: literals of 1 or 2 bytes may guard too, when they hold a byte that command lines
// and paths rarely do (kRareGuardBytes: a PowerShell backtick, `${`, `"{`); vm::prepare asks
// for them only on a field whose automaton has no filter to lose (a literal under 4 bytes turns
// the filter off). A short literal without such a byte ("-f", "\\", ".") would guard nothing:
// it occurs in most values, and each occurrence is a report.
std::vector<std::string> regex_guard(const RE2& re, bool short_ok = false);

inline constexpr int kMinGuardBytes = 3;
inline constexpr std::string_view kRareGuardBytes = "`${}^~";
inline constexpr std::size_t kMaxGuards = 64;
// Longer patterns get no guards (the prefilter analysis grows with the pattern), and guard
// literals are cut to their first kMaxGuardLiteralBytes (a text holding a literal holds its
// prefix, so a cut guard still guards).
inline constexpr std::size_t kMaxGuardPatternBytes = 4096;
inline constexpr std::size_t kMaxGuardLiteralBytes = 64;
// Program-wide budgets (vm::prepare): regexes analysed, guard ids, guard literal bytes.
inline constexpr std::size_t kMaxGuardedRegexes = 1u << 14;
inline constexpr std::size_t kMaxGuardIds = 1u << 16;
inline constexpr std::size_t kMaxGuardBytes = 1u << 20;

}  // namespace sigmatch::vm
