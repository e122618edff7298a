// eval.cpp — the reference evaluator (see eval.hpp): a direct tree walk over sema::Expr. Written
// for obviousness, not speed: values are decoded to code point vectors, globs are matched by a
// set-of-positions (NFA/DP) simulation rather than the greedy two-pointer scan a fast matcher
// would use, and regexes are compiled by RE2 on every call. Tested by
// tests/unit/reference_test.cpp.
#include "tests/reference/eval.hpp"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <cctype>
#include <map>
#include <memory>
#include <cstdlib>

#include <algorithm>
#include <cstdint>

namespace sigmatch::reference {
namespace {

// An invalid UTF-8 byte becomes one "character" outside the Unicode range, so it only ever equals
// the same invalid byte (and '?' consumes exactly one of them). Never case-folded.
constexpr char32_t kInvalidByteBase = 0x110000;

// Strict UTF-8 decoding (no overlongs, no surrogates, nothing above U+10FFFF); any byte that does
// not start a well-formed sequence is one character on its own, and decoding resumes after it.
std::vector<char32_t> decode_utf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k, unsigned lo, unsigned hi) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  while (i < s.size()) {
    const unsigned b0 = byte(i);
    std::size_t len = 0;
    char32_t cp = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      if (cont(i + 1, 0x80, 0xBF)) {
        len = 2;
        cp = ((b0 & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu);
      }
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      // Second-byte ranges exclude overlongs (E0) and UTF-16 surrogates (ED).
      const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
      const unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
      if (cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF)) {
        len = 3;
        cp = ((b0 & 0x0Fu) << 12) | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
      }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      // Second-byte ranges exclude overlongs (F0) and code points above U+10FFFF (F4).
      const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
      const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
      if (cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF) && cont(i + 3, 0x80, 0xBF)) {
        len = 4;
        cp = ((b0 & 0x07u) << 18) | ((byte(i + 1) & 0x3Fu) << 12) | ((byte(i + 2) & 0x3Fu) << 6) |
             (byte(i + 3) & 0x3Fu);
      }
    }
    if (len == 0) {
      out.push_back(kInvalidByteBase + b0);
      i += 1;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

// One element of a parsed glob pattern.
struct GlobToken {
  enum Kind : std::uint8_t { kLiteral, kAnyOne, kAnyRun } kind;
  char32_t cp = 0;  // kLiteral
};

// '\' makes the next character literal. A trailing lone '\' (sema never emits one; it writes
// "\\") is taken as a literal backslash, like pySigma does for rule text.
std::vector<GlobToken> parse_glob(std::string_view pattern) {
  const std::vector<char32_t> cps = decode_utf8(pattern);
  std::vector<GlobToken> out;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const char32_t c = cps[i];
    if (c == U'\\') {
      if (i + 1 < cps.size()) ++i;
      out.push_back({GlobToken::kLiteral, cps[i]});
    } else if (c == U'*') {
      out.push_back({GlobToken::kAnyRun, 0});
    } else if (c == U'?') {
      out.push_back({GlobToken::kAnyOne, 0});
    } else {
      out.push_back({GlobToken::kLiteral, c});
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decimal number via strtod on a NUL-terminated copy (the whole text must be consumed).
bool parse_decimal(std::string_view text, double* out) {
  if (text.empty() || text.size() > 64) return false;
  std::string copy(text);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return false;
  // strtod accepts hex floats, inf and nan; Sigma numbers are plain decimals.
  for (char c : copy)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
      return false;
  return true;
}

// IPv4/IPv6 membership with inet_pton; IPv4 networks only contain IPv4 addresses.
bool cidr_match(const std::string& network, std::string_view value) {
  auto slash = network.find('/');
  std::string net = network.substr(0, slash);
  bool v6 = net.find(':') != std::string::npos;
  int bits = slash == std::string::npos ? (v6 ? 128 : 32) : std::atoi(network.c_str() + slash + 1);
  unsigned char a[16] = {}, b[16] = {};
  std::string val(value);
  if (v6 != (val.find(':') != std::string::npos)) {
    // An IPv4-mapped IPv6 value (::ffff:a.b.c.d) against an IPv4 network.
    if (v6 || val.rfind("::ffff:", 0) != 0) return false;
    val = val.substr(7);
  }
  int af = v6 ? AF_INET6 : AF_INET;
  if (inet_pton(af, net.c_str(), a) != 1 || inet_pton(af, val.c_str(), b) != 1) return false;
  for (int i = 0; i < bits; ++i) {
    int mask = 0x80 >> (i % 8);
    if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
  }
  return true;
}

bool regex_search(const std::string& pattern, std::uint32_t flags, std::string_view value) {
  // Flag bits as documented in checked_rule.hpp / runtime/bytecode/format.hpp (kRegex*); spelled
  // out here rather than included so this file depends on the documented contract only.
  constexpr std::uint32_t kCaseInsensitive = 1u << 0;
  constexpr std::uint32_t kMultiline = 1u << 1;
  constexpr std::uint32_t kDotAll = 1u << 2;
  RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_case_sensitive((flags & kCaseInsensitive) == 0);
  opt.set_dot_nl((flags & kDotAll) != 0);
  // RE2::Options has no multiline switch outside posix_syntax mode, so use the inline flag.
  const std::string full = (flags & kMultiline) != 0 ? "(?m)" + pattern : pattern;
  // Compiled once per (pattern, flags) per thread: the differential test runs thousands of
  // rules over thousands of records, and recompiling dominated its run time.
  thread_local std::map<std::pair<std::string, std::uint32_t>, std::unique_ptr<RE2>> cache;
  auto& re = cache[{full, flags}];
  if (!re) re = std::make_unique<RE2>(full, opt);
  if (!re->ok()) return false;  // sema rejects bad regexes; an uncompilable one matches nothing
  return RE2::PartialMatch(value, *re);
}

// Applies a value test to one present text value.
bool test_value(const sema::Test& t, std::string_view text) {
  switch (t.kind) {
    case sema::TestKind::kGlob:
      return glob_match(t.pattern, text, t.cased);
    case sema::TestKind::kRegex:
      return regex_search(t.pattern, t.regex_flags, text);
    case sema::TestKind::kHexEq: {
      unsigned long long want = 0;
      unsigned long long got = 0;
      return parse_hex(t.pattern, &want) && parse_hex(text, &got) && want == got;
    }
    case sema::TestKind::kIsNull:
      return false;
    case sema::TestKind::kExists:
      return true;
    case sema::TestKind::kCidr:
      return cidr_match(t.pattern, text);
    case sema::TestKind::kNumCmp: {
      double want = 0, got = 0;
      if (!parse_decimal(t.pattern, &want) || !parse_decimal(text, &got)) return false;
      switch (t.op) {
        case 0: return got > want;
        case 1: return got >= want;
        case 2: return got < want;
        default: return got <= want;
      }
    }
    case sema::TestKind::kFieldRef:
      return false;  // needs the record; handled in evaluate_test
  }
  return false;
}

// Field-to-field comparison: eq / contains / startswith / endswith, folded unless cased.
bool fieldref_match(const sema::Test& t, std::string_view a, std::string_view b) {
  std::vector<char32_t> x = decode_utf8(a), y = decode_utf8(b);
  if (!t.cased) {
    for (auto& c : x) c = fold_case(c);
    for (auto& c : y) c = fold_case(c);
  }
  auto at = [&](std::size_t off) { return std::equal(y.begin(), y.end(), x.begin() + off); };
  if (y.size() > x.size()) return false;
  switch (t.op) {
    case 0: return x == y;
    case 2: return at(0);
    case 3: return at(x.size() - y.size());
    default:
      for (std::size_t off = 0; off + y.size() <= x.size(); ++off)
        if (at(off)) return true;
      return false;
  }
}

bool evaluate_test(const sema::Test& t, const Event& ev, const SlotMap& slots) {
  if (t.field.empty()) {
    // Keyword: true if ANY value of the record passes. Values are always present strings.
    const auto& values = ev.values();
    return std::any_of(values.begin(), values.end(),
                       [&](std::string_view v) { return test_value(t, v); });
  }
  FieldValue fv;  // missing unless the map and the event both have it
  if (auto it = slots.find(t.field); it != slots.end()) fv = ev.get(it->second);
  switch (t.kind) {
    case sema::TestKind::kIsNull:
      return fv.state != ValueState::kPresent;
    case sema::TestKind::kExists:
      return fv.state != ValueState::kMissing;
    case sema::TestKind::kFieldRef: {
      FieldValue other;
      if (auto it = slots.find(t.pattern); it != slots.end()) other = ev.get(it->second);
      return fv.state == ValueState::kPresent && other.state == ValueState::kPresent &&
             fieldref_match(t, fv.text, other.text);
    }
    default:
      // Value tests (glob/regex/hex) only see present values: null never matches, not even '*'.
      return fv.state == ValueState::kPresent && test_value(t, fv.text);
  }
}

}  // namespace

char32_t fold_case(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;  // Latin-1 (U+00D7 is '×')
  if (c >= 0x100 && c <= 0x17F) {
    // Latin Extended-A alternates upper/lower, but the parity flips twice: at U+0138 (ĸ, no
    // pair) and at U+0149 (ŉ, no pair). Excluded because their counterparts are not in this
    // block or are not a simple-folding pair: U+0130/U+0131 (İ/ı fold to neither each other nor
    // i), U+0178 (Ÿ's lower is U+00FF) and U+017F (ſ folds to 's').
    if (c == 0x178) return 0xFF;  // Y with diaeresis folds into Latin-1
    if (c == 0x130 || c == 0x131 || c == 0x17F) return c;
    if (c <= 0x137) return (c % 2 == 0) ? c + 1 : c;
    if (c >= 0x139 && c <= 0x148) return (c % 2 == 1) ? c + 1 : c;
    if (c >= 0x14A && c <= 0x177) return (c % 2 == 0) ? c + 1 : c;
    if (c >= 0x179 && c <= 0x17E) return (c % 2 == 1) ? c + 1 : c;
    return c;
  }
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;  // Greek (U+03A2 unassigned)
  switch (c) {  // Greek capitals with tonos
    case 0x386: return 0x3AC;
    case 0x388: return 0x3AD;
    case 0x389: return 0x3AE;
    case 0x38A: return 0x3AF;
    case 0x38C: return 0x3CC;
    case 0x38E: return 0x3CD;
    case 0x38F: return 0x3CE;
    default: break;
  }
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;                // Cyrillic А-Я
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;                // Cyrillic Ѐ-Џ
  return c;
}

bool glob_match(std::string_view pattern, std::string_view value, bool cased) {
  const std::vector<GlobToken> tokens = parse_glob(pattern);
  std::vector<char32_t> v = decode_utf8(value);
  auto norm = [&](char32_t c) { return cased ? c : fold_case(c); };
  // reach[j]: the tokens consumed so far can match exactly the first j value characters.
  // Each token maps the set of reachable positions to a new set; no backtracking involved.
  const std::size_t n = v.size();
  std::vector<char> reach(n + 1, 0);
  std::vector<char> next(n + 1, 0);
  reach[0] = 1;
  for (const GlobToken& tok : tokens) {
    std::fill(next.begin(), next.end(), 0);
    switch (tok.kind) {
      case GlobToken::kAnyRun: {
        bool seen = false;  // any reachable position at or before j
        for (std::size_t j = 0; j <= n; ++j) {
          seen = seen || reach[j] != 0;
          next[j] = seen ? 1 : 0;
        }
        break;
      }
      case GlobToken::kAnyOne:
        for (std::size_t j = 1; j <= n; ++j) next[j] = reach[j - 1];
        break;
      case GlobToken::kLiteral: {
        const char32_t want = norm(tok.cp);
        for (std::size_t j = 1; j <= n; ++j) {
          next[j] = (reach[j - 1] != 0 && norm(v[j - 1]) == want) ? 1 : 0;
        }
        break;
      }
    }
    reach.swap(next);
  }
  return reach[n] != 0;
}

bool parse_hex(std::string_view text, unsigned long long* out) {
  if (text.size() < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return false;
  unsigned long long v = 0;
  for (std::size_t i = 2; i < text.size(); ++i) {
    const int d = hex_digit(text[i]);
    if (d < 0) return false;
    // Leading zeros are free; overflow only once a significant digit would be shifted out.
    if (v > (~0ULL >> 4)) return false;
    v = (v << 4) | static_cast<unsigned long long>(d);
  }
  *out = v;
  return true;
}

bool evaluate(const sema::Expr& e, const Event& ev, const SlotMap& slots) {
  switch (e.kind) {
    case sema::ExprKind::kTrue:
      return true;
    case sema::ExprKind::kFalse:
      return false;
    case sema::ExprKind::kTest:
      return evaluate_test(e.test, ev, slots);
    case sema::ExprKind::kNot:
      // A kNot has exactly one child; an empty one is treated as not(true).
      return e.children.empty() ? false : !evaluate(e.children.front(), ev, slots);
    case sema::ExprKind::kAnd:  // empty and = true
      return std::all_of(e.children.begin(), e.children.end(),
                         [&](const sema::Expr& c) { return evaluate(c, ev, slots); });
    case sema::ExprKind::kOr:  // empty or = false
      return std::any_of(e.children.begin(), e.children.end(),
                         [&](const sema::Expr& c) { return evaluate(c, ev, slots); });
  }
  return false;
}

bool evaluate(const sema::CheckedRule& r, const Event& ev, const SlotMap& slots) {
  return evaluate(r.root, ev, slots);
}

void collect_fields(const sema::Expr& e, std::vector<std::string>& out) {
  if (e.kind == sema::ExprKind::kTest && !e.test.field.empty() &&
      std::find(out.begin(), out.end(), e.test.field) == out.end()) {
    out.push_back(e.test.field);
  }
  for (const sema::Expr& c : e.children) collect_fields(c, out);
}

SlotMap slot_map(const std::vector<sema::CheckedRule>& rules, std::vector<std::string>* fields) {
  fields->clear();
  for (const auto& r : rules) collect_fields(r.root, *fields);
  std::sort(fields->begin(), fields->end());
  SlotMap slots;
  for (std::size_t i = 0; i < fields->size(); ++i) slots[(*fields)[i]] = i;
  return slots;
}

}  // namespace sigmatch::reference
