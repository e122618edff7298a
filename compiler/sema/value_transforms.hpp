// value_transforms.hpp — the value-modifier transformations of Sigma (sigma-semantics §3.2) as
// pure functions over a tokenised value: literal bytes and wildcards. base64 / base64offset /
// wide / utf16* / windash / placeholder expansion follow pySigma except where the note says
// otherwise (true UTF-16 with an FF FE BOM; non-ASCII accepted). Used by checker.cpp.
// Tested by tests/unit/value_transforms_test.cpp.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sigmatch::sema::xform {

struct Tok {
  bool wild = false;    // true: c is '*' or '?'
  unsigned char c = 0;  // the literal byte or the wildcard
  bool operator==(const Tok& o) const { return wild == o.wild && c == o.c; }
};
using Toks = std::vector<Tok>;

Toks from_glob(const std::string& glob);  // glob encoding of runtime/vm/text.hpp
std::string to_glob(const Toks& t);
bool has_wildcards(const Toks& t);
void add_leading_star(Toks& t);   // unless it already starts with '*'
void add_trailing_star(Toks& t);  // unless it already ends with '*'

enum class Utf16 { kLe, kBe, kBomLe };
Toks utf16(const Toks& t, Utf16 mode);  // literal runs re-encoded from UTF-8; wildcards kept
std::string base64(const std::string& bytes);
// The three offset variants of `bytes` (pySigma SigmaBase64OffsetModifier).
std::vector<std::string> base64_offsets(const std::string& bytes);
// Every spelling of command-line flags: '-' or '/' before a word character and not after one
// becomes each of - / – — ― (cartesian product over the positions). Empty when the value has
// more than 5 such flags (5^6 spellings is more than any rule means).
std::vector<Toks> windash(const Toks& t);

// Every spelling shippers give one UTC instant (windows-events.md §1 and §6): `T` or a space
// between date and time; 0-9 fractional digits (trailing zeros padded to any length up to 9);
// `Z`, nothing (python-evtx), ` +0000 UTC` (Go, Elastic Agent) or `+00:00` (Python isoformat)
// after it. `value` is parsed in any of those shapes; nullopt when it is not a timestamp.
std::optional<std::vector<std::string>> time_spellings(const std::string& value);

using PlaceholderMap = std::map<std::string, std::vector<std::string>>;
// Replaces %name% with each value of the map (cartesian product); "\%" is a literal '%'.
// Returns false and sets *unresolved to the first name the map lacks.
bool expand_placeholders(const std::string& raw, const PlaceholderMap& map,
                         std::vector<std::string>* out, std::string* unresolved);

}  // namespace sigmatch::sema::xform
