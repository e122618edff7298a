// text.hpp — string primitives shared by the VM and the compiler (which must prepare rule
// literals exactly as the VM prepares event values): case folding, wildcard (glob) matching,
// hex-number parsing. Pure functions. Tested by tests/unit/text_test.cpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sigmatch::text {

// Appends the simple case fold of UTF-8 `in` to `out`: ASCII, Latin-1, Latin Extended-A,
// Greek and Cyrillic upper case map to lower case; other bytes are copied unchanged (invalid
// UTF-8 included), so folding never fails and never changes the byte length class of ASCII.
void fold_case_append(std::string_view in, std::string& out);
std::string fold_case(std::string_view in);
// True when folding would change nothing (fast path: most values are already lower case).
bool is_folded(std::string_view in);

// Glob pattern encoding used in images: '*' any run (also empty), '?' exactly one UTF-8 code
// point, '\' makes the next byte literal. Anchored at both ends.
bool glob_match(std::string_view pattern, std::string_view value);
// Appends `literal` to a glob pattern, escaping '*', '?' and '\'.
void glob_append_literal(std::string_view literal, std::string& pattern);
// Decodes a glob without wildcards to its literal text; nullopt when it has wildcards.
std::optional<std::string> glob_literal(std::string_view pattern);

// "0x4424d" / "0X000000000004424D" -> 0x4424d. nullopt unless the whole text is 0x + 1..16
// hex digits (after stripping leading zeros beyond 16 digits is not allowed).
std::optional<std::uint64_t> parse_hex(std::string_view text);

}  // namespace sigmatch::text
