// text_test.cpp — unit tests for runtime/vm/text.{hpp,cpp}: case folding (ASCII, Latin-1,
// Latin Extended-A, Greek, Cyrillic, invalid UTF-8 left alone), glob matching (checked
// against a slow recursive reference on random inputs), glob literals, hex parsing and IPv4
// parsing (against inet_pton).
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/vm/text.hpp"

using sigmatch::text::fold_case;
using sigmatch::text::glob_literal;
using sigmatch::text::glob_match;
using sigmatch::text::parse_hex;

TEST_CASE("fold_case: ASCII") {
  CHECK(fold_case("") == "");
  CHECK(fold_case("HELLO World 123 @[`{") == "hello world 123 @[`{");
  CHECK(fold_case("microsoft software key storage provider") ==
        "microsoft software key storage provider");
  CHECK(sigmatch::text::is_folded("already lower $ 0x1"));
  CHECK_FALSE(sigmatch::text::is_folded("Upper"));
}

TEST_CASE("fold_case: Latin-1 and Latin Extended-A") {
  CHECK(fold_case("\u00C9LODIE") == "\u00E9lodie");          // É
  CHECK(fold_case("\u00C0\u00DE") == "\u00E0\u00FE");         // À Þ
  CHECK(fold_case("\u00D7") == "\u00D7");                     // × is not a letter
  CHECK(fold_case("\u00DF") == "\u00DF");                     // ß has no simple upper pair
  CHECK(fold_case("\u0100\u0101") == "\u0101\u0101");         // Ā ā
  CHECK(fold_case("\u0141\u00F3d\u017A") == "\u0142\u00F3d\u017A");  // Łódź
  CHECK(fold_case("\u017D\u0179\u017B") == "\u017E\u017A\u017C");    // Ž Ź Ż
  CHECK(fold_case("\u0178") == "\u00FF");                             // Ÿ -> ÿ
  CHECK(fold_case("\u0130") == "\u0130");  // İ has no simple fold (not dotless ı)
  CHECK(fold_case("\u0131") == "\u0131");
  CHECK(sigmatch::text::is_folded("\u00E9t\u00E9"));
  CHECK_FALSE(sigmatch::text::is_folded("\u00C9t\u00E9"));
}

TEST_CASE("fold_case: Greek and Cyrillic") {
  CHECK(fold_case("\u0391\u0392\u03A9") == "\u03B1\u03B2\u03C9");  // ΑΒΩ
  CHECK(fold_case("\u0386\u0388\u038C\u038F") == "\u03AC\u03AD\u03CC\u03CE");  // tonos
  CHECK(fold_case("\u03A3\u03C3") == "\u03C3\u03C3");
  CHECK(fold_case("\u041F\u0420\u0418\u0412\u0415\u0422") ==
        "\u043F\u0440\u0438\u0432\u0435\u0442");  // ПРИВЕТ
  CHECK(fold_case("\u0401\u0404\u040F") == "\u0451\u0454\u045F");  // Ё Є Џ
  CHECK(fold_case("\u042F") == "\u044F");                            // Я
}

TEST_CASE("fold_case: invalid UTF-8 is copied unchanged") {
  const std::vector<std::string> bad = {
      "\xC3",             // truncated 2-byte
      "\xC3" "A",         // lead byte followed by ASCII (the ASCII still folds: see below)
      "\xC1\x81",         // overlong 'A' must not become "a"
      "\xC0\x80",         // overlong NUL
      "\xE0\x81\x81",     // 3-byte overlong 'A'
      "\xE0\x90\x90",     // 3-byte overlong U+0410 (Cyrillic А)
      "\xED\xA0\x80",     // surrogate
      "\x80\xBF",         // stray continuation bytes
      "\xFF\xFE",         // never valid
      "\xF8\x88\x80\x80\x80",
  };
  for (const auto& s : bad) {
    std::string want = s;
    for (auto& ch : want)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    CAPTURE(s);
    CHECK(fold_case(s) == want);
  }
  // Valid 4-byte sequences pass through.
  CHECK(fold_case("\xF0\x9F\x94\x91 KEY") == "\xF0\x9F\x94\x91 key");
}

TEST_CASE("glob_match: wildcards, escapes, empty") {
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("", "a"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("**", ""));
  CHECK_FALSE(glob_match("?", ""));
  CHECK(glob_match("?", "x"));
  CHECK_FALSE(glob_match("?", "xy"));
  CHECK(glob_match("tb_*", "tb_0123"));
  CHECK_FALSE(glob_match("tb_*", "xtb_0123"));
  CHECK(glob_match("*\\\\system32\\\\*", "c:\\windows\\system32\\lsass.exe"));
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK_FALSE(glob_match("a\\*b", "axxb"));
  CHECK(glob_match("a\\?", "a?"));
  CHECK_FALSE(glob_match("a\\?", "ab"));
  CHECK(glob_match("a\\", "a\\"));  // a trailing backslash is literal
}

TEST_CASE("glob_match: backtracking") {
  CHECK(glob_match("*a*b", "aab"));
  CHECK(glob_match("*a*b", "xaxxbxb"));
  CHECK_FALSE(glob_match("*a*b", "aaba"));
  CHECK(glob_match("*ab", "aaab"));
  CHECK(glob_match("a*a*a", "aaa"));
  CHECK_FALSE(glob_match("a*a*a", "aa"));
  CHECK(glob_match("*?b", "ab"));
  CHECK_FALSE(glob_match("*?b", "b"));
  // Pathological pattern stays polynomial (this would take ages with naive recursion).
  std::string v(4000, 'a');
  CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*b", v));
}

TEST_CASE("glob_match: '?' is one code point") {
  CHECK(glob_match("?", "\u00E9"));               // 2 bytes
  CHECK(glob_match("?", "\u0416"));               // 2 bytes
  CHECK(glob_match("?", "\u20AC"));               // 3 bytes
  CHECK(glob_match("?", "\xF0\x9F\x94\x91"));     // 4 bytes
  CHECK_FALSE(glob_match("??", "\u00E9"));
  CHECK(glob_match("caf?", "caf\u00E9"));
  CHECK(glob_match("*?\u00E9", "x\u00E9"));
  CHECK(glob_match("??", "\xC1\x81"));  // overlong: two invalid bytes are two units
  // '*' must not split a character so that '?' counts its continuation bytes.
  CHECK_FALSE(glob_match("*??xz", "\u20ACxz"));
  CHECK(glob_match("*?xz", "\u20ACxz"));
  CHECK_FALSE(glob_match("*???", "\u00E9\u00E9"));
}

namespace {

// Code point splitting consistent with text.cpp: well-formed sequences are one unit, every
// other byte is its own unit.
std::vector<std::string> units(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    // A glob of one '?' matching exactly the prefix tells us the unit length.
    for (std::size_t k = 4; k >= 2; --k)
      if (i + k <= s.size() && glob_match("?", s.substr(i, k))) {
        n = k;
        break;
      }
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// Slow, obviously correct reference over pattern tokens and value units.
bool ref_match(const std::vector<std::string>& p, std::size_t pi, const std::vector<std::string>& v,
               std::size_t vi) {
  if (pi == p.size()) return vi == v.size();
  if (p[pi] == "*") {
    for (std::size_t k = vi; k <= v.size(); ++k)
      if (ref_match(p, pi + 1, v, k)) return true;
    return false;
  }
  if (vi == v.size()) return false;
  if (p[pi] == "?") return ref_match(p, pi + 1, v, vi + 1);
  // A literal token is one byte; a value unit of several bytes must match byte by byte.
  const std::string& u = v[vi];
  if (u.size() == 1) return u == p[pi] && ref_match(p, pi + 1, v, vi + 1);
  std::size_t k = 0;
  for (; k < u.size(); ++k)
    if (pi + k >= p.size() || p[pi + k] != std::string(1, u[k])) return false;
  return ref_match(p, pi + k, v, vi + 1);
}

}  // namespace

TEST_CASE("glob_match agrees with a recursive reference on random inputs") {
  // Patterns are valid UTF-8 (YAML guarantees it); values may hold invalid bytes.
  const std::vector<std::string> pat_alphabet = {"a", "b", "\u00E9", "\u20AC", "\\"};
  const std::vector<std::string> val_alphabet = {"a", "b", "\u00E9", "\u20AC", "\\", "\xC3",
                                                 "\xE2\x82"};
  std::mt19937 rng(12345);
  int mismatches = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string pat, val;
    std::vector<std::string> ptoks;
    int pn = rng() % 6, vn = rng() % 7;
    for (int i = 0; i < pn; ++i) {
      switch (rng() % 4) {
        case 0: pat += '*'; ptoks.push_back("*"); break;
        case 1: pat += '?'; ptoks.push_back("?"); break;
        default: {
          std::string lit = pat_alphabet[rng() % pat_alphabet.size()];
          sigmatch::text::glob_append_literal(lit, pat);
          for (char ch : lit) ptoks.push_back(std::string(1, ch));
        }
      }
    }
    for (int i = 0; i < vn; ++i) val += val_alphabet[rng() % val_alphabet.size()];
    bool got = glob_match(pat, val), want = ref_match(ptoks, 0, units(val), 0);
    if (got != want && ++mismatches <= 5) {
      CAPTURE(pat);
      CAPTURE(val);
      CHECK(got == want);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("glob_literal") {
  CHECK(glob_literal("") == std::string());
  CHECK(glob_literal("abc") == std::string("abc"));
  CHECK(glob_literal("a\\*b\\?c\\\\") == std::string("a*b?c\\"));
  CHECK_FALSE(glob_literal("a*").has_value());
  CHECK_FALSE(glob_literal("?").has_value());
  std::string p;
  sigmatch::text::glob_append_literal("x*y?z\\", p);
  CHECK(p == "x\\*y\\?z\\\\");
  CHECK(glob_literal(p) == std::string("x*y?z\\"));
  CHECK(glob_match(p, "x*y?z\\"));
  CHECK_FALSE(glob_match(p, "xAy?z\\"));
}

TEST_CASE("parse_hex") {
  CHECK(parse_hex("0x0") == 0u);
  CHECK(parse_hex("0x00000000") == 0u);
  CHECK(parse_hex("0x000000000004424d") == 0x4424du);
  CHECK(parse_hex("0x4424D") == 0x4424du);
  CHECK(parse_hex("0X8009000B") == 0x8009000bu);
  CHECK(parse_hex("0xffffffffffffffff") == 0xffffffffffffffffull);
  CHECK(parse_hex("0x0000ffffffffffffffff") == 0xffffffffffffffffull);  // zeros stripped first
  CHECK_FALSE(parse_hex("0x10000000000000000").has_value());  // 17 significant digits
  CHECK_FALSE(parse_hex("0x").has_value());
  CHECK_FALSE(parse_hex("0").has_value());
  CHECK_FALSE(parse_hex("").has_value());
  CHECK_FALSE(parse_hex("banana").has_value());
  CHECK_FALSE(parse_hex("0xg").has_value());
  CHECK_FALSE(parse_hex("0x12 ").has_value());
  CHECK_FALSE(parse_hex(" 0x12").has_value());
  CHECK_FALSE(parse_hex("0x-1").has_value());
  CHECK_FALSE(parse_hex("1234").has_value());  // decimal is not hex_eq's business
}

TEST_CASE("fold_case: the 8-byte ASCII fast path agrees with byte-wise folding at every length") {
  // Bytes around the A-Z boundaries ('@' 'A' 'Z' '[' '`' 'a' 'z' '{'), DEL, and a UTF-8 letter
  // placed at every offset so the fast path hands over to the slow one at each position.
  const std::string alphabet = "@AZ[`az{\x7f" "0~ M";
  for (std::size_t len = 0; len <= 24; ++len)
    for (std::size_t start = 0; start < alphabet.size(); ++start) {
      std::string in;
      for (std::size_t i = 0; i < len; ++i) in.push_back(alphabet[(start + i * 7) % alphabet.size()]);
      std::string expect;
      for (char c : in) expect.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
      CHECK(sigmatch::text::fold_case(in) == expect);
      for (std::size_t at = 0; at <= len; ++at) {
        std::string u = in.substr(0, at) + "\xC3\x84" + in.substr(at);  // U+00C4 folds to U+00E4
        std::string ue = expect.substr(0, at) + "\xC3\xA4" + expect.substr(at);
        CHECK(sigmatch::text::fold_case(u) == ue);
      }
    }
}

// is_ascii / is_folded_ascii decide whether the VM may skip a folded copy (Scratch::folded,
// LiteralIndex::folds_ascii): checked against fold_case itself on the same boundary bytes, with
// a non-ASCII or upper-case byte at every offset around the 8-byte steps.
TEST_CASE("is_ascii and is_folded_ascii agree with fold_case at every length and offset") {
  using sigmatch::text::fold_case;
  using sigmatch::text::is_ascii;
  using sigmatch::text::is_folded_ascii;
  const std::string alphabet = "@[`az{\x7f" "0~ m";  // no upper case
  for (std::size_t len = 0; len <= 24; ++len) {
    std::string in;
    for (std::size_t i = 0; i < len; ++i) in.push_back(alphabet[(i * 7) % alphabet.size()]);
    CHECK(is_ascii(in));
    CHECK(is_folded_ascii(in));
    CHECK(fold_case(in) == in);
    for (std::size_t at = 0; at < len; ++at) {
      for (char c : {'A', 'Z'}) {
        std::string u = in;
        u[at] = c;
        CHECK(is_ascii(u));
        CHECK_FALSE(is_folded_ascii(u));
        CHECK(fold_case(u) != u);
      }
      for (char c : {'\x80', '\xC3', '\xFF'}) {
        std::string u = in;
        u[at] = c;
        CHECK_FALSE(is_ascii(u));
        CHECK_FALSE(is_folded_ascii(u));
      }
    }
  }
}

// ascii_iequal answers the VM's case-insensitive field == field (Image|fieldref: ParentImage)
// without folded copies: checked against fold_case on every ASCII byte value at every offset
// around the 8-byte steps, and on lengths that differ.
TEST_CASE("ascii_iequal agrees with comparing fold_case copies") {
  using sigmatch::text::ascii_iequal;
  using sigmatch::text::fold_case;
  for (std::size_t len = 0; len <= 20; ++len) {
    std::string base;
    for (std::size_t i = 0; i < len; ++i) base.push_back(static_cast<char>('a' + (i * 5) % 26));
    CHECK(ascii_iequal(base, base));
    if (len > 0) {
      CHECK_FALSE(ascii_iequal(base, base.substr(1)));
      CHECK_FALSE(ascii_iequal(base.substr(1), base));
    }
    for (std::size_t at = 0; at < len; ++at)
      for (unsigned c = 0; c < 0x80; ++c) {
        std::string x = base;
        x[at] = static_cast<char>(c);
        CHECK(ascii_iequal(x, base) == (fold_case(x) == fold_case(base)));
        CHECK(ascii_iequal(base, x) == (fold_case(x) == fold_case(base)));
      }
  }
}

// upper_ascii_mask8 against a byte-wise test: every byte value in every lane, next to
// neighbours that would carry into it (0x7F, 0xFF) or borrow from it (0x00).
TEST_CASE("upper_ascii_mask8 marks exactly the upper-case ASCII bytes") {
  for (unsigned c = 0; c < 256; ++c)
    for (unsigned lane = 0; lane < 8; ++lane)
      for (std::uint64_t fill : {0x0000000000000000ull, 0x7F7F7F7F7F7F7F7Full, 0xFFFFFFFFFFFFFFFFull}) {
        std::uint64_t w = (fill & ~(0xFFull << (8 * lane))) | (std::uint64_t{c} << (8 * lane));
        std::uint64_t want = 0;
        for (unsigned k = 0; k < 8; ++k) {
          unsigned b = (w >> (8 * k)) & 0xFF;
          if (b >= 'A' && b <= 'Z') want |= 0x80ull << (8 * k);
        }
        REQUIRE(sigmatch::text::upper_ascii_mask8(w) == want);
      }
}

// load_partial replaces byte loops and variable-length memcpy calls in the hashes of eq
// probes, dispatch lookups and the scan cache: it must give exactly the zero-extended bytes
// (the hashes, and so the tables built at load, depend on it), at every length and offset.
TEST_CASE("load_partial is a zero-extended copy of 0 to 7 bytes") {
  std::string buf;
  for (int i = 0; i < 64; ++i) buf.push_back(static_cast<char>(0x80 + 37 * i));
  for (std::size_t n = 0; n < 8; ++n)
    for (std::size_t at = 0; at + n <= buf.size(); ++at) {
      std::uint64_t want = 0;
      std::memcpy(&want, buf.data() + at, n);
      REQUIRE_MESSAGE(sigmatch::text::load_partial(buf.data() + at, n) == want, "n=" << n << " at=" << at);
    }
}

// parse_ipv4 replaces inet_pton(AF_INET) on the CIDR path: it must accept exactly what
// inet_pton accepts, with the same bytes. Checked on hand-picked edge cases and on random
// strings over digits and dots (where the two could disagree), 0 to 17 bytes.
TEST_CASE("parse_ipv4 accepts exactly what inet_pton(AF_INET) accepts") {
  auto agree = [](const std::string& s) {
    unsigned char mine[4] = {}, libc[4] = {};
    const bool a = sigmatch::text::parse_ipv4(s, mine);
    const bool b = inet_pton(AF_INET, s.c_str(), libc) == 1;
    CAPTURE(s);
    CHECK(a == b);
    if (a && b) CHECK(std::memcmp(mine, libc, 4) == 0);
    return a;
  };
  CHECK(agree("10.1.2.3"));
  CHECK(agree("0.0.0.0"));
  CHECK(agree("255.255.255.255"));
  CHECK(agree("192.168.100.200"));
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "00.1.1.1",
                          "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4a", "1.2.3.-4", "1000.1.1.1",
                          "1.2.3.4/8", "::1", "1.2.3.4.", "0x1.2.3.4"})
    CHECK_FALSE(agree(bad));
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789..0125.";
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    const std::size_t n = rng() % 18;
    for (std::size_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    accepted += agree(s);
  }
  CHECK(accepted > 100);  // the random strings reached the accepting paths too
  // parse_ip: a value with an embedded NUL is no address (inet_pton on a C string stopped there).
  CHECK_FALSE(sigmatch::text::parse_ip(std::string_view("1.2.3.4\0x", 9)));
  CHECK(sigmatch::text::parse_ip("1.2.3.4")->v4);
  CHECK_FALSE(sigmatch::text::parse_ip("fe80::1")->v4);
}
