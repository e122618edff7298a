// text.hpp — string primitives shared by the VM and the compiler (which must prepare rule
// literals exactly as the VM prepares event values): case folding, wildcard (glob) matching,
// hex-number parsing. Pure functions. Tested by tests/unit/text_test.cpp.
#pragma once
#include <cstdint>
#include <cstring>
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
// The high bit of each byte of `w` that is an upper-case ASCII letter (SWAR: a byte is
// upper-case when adding 0x80-'A' to its low 7 bits sets bit 7 and adding 0x80-'Z'-1 does not;
// working on the low 7 bits means no byte carries into the next, and bytes >= 0x80 are masked
// out). `w | (mask >> 2)` lower-cases them. Shared by folding, is_folded_ascii and dispatch.
inline std::uint64_t upper_ascii_mask8(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const std::uint64_t low = w & ~kHigh;
  return (low + kOnes * (0x80 - 'A')) & ~(low + kOnes * (0x80 - 'Z' - 1)) & ~w & kHigh;
}
// The 8 bytes of w with their upper-case ASCII letters lower-cased.
inline std::uint64_t lower_ascii8(std::uint64_t w) { return w | (upper_ascii_mask8(w) >> 2); }
// The OR of v[0 .. n)'s bytes, its 0x80 bits the only meaningful ones: overlapping loads, no
// byte loop (a short value's byte loop mispredicted its exit on most of a record's ~20 values,
// in vm.cpp's keyword join, which uses this directly).
inline std::uint64_t or_bytes(const char* v, std::size_t n) {
  auto load = [v](std::size_t at, auto w) {
    std::memcpy(&w, v + at, sizeof w);
    return static_cast<std::uint64_t>(w);
  };
  if (n >= 8) {
    std::uint64_t acc = load(n - 8, std::uint64_t{});
    for (std::size_t i = 0; i + 8 < n; i += 8) acc |= load(i, std::uint64_t{});
    return acc;
  }
  if (n >= 4) return load(0, std::uint32_t{}) | load(n - 4, std::uint32_t{});
  if (n >= 2) return load(0, std::uint16_t{}) | load(n - 2, std::uint16_t{});
  return n ? static_cast<unsigned char>(v[0]) : 0;
}
// v[0 .. n) for n < 8, zero-extended into a little-endian word: what a memcpy of n bytes into
// a zeroed word gives, from two overlapping loads instead of a byte loop or a variable-length
// memcpy call (whose exit/length mispredicted per value: eq probes, dispatch lookups and scan
// cache hashes take the tails of values of every length).
inline std::uint64_t load_partial(const char* v, std::size_t n) {
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, v, 4);
    std::memcpy(&hi, v + n - 4, 4);
    return lo | static_cast<std::uint64_t>(hi) << (8 * (n - 4));  // the overlap ORs equal bytes
  }
  if (n >= 2) {
    std::uint16_t lo, hi;
    std::memcpy(&lo, v, 2);
    std::memcpy(&hi, v + n - 2, 2);
    return lo | static_cast<std::uint64_t>(hi) << (8 * (n - 2));
  }
  return n ? static_cast<unsigned char>(v[0]) : 0;
}
// No byte >= 0x80.
inline bool is_ascii(std::string_view in) { return (or_bytes(in.data(), in.size()) & 0x8080808080808080ull) == 0; }
// ASCII with no upper-case letter: fold_case(in) == in without copying anything.
bool is_folded_ascii(std::string_view in);
// fold_case(a) == fold_case(b) for ASCII a and b (the caller checks is_ascii), without copies.
bool ascii_iequal(std::string_view a, std::string_view b);

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

// IPv4 ("10.1.2.3") or IPv6 ("fe80::1", "::ffff:10.0.0.1") text -> 16 bytes (IPv4 as the
// v4-mapped form ::ffff:a.b.c.d, so one comparison serves both). nullopt on any other text.
struct IpAddr {
  unsigned char bytes[16] = {};
  bool v4 = false;
};
std::optional<IpAddr> parse_ip(std::string_view text);
// A dotted-quad IPv4 address as inet_pton(AF_INET) accepts it, into out[0..4); false otherwise.
bool parse_ipv4(std::string_view text, unsigned char out[4]);
// "10.0.0.0/8", "fe80::/10" -> network + prefix length (IPv4 prefixes are stored +96).
// Host bits must be zero (pySigma is strict about it, and a set host bit is a rule bug).
struct Cidr {
  IpAddr net;
  unsigned prefix = 0;  // 0..128 over the 16-byte form
};
std::optional<Cidr> parse_cidr(std::string_view text, std::string* error = nullptr);
bool cidr_contains(const Cidr& c, const IpAddr& a);

// A decimal number ("42", "-1.5", "1e3"); nullopt for anything else (hex is not a number here).
std::optional<double> parse_number(std::string_view text);

}  // namespace sigmatch::text
