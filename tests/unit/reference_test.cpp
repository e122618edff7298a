// reference_test.cpp — unit tests for the reference evaluator (tests/reference/eval.hpp): glob
// wildcards and escapes, simple case folding (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic),
// the null/empty/missing truth table of docs/sigma-semantics.md 2.5, hex equality, regex flags,
// keyword tests and the boolean connectives. Expr trees are built by hand so these tests depend
// on nothing but the CheckedRule contract.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tests/reference/eval.hpp"

namespace {

namespace sema = sigmatch::sema;
using sigmatch::Event;
using sigmatch::reference::evaluate;
using sigmatch::reference::fold_case;
using sigmatch::reference::glob_match;
using sigmatch::reference::parse_hex;
using sigmatch::reference::SlotMap;

sema::Expr test_expr(std::string field, sema::TestKind kind, std::string pattern,
                     bool cased = false, std::uint32_t flags = 0) {
  sema::Expr e;
  e.kind = sema::ExprKind::kTest;
  e.test.field = std::move(field);
  e.test.kind = kind;
  e.test.pattern = std::move(pattern);
  e.test.cased = cased;
  e.test.regex_flags = flags;
  return e;
}
sema::Expr glob(std::string field, std::string pattern, bool cased = false) {
  return test_expr(std::move(field), sema::TestKind::kGlob, std::move(pattern), cased);
}
sema::Expr regex(std::string field, std::string pattern, std::uint32_t flags = 0) {
  return test_expr(std::move(field), sema::TestKind::kRegex, std::move(pattern), false, flags);
}
sema::Expr hex(std::string field, std::string pattern) {
  return test_expr(std::move(field), sema::TestKind::kHexEq, std::move(pattern));
}
sema::Expr is_null(std::string field) {
  return test_expr(std::move(field), sema::TestKind::kIsNull, "");
}
sema::Expr exists(std::string field) {
  return test_expr(std::move(field), sema::TestKind::kExists, "");
}
sema::Expr node(sema::ExprKind kind, std::vector<sema::Expr> children = {}) {
  sema::Expr e;
  e.kind = kind;
  e.children = std::move(children);
  return e;
}
sema::Expr not_(sema::Expr c) { return node(sema::ExprKind::kNot, {std::move(c)}); }

// Records have two fields, F (slot 0) and G (slot 1).
const SlotMap kSlots{{"F", 0}, {"G", 1}};

// Evaluates `e` on a record whose F is missing.
bool on_missing(const sema::Expr& e) {
  Event ev(2);
  return evaluate(e, ev, kSlots);
}
bool on_null(const sema::Expr& e) {
  Event ev(2);
  ev.set_null(0);
  return evaluate(e, ev, kSlots);
}
bool on(const sema::Expr& e, std::string_view f) {
  Event ev(2);
  ev.set(0, f);
  return evaluate(e, ev, kSlots);
}
// Shorthand for a glob on F against a present value.
bool g(std::string pattern, std::string_view value, bool cased = false) {
  const bool direct = glob_match(pattern, value, cased);
  const bool via_tree = on(glob("F", pattern, cased), value);
  CHECK(direct == via_tree);
  return direct;
}

constexpr std::uint32_t kI = 1u << 0;
constexpr std::uint32_t kM = 1u << 1;
constexpr std::uint32_t kS = 1u << 2;

}  // namespace

TEST_CASE("glob: literals are anchored at both ends") {
  CHECK(g("abc", "abc"));
  CHECK_FALSE(g("abc", "abcd"));
  CHECK_FALSE(g("abc", "xabc"));
  CHECK_FALSE(g("abc", "ab"));
  CHECK(g("", ""));
  CHECK_FALSE(g("", "a"));
  CHECK_FALSE(g("a", ""));
}

TEST_CASE("glob: star and question mark") {
  CHECK(g("*", ""));
  CHECK(g("*", "anything"));
  CHECK(g("**", ""));
  CHECK(g("a*", "a"));
  CHECK(g("a*", "abc"));
  CHECK_FALSE(g("a*", "ba"));
  CHECK(g("*c", "abc"));
  CHECK(g("*b*", "abc"));
  CHECK(g("*b*", "b"));
  CHECK_FALSE(g("*b*", "ac"));
  CHECK(g("a*b*c", "aXXbYYc"));
  CHECK(g("a*b*c", "abc"));
  CHECK_FALSE(g("a*b*c", "acb"));
  CHECK(g("*ab*ab*", "xabyabz"));
  CHECK_FALSE(g("*ab*ab*", "xabz"));
  // Needs backtracking past the first candidate: the last "ab" must be the anchored suffix.
  CHECK(g("*aab", "aaaab"));
  CHECK(g("*a?c", "abcabc"));
  CHECK(g("?", "x"));
  CHECK_FALSE(g("?", ""));
  CHECK_FALSE(g("?", "xy"));
  CHECK(g("??", "xy"));
  CHECK(g("?*", "x"));
  CHECK_FALSE(g("?*", ""));
  CHECK(g("*?", "xyz"));
  // Pattern text `\\` is one literal backslash and `\*` a literal star (C++ doubles each).
  CHECK(g("C:\\\\*\\\\cmd.exe", "C:\\Windows\\System32\\cmd.exe"));
  CHECK_FALSE(g("C:\\*\\cmd.exe", "C:\\Windows\\System32\\cmd.exe"));
  CHECK(g("C:\\*\\cmd.exe", "C:*cmd.exe"));  // `\c` is just c
}

TEST_CASE("glob: '?' consumes one code point, not one byte") {
  CHECK(g("?", "\xC3\xA9"));          // é (2 bytes)
  CHECK(g("?", "\xE2\x80\xAE"));      // U+202E (3 bytes)
  CHECK(g("?", "\xF0\x9F\x98\x80"));  // emoji (4 bytes)
  CHECK_FALSE(g("??", "\xF0\x9F\x98\x80"));
  CHECK(g("a?b",
          "a\xD0\x96"
          "b"));  // Ж
  CHECK(g("*\xD0\x96", "xyz\xD0\x96"));
}

TEST_CASE("glob: invalid UTF-8 bytes are one character each and never crash") {
  CHECK(g("?", "\xFF"));
  CHECK(g("??",
          "\xC3"
          "a"));  // truncated lead byte, then 'a'
  CHECK(g("???",
          "\xE2\x80"
          "a"));                    // truncated 3-byte sequence: two invalid bytes
  CHECK(g("??", "\xC0\xAF"));       // overlong '/' is two invalid bytes
  CHECK(g("???", "\xED\xA0\x80"));  // UTF-16 surrogate: three invalid bytes
  CHECK(g("\xFF", "\xFF"));
  CHECK_FALSE(g("\xFE", "\xFF"));
  CHECK(g("*\x80*",
          "ab\x80"
          "cd"));
  CHECK_FALSE(g("?", "\xFF\xFF"));
  CHECK(g("\xC3", "\xC3"));  // pattern with an invalid byte matches it literally
}

TEST_CASE("glob: backslash escapes") {
  CHECK(g("\\*", "*"));
  CHECK_FALSE(g("\\*", "x"));
  CHECK_FALSE(g("\\*", ""));
  CHECK(g("\\?", "?"));
  CHECK_FALSE(g("\\?", "x"));
  CHECK(g("\\\\", "\\"));
  CHECK_FALSE(g("\\\\", "\\\\"));
  CHECK(g("\\\\*", "\\anything"));  // literal '\' then a wildcard
  CHECK(g("a\\*b*", "a*bcd"));
  CHECK_FALSE(g("a\\*b*", "aXbcd"));
  CHECK(g("\\\\\\\\\\*\\\\IPC$", "\\\\*\\IPC$"));  // sigma-semantics 2.4 example
  CHECK(g("\\a", "a"));                            // '\' makes any next character literal
  CHECK(g("\\\xD0\x96", "\xD0\xB6"));              // escaped Ж still folds
  CHECK(g("x\\", "x\\"));                          // a lone trailing '\' is a literal backslash
}

TEST_CASE("glob: case folding") {
  CHECK(g("CMD.EXE", "cmd.exe"));
  CHECK(g("cmd.exe", "CMD.EXE"));
  CHECK(g("*\\\\SYSTEM32\\\\*", "C:\\Windows\\system32\\x"));
  CHECK_FALSE(g("CMD.EXE", "cmd.exe", true));
  CHECK(g("CMD.EXE", "CMD.EXE", true));
  CHECK(g("C*", "cmd", false));
  CHECK_FALSE(g("C*", "cmd", true));
  // Latin-1: À..Þ fold +0x20, but × (U+00D7) and ÷ (U+00F7) are not letters.
  CHECK(g("\xC3\x80", "\xC3\xA0"));                    // À / à
  CHECK(g("\xC3\x9E", "\xC3\xBE"));                    // Þ / þ
  CHECK(g("\xC3\x89T\xC3\x89", "\xC3\xA9t\xC3\xA9"));  // ÉTÉ / été
  CHECK_FALSE(g("\xC3\x97", "\xC3\xB7"));              // × / ÷
  CHECK_FALSE(g("\xC3\x9F", "ss"));                    // ß: simple folding only, no expansion
  CHECK_FALSE(g("\xC3\x80", "\xC3\xA0", true));
  // Latin Extended-A pairs on both sides of the parity flips at U+0138 and U+0149.
  CHECK(g("\xC4\x80", "\xC4\x81"));        // Ā / ā (U+0100/0101)
  CHECK(g("\xC5\x81", "\xC5\x82"));        // Ł / ł (U+0141/0142)
  CHECK(g("\xC5\x8A", "\xC5\x8B"));        // Ŋ / ŋ (U+014A/014B)
  CHECK(g("\xC5\xA0", "\xC5\xA1"));        // Š / š (U+0160/0161)
  CHECK(g("\xC5\xBD", "\xC5\xBE"));        // Ž / ž (U+017D/017E)
  CHECK_FALSE(g("\xC4\x81", "\xC4\x82"));  // ā / Ă are different letters
  // Greek: Α..Ϋ fold +0x20, U+03A2 is unassigned.
  CHECK(g("\xCE\x91", "\xCE\xB1"));  // Α / α
  CHECK(g("\xCE\xA3", "\xCF\x83"));  // Σ / σ
  CHECK(g("\xCE\xAB", "\xCF\x8B"));  // Ϋ / ϋ
  CHECK(g("\xCE\x9B\xCE\x9F\xCE\x93\xCE\x9F\xCE\xA3", "\xCE\xBB\xCE\xBF\xCE\xB3\xCE\xBF\xCF\x83"));
  // Cyrillic: А..Я +0x20, Ѐ..Џ +0x50.
  CHECK(g("\xD0\x90", "\xD0\xB0"));  // А / а
  CHECK(g("\xD0\xAF", "\xD1\x8F"));  // Я / я
  CHECK(g("\xD0\x81", "\xD1\x91"));  // Ё / ё (U+0401/0451)
  CHECK(g("\xD0\x8F", "\xD1\x9F"));  // Џ / џ (U+040F/045F)
  CHECK(g("*\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2*",
          "x \xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 y"));  // ПРИВЕТ in привет
  CHECK_FALSE(g("\xD0\x90", "\xD0\xB0", true));
  // Homoglyphs stay distinct: Cyrillic а is not Latin a.
  CHECK_FALSE(g("a", "\xD0\xB0"));
  CHECK_FALSE(g("A", "\xD0\x90"));
}

TEST_CASE("fold_case table edges") {
  CHECK(fold_case(U'A') == U'a');
  CHECK(fold_case(U'Z') == U'z');
  CHECK(fold_case(U'@') == U'@');
  CHECK(fold_case(U'[') == U'[');
  CHECK(fold_case(U'a') == U'a');
  CHECK(fold_case(0xBF) == 0xBF);
  CHECK(fold_case(0xC0) == 0xE0);
  CHECK(fold_case(0xD7) == 0xD7);
  CHECK(fold_case(0xDE) == 0xFE);
  CHECK(fold_case(0xDF) == 0xDF);
  CHECK(fold_case(0x100) == 0x101);
  CHECK(fold_case(0x101) == 0x101);
  CHECK(fold_case(0x136) == 0x137);
  CHECK(fold_case(0x138) == 0x138);
  CHECK(fold_case(0x139) == 0x13A);
  CHECK(fold_case(0x147) == 0x148);
  CHECK(fold_case(0x148) == 0x148);
  CHECK(fold_case(0x149) == 0x149);
  CHECK(fold_case(0x14A) == 0x14B);
  CHECK(fold_case(0x176) == 0x177);
  CHECK(fold_case(0x179) == 0x17A);
  CHECK(fold_case(0x17D) == 0x17E);
  CHECK(fold_case(0x390) == 0x390);
  CHECK(fold_case(0x391) == 0x3B1);
  CHECK(fold_case(0x3A2) == 0x3A2);
  CHECK(fold_case(0x3AB) == 0x3CB);
  CHECK(fold_case(0x3AC) == 0x3AC);
  CHECK(fold_case(0x3C2) == 0x3C2);  // final sigma is not in the folded set
  CHECK(fold_case(0x3FF) == 0x3FF);
  CHECK(fold_case(0x400) == 0x450);
  CHECK(fold_case(0x40F) == 0x45F);
  CHECK(fold_case(0x410) == 0x430);
  CHECK(fold_case(0x42F) == 0x44F);
  CHECK(fold_case(0x430) == 0x430);
  CHECK(fold_case(0x460) == 0x460);
}

TEST_CASE("null, empty and missing (sigma-semantics 2.5 truth table)") {
  // Columns: missing, null, "", "x".
  const sema::Expr f_null = is_null("F");
  CHECK(on_missing(f_null));
  CHECK(on_null(f_null));
  CHECK_FALSE(on(f_null, ""));
  CHECK_FALSE(on(f_null, "x"));

  const sema::Expr f_empty = glob("F", "");
  CHECK_FALSE(on_missing(f_empty));
  CHECK_FALSE(on_null(f_empty));
  CHECK(on(f_empty, ""));
  CHECK_FALSE(on(f_empty, "x"));

  const sema::Expr f_exists = exists("F");
  CHECK_FALSE(on_missing(f_exists));
  CHECK(on_null(f_exists));
  CHECK(on(f_exists, ""));
  CHECK(on(f_exists, "x"));

  const sema::Expr f_not_exists = not_(exists("F"));
  CHECK(on_missing(f_not_exists));
  CHECK_FALSE(on_null(f_not_exists));
  CHECK_FALSE(on(f_not_exists, ""));
  CHECK_FALSE(on(f_not_exists, "x"));

  const sema::Expr f_star = glob("F", "*");
  CHECK_FALSE(on_missing(f_star));
  CHECK_FALSE(on_null(f_star));
  CHECK(on(f_star, ""));
  CHECK(on(f_star, "x"));

  const sema::Expr f_x = glob("F", "x");
  CHECK_FALSE(on_missing(f_x));
  CHECK_FALSE(on_null(f_x));
  CHECK_FALSE(on(f_x, ""));
  CHECK(on(f_x, "x"));

  const sema::Expr not_x = not_(glob("F", "x"));
  CHECK(on_missing(not_x));
  CHECK(on_null(not_x));
  CHECK(on(not_x, ""));
  CHECK_FALSE(on(not_x, "x"));

  // Regex and hex tests also need a present value.
  CHECK_FALSE(on_missing(regex("F", "")));
  CHECK_FALSE(on_null(regex("F", "")));
  CHECK(on(regex("F", ""), ""));
  CHECK_FALSE(on_null(hex("F", "0x0")));
}

TEST_CASE("slot map: unmapped fields and out-of-range slots are missing") {
  Event ev(1);
  ev.set(0, "v");
  CHECK(evaluate(glob("F", "v"), ev, {{"F", 0}}));
  CHECK_FALSE(evaluate(glob("F", "v"), ev, {}));
  CHECK(evaluate(is_null("F"), ev, {}));
  CHECK_FALSE(evaluate(exists("F"), ev, {{"F", 7}}));
  CHECK(evaluate(is_null("F"), ev, {{"F", 7}}));
  // Field names are case-sensitive.
  CHECK_FALSE(evaluate(glob("f", "v"), ev, {{"F", 0}}));
}

TEST_CASE("hex equality") {
  CHECK(on(hex("F", "0x0"), "0x00000000"));
  CHECK(on(hex("F", "0x00000000"), "0x0"));
  CHECK(on(hex("F", "0x4424d"), "0x000000000004424d"));
  CHECK(on(hex("F", "0x4424D"), "0X4424d"));
  CHECK(on(hex("F", "0xffffffffffffffff"), "0xFFFFFFFFFFFFFFFF"));
  CHECK(on(hex("F", "0x1"), "0x000000000000000000000000000001"));  // padding beyond 16 digits
  CHECK_FALSE(on(hex("F", "0x4424d"), "0x4424e"));
  CHECK_FALSE(on(hex("F", "0x4424d"), "banana"));
  CHECK_FALSE(on(hex("F", "0x0"), "0"));   // no 0x prefix
  CHECK_FALSE(on(hex("F", "0x0"), "0x"));  // no digits
  CHECK_FALSE(on(hex("F", "0x0"), ""));
  CHECK_FALSE(on(hex("F", "0x10"), "16"));  // decimal text is not hex
  CHECK_FALSE(on(hex("F", "0x1"), " 0x1"));
  CHECK_FALSE(on(hex("F", "0x1"), "0x1 "));
  CHECK_FALSE(on(hex("F", "0x1"), "0x1g"));
  CHECK_FALSE(on(hex("F", "0x0"), "0x10000000000000000"));  // 65 bits: not a hex value at all
  CHECK_FALSE(on(hex("F", "0x1"), "x0x1"));
  CHECK_FALSE(on(hex("F", "banana"), "banana"));  // an unparsable pattern matches nothing

  unsigned long long v = 1;
  CHECK(parse_hex("0x0", &v));
  CHECK(v == 0);
  CHECK(parse_hex("0x00ffffffffffffffff", &v));
  CHECK(v == ~0ULL);
  CHECK_FALSE(parse_hex("0x1ffffffffffffffff", &v));
  CHECK_FALSE(parse_hex("0x-1", &v));
}

TEST_CASE("regex: partial match and flags") {
  CHECK(on(regex("F", "b+"), "abbbc"));
  CHECK(on(regex("F", "^ab"), "abc"));
  CHECK_FALSE(on(regex("F", "^bc"), "abc"));
  CHECK_FALSE(on(regex("F", "ABC"), "abc"));  // case-sensitive by default
  CHECK(on(regex("F", "ABC", kI), "xabcx"));
  CHECK(on(regex("F", "\xD0\x96", kI), "\xD0\xB6"));  // (?i) is Unicode-aware in RE2
  // Multiline: ^/$ at line boundaries only with bit1.
  CHECK_FALSE(on(regex("F", "^two$"), "one\ntwo\nthree"));
  CHECK(on(regex("F", "^two$", kM), "one\ntwo\nthree"));
  // Dot-all: '.' crosses '\n' only with bit2.
  CHECK_FALSE(on(regex("F", "one.two"), "one\ntwo"));
  CHECK(on(regex("F", "one.two", kS), "one\ntwo"));
  CHECK(on(regex("F", "ONE.TWO", kI | kS), "one\ntwo"));
  CHECK(on(regex("F", "^TWO$", kI | kM), "one\ntwo"));
  CHECK_FALSE(on(regex("F", "^TWO$", kM), "one\ntwo"));
  // Regex metacharacters are not glob wildcards and vice versa.
  CHECK_FALSE(on(regex("F", "a*b"), "xyz"));
  CHECK(on(regex("F", "a*b"), "b"));
  CHECK(on(regex("F", "\\.exe$"), "cmd.exe"));
  CHECK_FALSE(on(regex("F", "\\.exe$"), "cmd.exe.bak"));
  CHECK(on(regex("F", ""), "anything"));
  CHECK_FALSE(on(regex("F", "("), "("));                        // invalid regex matches nothing
  CHECK(on(regex("F", "\\x00"), std::string_view("a\0b", 3)));  // embedded NUL is data
}

TEST_CASE("keyword tests look at every value of the record") {
  Event ev(2);
  ev.set(0, "unrelated");
  ev.add_value("powershell.exe");
  ev.add_value("C:\\Temp\\Evil.ps1");
  CHECK(evaluate(glob("", "*evil*"), ev, kSlots));
  CHECK(evaluate(glob("", "POWERSHELL.EXE"), ev, kSlots));
  CHECK_FALSE(evaluate(glob("", "POWERSHELL.EXE", true), ev, kSlots));
  CHECK_FALSE(evaluate(glob("", "*mimikatz*"), ev, kSlots));
  // Slots are not consulted: "unrelated" is only in a slot, not in values().
  CHECK_FALSE(evaluate(glob("", "unrelated"), ev, kSlots));
  // Anchored per value, never across the concatenation of values.
  CHECK_FALSE(evaluate(glob("", "*exe*temp*"), ev, kSlots));
  CHECK(evaluate(regex("", "Evil\\.ps1$"), ev, kSlots));
  // No values at all: nothing matches, not even '*'.
  Event empty(2);
  CHECK_FALSE(evaluate(glob("", "*"), empty, kSlots));
  CHECK(evaluate(not_(glob("", "*")), empty, kSlots));
  // An empty value is still a value.
  empty.add_value("");
  CHECK(evaluate(glob("", "*"), empty, kSlots));
  CHECK(evaluate(glob("", ""), empty, kSlots));
}

TEST_CASE("and / or / not / true / false") {
  using K = sema::ExprKind;
  Event ev(2);
  ev.set(0, "a");
  ev.set(1, "b");
  const sema::Expr fa = glob("F", "a");
  const sema::Expr gb = glob("G", "b");
  const sema::Expr gx = glob("G", "x");
  CHECK(evaluate(node(K::kTrue), ev, kSlots));
  CHECK_FALSE(evaluate(node(K::kFalse), ev, kSlots));
  CHECK(evaluate(node(K::kAnd, {fa, gb}), ev, kSlots));
  CHECK_FALSE(evaluate(node(K::kAnd, {fa, gx}), ev, kSlots));
  CHECK(evaluate(node(K::kOr, {gx, fa}), ev, kSlots));
  CHECK_FALSE(evaluate(node(K::kOr, {gx, not_(fa)}), ev, kSlots));
  CHECK(evaluate(node(K::kAnd, {fa, not_(gx)}), ev, kSlots));
  CHECK(evaluate(not_(not_(fa)), ev, kSlots));
  CHECK_FALSE(evaluate(not_(node(K::kTrue)), ev, kSlots));
  CHECK(evaluate(not_(node(K::kFalse)), ev, kSlots));
  // Identities: empty and = true, empty or = false.
  CHECK(evaluate(node(K::kAnd), ev, kSlots));
  CHECK_FALSE(evaluate(node(K::kOr), ev, kSlots));
  // Nesting: (F=a and (G=x or G=b)) and not (F=b or false)
  const sema::Expr nested = node(
      K::kAnd, {fa, node(K::kOr, {gx, gb}), not_(node(K::kOr, {glob("F", "b"), node(K::kFalse)}))});
  CHECK(evaluate(nested, ev, kSlots));
  sema::CheckedRule rule;
  rule.root = nested;
  CHECK(evaluate(rule, ev, kSlots));
  ev.set(1, "x");
  CHECK(evaluate(rule, ev, kSlots));
  ev.set(0, "b");
  CHECK_FALSE(evaluate(rule, ev, kSlots));
}

TEST_CASE("collect_fields lists each field once, keywords excluded") {
  using K = sema::ExprKind;
  const sema::Expr e =
      node(K::kAnd, {glob("Image", "*"), node(K::kOr, {glob("", "kw"), is_null("CommandLine")}),
                     not_(exists("Image")), hex("Flags", "0x1")});
  std::vector<std::string> fields;
  sigmatch::reference::collect_fields(e, fields);
  CHECK(fields == std::vector<std::string>{"Image", "CommandLine", "Flags"});
  sigmatch::reference::collect_fields(glob("Flags", "x"), fields);
  CHECK(fields.size() == 3);
}
