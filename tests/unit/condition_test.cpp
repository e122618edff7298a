// condition_test.cpp — unit tests for compiler/condition (grammar.hpp, parse.cpp): printed trees,
// node offsets, and exact error offsets/messages for the Sigma condition language
// (docs/sigma-semantics.md §4).
#include <doctest/doctest.h>

#include <string>

#include "compiler/condition/cond_ast.hpp"

namespace {

using sigmatch::condition::CondExpr;
using sigmatch::condition::CondKind;
using sigmatch::condition::ParseError;

// Parses and prints; a failed parse yields "error@<offset>: <message>" so one CHECK covers both.
std::string p(const std::string& text) {
  CondExpr e;
  ParseError err;
  if (!sigmatch::condition::parse(text, &e, &err)) {
    return "error@" + std::to_string(err.offset) + ": " + err.message;
  }
  return sigmatch::condition::print(e);
}

ParseError error_of(const std::string& text) {
  CondExpr e;
  ParseError err;
  const bool ok = sigmatch::condition::parse(text, &e, &err);
  CHECK_FALSE(ok);
  return err;
}

constexpr const char* kPrimary = "expected an identifier, '(', 'not', '1 of', 'any of' or 'all of'";

}  // namespace

TEST_CASE("single identifiers and identifier charset") {
  CHECK(p("selection") == "(ref selection)");
  CHECK(p("sel-1 and sel_2") == "(and (ref sel-1) (ref sel_2))");
  CHECK(p("2") == "(ref 2)");
  CHECK(p("10") == "(ref 10)");
  CHECK(p("  \t selection \n") == "(ref selection)");
}

TEST_CASE("precedence and associativity") {
  CHECK(p("a or b and c") == "(or (ref a) (and (ref b) (ref c)))");
  CHECK(p("a and b or c") == "(or (and (ref a) (ref b)) (ref c))");
  CHECK(p("not a and b") == "(and (not (ref a)) (ref b))");
  CHECK(p("not a or not b") == "(or (not (ref a)) (not (ref b)))");
  CHECK(p("a and b and c and d") == "(and (ref a) (ref b) (ref c) (ref d))");
  CHECK(p("a or b or c") == "(or (ref a) (ref b) (ref c))");
  CHECK(p("a and b or c and d or e") == "(or (and (ref a) (ref b)) (and (ref c) (ref d)) (ref e))");
  CHECK(p("not 1 of filter_*") == "(not (one-of filter_*))");
  CHECK(p("sel and not 1 of filter_* and all of them") ==
        "(and (ref sel) (not (one-of filter_*)) (all-of them))");
}

TEST_CASE("stacked not") {
  CHECK(p("not not a") == "(not (not (ref a)))");
  CHECK(p("not not not a and b") == "(and (not (not (not (ref a)))) (ref b))");
  CHECK(p("not(a)") == "(not (ref a))");
}

TEST_CASE("parentheses") {
  CHECK(p("(a or b) and c") == "(and (or (ref a) (ref b)) (ref c))");
  CHECK(p("((a))") == "(ref a)");
  CHECK(p("( a )") == "(ref a)");
  CHECK(p("not (a or b)") == "(not (or (ref a) (ref b)))");
  // Parenthesised sub-chains stay separate nodes (only syntactic chains are flattened).
  CHECK(p("(a and b) and c") == "(and (and (ref a) (ref b)) (ref c))");
  CHECK(p("a and (b and c)") == "(and (ref a) (and (ref b) (ref c)))");
  CHECK(p("sel and (1 of filter_* or not all of x_*)") ==
        "(and (ref sel) (or (one-of filter_*) (not (all-of x_*))))");
}

TEST_CASE("x of selectors") {
  CHECK(p("1 of sel*") == "(one-of sel*)");
  CHECK(p("any of them") == "(one-of them)");
  CHECK(p("1 of them") == "(one-of them)");
  CHECK(p("all of them") == "(all-of them)");
  CHECK(p("all of filter_*") == "(all-of filter_*)");
  CHECK(p("1 of *") == "(one-of *)");
  CHECK(p("1 of selection") == "(one-of selection)");  // legal without '*' (§4.2(c))
  // The parser keeps '_' patterns as written; the '_' exclusion rule is sema's job.
  CHECK(p("1 of _sel*") == "(one-of _sel*)");
  CHECK(p("all of _*") == "(all-of _*)");
  // `them*` is a pattern, not the keyword.
  CHECK(p("1 of them*") == "(one-of them*)");
  CHECK(p("1    of\tsel*") == "(one-of sel*)");
}

TEST_CASE("keywords are word-bounded") {
  CHECK(p("notepad") == "(ref notepad)");
  CHECK(p("sel and notepad") == "(and (ref sel) (ref notepad))");
  CHECK(p("andy or orange") == "(or (ref andy) (ref orange))");
  CHECK(p("not_a and of_b") == "(and (ref not_a) (ref of_b))");
  CHECK(p("all_sel or any1 or them_x or 1x") ==
        "(or (ref all_sel) (ref any1) (ref them_x) (ref 1x))");
  CHECK(p("not-x") == "(ref not-x)");
}

TEST_CASE("multi-line condition text") {
  CHECK(p("selection\n  and not\n\t1 of filter_*\r\n") ==
        "(and (ref selection) (not (one-of filter_*)))");
  CHECK(p("(\n\ta\n\tor\n\tb\n)") == "(or (ref a) (ref b))");
}

TEST_CASE("node offsets and lengths") {
  CondExpr e;
  ParseError err;
  REQUIRE(sigmatch::condition::parse("sel and not 1 of filter_* and all of them", &e, &err));
  CHECK(e.kind == CondKind::kAnd);
  CHECK(e.offset == 4);  // first 'and'
  CHECK(e.length == 3);
  REQUIRE(e.children.size() == 3);
  CHECK(e.children[0].kind == CondKind::kRef);
  CHECK(e.children[0].name == "sel");
  CHECK(e.children[0].offset == 0);
  CHECK(e.children[0].length == 3);
  const CondExpr& n = e.children[1];
  CHECK(n.kind == CondKind::kNot);
  CHECK(n.offset == 8);
  CHECK(n.length == 3);
  REQUIRE(n.children.size() == 1);
  CHECK(n.children[0].kind == CondKind::kOneOf);
  CHECK(n.children[0].name == "filter_*");
  CHECK_FALSE(n.children[0].them);
  CHECK(n.children[0].offset == 17);
  CHECK(n.children[0].length == 8);
  const CondExpr& all = e.children[2];
  CHECK(all.kind == CondKind::kAllOf);
  CHECK(all.them);
  CHECK(all.name.empty());
  CHECK(all.offset == 37);
  CHECK(all.length == 4);

  REQUIRE(sigmatch::condition::parse("(a) or\nb", &e, &err));
  CHECK(e.kind == CondKind::kOr);
  CHECK(e.offset == 4);
  CHECK(e.length == 2);
  CHECK(e.children[1].offset == 7);
}

TEST_CASE("uppercase operators are rejected with a hint") {
  CHECK(p("sel AND filter") == "error@4: operators are lowercase: use 'and'");
  CHECK(p("sel Or filter") == "error@4: operators are lowercase: use 'or'");
  CHECK(p("NOT sel") == "error@0: operators are lowercase: use 'not'");
  CHECK(p("sel and NOT filter") == "error@8: operators are lowercase: use 'not'");
  CHECK(p("(a AND b)") == "error@3: operators are lowercase: use 'and'");
  CHECK(p("ALL of them") == "error@0: keywords are lowercase: use 'all'");
  CHECK(p("1 OF sel*") == "error@2: keywords are lowercase: use 'of'");
  CHECK(p("all of THEM") == "error@7: keywords are lowercase: use 'them'");
  // The brief's exact wording, checked field by field.
  const ParseError e = error_of("selection\n\tAND not filter");
  CHECK(e.offset == 11);
  CHECK(e.message == "operators are lowercase: use 'and'");
}

TEST_CASE("unsupported quantifiers and patterns") {
  CHECK(p("2 of x") == "error@0: only '1 of', 'any of' and 'all of' are supported");
  CHECK(p("sel and 10 of x*") == "error@8: only '1 of', 'any of' and 'all of' are supported");
  CHECK(p("1 of sel-*") ==
        "error@8: '-' is not allowed in an 'x of' pattern (pattern characters are A-Z a-z 0-9 _ "
        "*)");
  CHECK(p("1 of (a)") == "error@5: expected 'them' or a name pattern after 'of', found '('");
  CHECK(p("all of") ==
        "error@6: expected 'them' or a name pattern after 'of', found end of "
        "condition");
  CHECK(p("sel*") ==
        "error@0: wildcard name 'sel*' must be used as '1 of', 'any of' or 'all of' "
        "pattern");
}

TEST_CASE("keywords cannot be identifiers") {
  CHECK(p("all") == "error@3: expected 'of' after 'all', found end of condition");
  CHECK(p("any sel*") == "error@4: expected 'of' after 'any', found 'sel*'");
  CHECK(p("1") == "error@1: expected 'of' after '1', found end of condition");
  CHECK(p("them") == "error@0: 'them' can only follow '1 of', 'any of' or 'all of'");
  CHECK(p("sel and them") == "error@8: 'them' can only follow '1 of', 'any of' or 'all of'");
  CHECK(p("of sel") == "error@0: 'of' must follow '1', 'any' or 'all'");
  CHECK(p("and") == std::string("error@0: ") + kPrimary + ", found 'and'");
  CHECK(p("a or or b") == std::string("error@5: ") + kPrimary + ", found 'or'");
}

TEST_CASE("pipe aggregations are rejected at the pipe") {
  const std::string msg =
      "pipe aggregations are not supported (deprecated since Sigma 2.0; use correlation rules)";
  CHECK(p("sel | count() > 5") == "error@4: " + msg);
  CHECK(p("selection | count(Image) by host > 10") == "error@10: " + msg);
  CHECK(p("|") == "error@0: " + msg);
}

TEST_CASE("structural errors have exact offsets") {
  CHECK(p("") == "error@0: condition is empty");
  CHECK(p(" \n\t ") == "error@0: condition is empty");
  CHECK(p("(a") == "error@2: unbalanced '(' at offset 0: expected ')' before end of condition");
  CHECK(p("x and ((a) ") ==
        "error@11: unbalanced '(' at offset 6: expected ')' before end of condition");
  CHECK(p("a)") == "error@1: unbalanced ')': no matching '('");
  CHECK(p("(a))") == "error@3: unbalanced ')': no matching '('");
  CHECK(p("a b") == "error@2: expected 'and', 'or' or end of condition, found 'b'");
  CHECK(p("(a b)") == "error@3: expected 'and', 'or' or ')', found 'b'");
  CHECK(p("a not b") == "error@2: expected 'and', 'or' or end of condition, found 'not'");
  CHECK(p("sel and") == std::string("error@7: ") + kPrimary + ", found end of condition");
  CHECK(p("not") == std::string("error@3: ") + kPrimary + ", found end of condition");
  CHECK(p("()") == std::string("error@1: ") + kPrimary + ", found ')'");
  CHECK(p("sel and $x") == std::string("error@8: ") + kPrimary + ", found '$'");
  CHECK(p("sel.exe") == "error@3: expected 'and', 'or' or end of condition, found '.'");
  CHECK(p(std::string("a\0b", 3)) ==
        "error@1: expected 'and', 'or' or end of condition, found byte 0x00");
}

TEST_CASE("nesting depth limit") {
  std::string ok_parens = std::string(64, '(') + "a" + std::string(64, ')');
  CHECK(p(ok_parens) == "(ref a)");
  std::string too_deep = std::string(65, '(') + "a" + std::string(65, ')');
  CHECK(p(too_deep) == "error@64: condition nests deeper than 64 levels");

  std::string nots;
  for (int i = 0; i < 64; ++i) nots += "not ";
  CHECK(p(nots + "a").rfind("(not (not ", 0) == 0);
  CHECK(p(nots + "not a") == "error@256: condition nests deeper than 64 levels");
  // Mixed: 32 parens + 33 nots = 65 levels.
  std::string mixed;
  for (int i = 0; i < 32; ++i) mixed += "(not ";
  CHECK(p(mixed + "not a") == "error@160: condition nests deeper than 64 levels");

  // 10,000 levels must fail fast instead of overflowing the stack.
  CHECK(p(std::string(10000, '(')) == "error@64: condition nests deeper than 64 levels");
  std::string many_nots;
  for (int i = 0; i < 10000; ++i) many_nots += "not ";
  CHECK(p(many_nots + "a") == "error@256: condition nests deeper than 64 levels");

  // Long flat chains are iterative, not recursive, and are not limited.
  std::string chain = "a0";
  for (int i = 1; i < 5000; ++i) chain += " and a" + std::to_string(i);
  CondExpr e;
  ParseError err;
  REQUIRE(sigmatch::condition::parse(chain, &e, &err));
  CHECK(e.kind == CondKind::kAnd);
  CHECK(e.children.size() == 5000);
}

TEST_CASE("parse tolerates null out/err pointers") {
  CHECK(sigmatch::condition::parse("a and b", nullptr, nullptr));
  CHECK_FALSE(sigmatch::condition::parse("a and", nullptr, nullptr));
}
