// eval.hpp — the reference evaluator: evaluates a sema::CheckedRule's condition tree directly
// against one Event, with its own UTF-8 decoding, simple case folding, glob matcher and hex
// parser. It is the gold standard the optimised and unoptimised VMs are compared against, so it
// deliberately shares no code with compiler/ir, compiler/passes, compiler/codegen or runtime/vm
// (a bug copied into both sides would be invisible). Semantics: docs/sigma-semantics.md 2.4-2.5
// and compiler/sema/checked_rule.hpp. Tested by tests/unit/reference_test.cpp.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/sema/checked_rule.hpp"
#include "sigmatch/event.hpp"

namespace sigmatch::reference {

// Field name -> slot index in the Event; a field not in the map is missing.
using SlotMap = std::unordered_map<std::string, std::size_t>;

bool evaluate(const sema::Expr& e, const Event& ev, const SlotMap& slots);
bool evaluate(const sema::CheckedRule& r, const Event& ev, const SlotMap& slots);

// Appends every field name the expression reads (keyword tests excluded), each once, in order of
// first appearance; names already in `out` are not added again.
void collect_fields(const sema::Expr& e, std::vector<std::string>& out);
// Every field the rules read, sorted (*fields: slot i's name), and the matching SlotMap.
SlotMap slot_map(const std::vector<sema::CheckedRule>& rules, std::vector<std::string>* fields);

// The building blocks, exposed so the unit test can pin them down one by one.
// Glob match of the whole `value` against `pattern` ('*', '?', '\' escapes), over code points.
bool glob_match(std::string_view pattern, std::string_view value, bool cased);
// Simple case folding of one code point (the subset listed in eval.cpp).
char32_t fold_case(char32_t cp);
// Parses "0x"/"0X" + 1+ hex digits fitting in 64 bits; false for anything else.
bool parse_hex(std::string_view text, unsigned long long* out);

}  // namespace sigmatch::reference
