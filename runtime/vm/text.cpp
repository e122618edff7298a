// text.cpp — case folding, glob matching and hex parsing (see text.hpp).
// Tested by tests/unit/text_test.cpp; the reference evaluator has its own implementations.
#include "runtime/vm/text.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sigmatch::text {
namespace {

// Maps one upper-case code point to lower case for the scripts we fold; else returns cp.
char32_t fold_cp(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;  // Latin-1
  // Latin Extended-A: upper/lower pairs. U+0130 (I with dot) has no simple case fold.
  if (cp >= 0x100 && cp <= 0x137 && cp != 0x130) return cp | 1;
  if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x14A && cp <= 0x177) return cp | 1;
  if (cp == 0x178) return 0xFF;                                  // Y with diaeresis
  if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp + 1 : cp;  // Z with acute/dot/caron
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;  // Greek
  if (cp == 0x386) return 0x3AC;                                    // Greek with tonos
  if (cp >= 0x388 && cp <= 0x38A) return cp + 0x25;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 0x3F;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;                 // Cyrillic
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}

void put_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the well-formed UTF-8 sequence starting at s[i]; 1 for an invalid, overlong,
// surrogate or truncated sequence and for a stray continuation byte. Overlong forms must not
// decode: "\xC1\x81" is not 'A', so folding must not turn it into "a" (nor may '?' treat it
// as one character), else a crafted value could match a literal it does not contain.
std::size_t seq_len(std::string_view s, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;       // overlong
    else if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;       // overlong
    else if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 1;
  }
  if (i + n > s.size()) return 1;
  unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
  if (c1 < lo || c1 > hi) return 1;
  for (std::size_t k = 2; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  return n;
}

}  // namespace

// ASCII fast path: 8 bytes at a time while no byte has its high bit set (upper_ascii_mask8;
// OR-ing in 0x20 lower-cases a letter). Values are almost always ASCII.
static std::size_t fold_ascii_prefix(std::string_view in, char* dst) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, in.data() + i, 8);
    if (w & kHigh) break;
    w |= upper_ascii_mask8(w) >> 2;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c >= 0x80) break;
    dst[i] = static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  }
  return i;
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (lower_ascii8(x) != lower_ascii8(y)) return false;
  }
  for (; i < a.size(); ++i) {
    auto low = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; };
    if (low(static_cast<unsigned char>(a[i])) != low(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool is_folded_ascii(std::string_view in) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, in.data() + i, 8);
    if ((w & kHigh) | upper_ascii_mask8(w)) return false;
  }
  for (; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c >= 0x80 || (c >= 'A' && c <= 'Z')) return false;
  }
  return true;
}

void fold_case_append(std::string_view in, std::string& out) {
  const std::size_t base = out.size();
  out.resize(base + in.size());
  const std::size_t done = fold_ascii_prefix(in, out.data() + base);
  out.resize(base + done);
  if (done == in.size()) return;
  for (std::size_t i = done; i < in.size();) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t n = seq_len(in, i);
    if (n == 2 || n == 3) {
      char32_t cp = n == 2 ? ((c & 0x1F) << 6) | (in[i + 1] & 0x3F)
                           : ((c & 0x0F) << 12) | ((in[i + 1] & 0x3F) << 6) | (in[i + 2] & 0x3F);
      char32_t f = fold_cp(cp);
      if (f != cp) {
        put_utf8(f, out);
        i += n;
        continue;
      }
    }
    out.append(in.substr(i, n));
    i += n;
  }
}

std::string fold_case(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  fold_case_append(in, out);
  return out;
}

bool is_folded(std::string_view in) {
  for (unsigned char c : in) {
    if (c >= 'A' && c <= 'Z') return false;
    if (c >= 0x80) return fold_case(in) == in;  // rare: non-ASCII, do it properly
  }
  return true;
}

bool glob_match(std::string_view p, std::string_view v) {
  // Greedy two-pointer matcher with one backtrack point per '*': O(|p|*|v|) worst case.
  std::size_t pi = 0, vi = 0, star_p = std::string_view::npos, star_v = 0;
  while (vi < v.size()) {
    if (pi < p.size()) {
      char pc = p[pi];
      if (pc == '*') {
        star_p = ++pi;
        star_v = vi;
        continue;
      }
      if (pc == '?') {
        ++pi;
        vi += seq_len(v, vi);
        continue;
      }
      if (pc == '\\' && pi + 1 < p.size()) pc = p[++pi];
      if (pc == v[vi]) {
        ++pi;
        ++vi;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    // Let '*' absorb one more whole code point, never part of one: restarting inside a
    // multi-byte character would let the '?'s after it count its continuation bytes as
    // characters ("*??xz" would match "\u20ACxz").
    pi = star_p;
    star_v += seq_len(v, star_v);
    vi = star_v;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

void glob_append_literal(std::string_view literal, std::string& pattern) {
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
}

std::optional<std::string> glob_literal(std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '*' || c == '?') return std::nullopt;
    if (c == '\\' && i + 1 < p.size()) c = p[++i];
    out.push_back(c);
  }
  return out;
}

std::optional<std::uint64_t> parse_hex(std::string_view t) {
  if (t.size() < 3 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) return std::nullopt;
  t.remove_prefix(2);
  while (t.size() > 1 && t[0] == '0') t.remove_prefix(1);
  if (t.empty() || t.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : t) {
    unsigned d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    v = (v << 4) | d;
  }
  return v;
}

bool parse_ipv4(std::string_view text, unsigned char out[4]) {
  // inet_pton's dotted quad: four decimal octets of 1 to 3 digits, each at most 255, no
  // leading zero, nothing else. By hand because CIDR tests parse the IpAddress of every logon
  // record: parse_ip with inet_pton (a C string copy, then its byte loop) was ~630
  // instructions a value, ~300 with this (callgrind, 39,915 calls on the 4624 records).
  if (text.size() < 7 || text.size() > 15) return false;
  unsigned octet = 0, digits = 0, dots = 0;
  for (const char ch : text) {
    if (ch >= '0' && ch <= '9') {
      if (digits == 1 && octet == 0) return false;  // a leading zero
      octet = octet * 10 + static_cast<unsigned>(ch - '0');
      if (octet > 255) return false;
      ++digits;
    } else if (ch == '.' && digits > 0 && dots < 3) {
      out[dots++] = static_cast<unsigned char>(octet);
      octet = digits = 0;
    } else {
      return false;
    }
  }
  if (dots != 3 || digits == 0) return false;
  out[3] = static_cast<unsigned char>(octet);
  return true;
}

std::optional<IpAddr> parse_ip(std::string_view text) {
  // (An embedded NUL would end inet_pton's C string early: such a value is no address.)
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) return std::nullopt;
  IpAddr a;
  if (text.find(':') == std::string_view::npos) {
    if (!parse_ipv4(text, a.bytes + 12)) return std::nullopt;
    a.v4 = true;
    a.bytes[10] = a.bytes[11] = 0xff;
    return a;
  }
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET6, buf, a.bytes) != 1) return std::nullopt;
  return a;
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<Cidr> {
    if (error) *error = why;
    return std::nullopt;
  };
  std::size_t slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return fail("not an IPv4 or IPv6 address");
  unsigned max = ip->v4 ? 32 : 128, prefix = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (ec != std::errc() || end != p.data() + p.size() || p.empty() || prefix > max)
      return fail("bad prefix length");
  }
  Cidr c{*ip, ip->v4 ? prefix + 96 : prefix};
  for (unsigned bit = c.prefix; bit < 128; ++bit)
    if (c.net.bytes[bit / 8] & (0x80 >> (bit % 8))) return fail("host bits are set (e.g. use 10.0.0.0/8, not 10.0.0.1/8)");
  return c;
}

bool cidr_contains(const Cidr& c, const IpAddr& a) {
  unsigned full = c.prefix / 8, rest = c.prefix % 8;
  if (std::memcmp(c.net.bytes, a.bytes, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (c.net.bytes[full] & mask) == (a.bytes[full] & mask);
}

std::optional<double> parse_number(std::string_view t) {
  if (t.empty()) return std::nullopt;
  double v = 0;
  const char* b = t.data();
  if (*b == '+') ++b;
  auto [end, ec] = std::from_chars(b, t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

}  // namespace sigmatch::text
