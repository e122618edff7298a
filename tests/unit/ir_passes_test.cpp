// ir_passes_test.cpp — the IR stage and the optimisation passes on hand-built modules:
// hash-consing shares identical predicates and subtrees, ir::verify rejects malformed
// modules, fold-constants and flatten produce the expected trees, and the lowering picks the
// cheapest predicate kind for each glob shape.
#include <doctest/doctest.h>

#include "compiler/ir/ir.hpp"
#include "compiler/passes/pass.hpp"
#include "compiler/pipeline.hpp"
#include "runtime/bytecode/format.hpp"

using namespace sigmatch;

namespace {

ir::NodeId pred(ir::Module& m, const char* field, const char* lit) {
  ir::Pred p;
  p.field = field;
  p.kind = vm::PredKind::kEq;
  p.operand = lit;
  return m.node(ir::Node{ir::NodeKind::kPred, m.pred(p), {}});
}

std::string rule_text(const ir::Module& m) {
  std::string s = ir::print(m);
  return s.substr(s.find("rule "));
}

}  // namespace

TEST_CASE("hash-consing shares predicates and subtrees") {
  ir::Module m;
  ir::NodeId a1 = pred(m, "F", "a"), a2 = pred(m, "F", "a"), b = pred(m, "G", "b");
  CHECK(a1 == a2);
  CHECK(m.pred_count() == 2);
  CHECK(m.op(ir::NodeKind::kAnd, {a1, b}) == m.op(ir::NodeKind::kAnd, {a2, b}));
  CHECK(m.op(ir::NodeKind::kAnd, {a1, b}) != m.op(ir::NodeKind::kAnd, {b, a1}));  // order kept
}

TEST_CASE("fold-constants and flatten") {
  ir::Module m;
  ir::NodeId a = pred(m, "F", "a"), b = pred(m, "G", "b"), c = pred(m, "H", "c");
  ir::NodeId t = m.constant(true), f = m.constant(false);
  auto rule = [&](ir::NodeId root) {
    m.rules.push_back(ir::Rule{});
    m.rules.back().meta.id = "r" + std::to_string(m.rules.size());
    m.rules.back().root = root;
  };
  rule(m.op(ir::NodeKind::kAnd, {a, t, m.op(ir::NodeKind::kAnd, {b, c})}));      // and(a, b, c)
  rule(m.op(ir::NodeKind::kOr, {a, m.op(ir::NodeKind::kNot, {f})}));              // true
  rule(m.op(ir::NodeKind::kAnd, {a, m.op(ir::NodeKind::kOr, {f, f})}));           // false
  rule(m.op(ir::NodeKind::kNot, {m.op(ir::NodeKind::kNot, {b})}));                // b
  rule(m.op(ir::NodeKind::kOr, {m.op(ir::NodeKind::kOr, {a, b}), a, c}));        // or(a, b, c)
  std::string err;
  REQUIRE(ir::verify(m, &err));
  passes::PassOptions opts;
  REQUIRE(passes::optimize(m, opts, &err));
  CHECK(rule_text(m) ==
        "rule r1 \"\"\n  (and p0 p1 p2)\n"
        "rule r2 \"\"\n  true\n"
        "rule r3 \"\"\n  false\n"
        "rule r4 \"\"\n  p1\n"
        "rule r5 \"\"\n  (or p0 p1 p2)\n");
}

TEST_CASE("ir::verify rejects a rule without a root") {
  ir::Module m;
  m.rules.push_back(ir::Rule{});
  m.rules.back().root = 42;
  std::string err;
  CHECK_FALSE(ir::verify(m, &err));
  CHECK(err.find("no root") != std::string::npos);
}

TEST_CASE("lowering picks eq / prefix / suffix / contains / glob from the pattern shape") {
  diag::DiagSink sink;
  CompileOptions o;
  o.lint = false;
  auto c = compile_sources({{"x.yml", R"(title: t
logsource: {product: linux}
detection:
  sel:
    A: 'Exact'
    B|startswith: 'pre'
    C|endswith: 'suf'
    D|contains: 'mid'
    E: 'a*b?c'
    F|contains: 'x\*y'
  condition: sel
)"}},
                           o, sink);
  REQUIRE_FALSE(sink.has_errors());
  std::string ir = ir::print(c.module);
  CHECK(ir.find("eq A \"exact\"") != std::string::npos);
  CHECK(ir.find("prefix B \"pre\"") != std::string::npos);
  CHECK(ir.find("suffix C \"suf\"") != std::string::npos);
  CHECK(ir.find("contains D \"mid\"") != std::string::npos);
  CHECK(ir.find("glob E \"a*b?c\"") != std::string::npos);
  CHECK(ir.find("contains F \"x*y\"") != std::string::npos);  // escaped star is a literal
}

TEST_CASE("literal-guards: regexes and globs get the literal every match contains") {
  auto guarded = [](vm::PredKind kind, const char* field, const char* operand, std::uint32_t regex_flags = 0,
                    std::uint8_t flags = 0) {
    ir::Module m;
    ir::Pred p;
    p.field = field;
    p.kind = kind;
    p.operand = operand;
    p.regex_flags = regex_flags;
    p.flags = flags;
    m.rules.push_back(ir::Rule{});
    m.rules.back().meta.id = "r";
    m.rules.back().root = m.node(ir::Node{ir::NodeKind::kPred, m.pred(p), {}});
    std::string err;
    passes::PassOptions opts;
    REQUIRE(passes::optimize(m, opts, &err));
    return rule_text(m) + ir::print(m).substr(0, ir::print(m).find("rule "));
  };
  // A case-sensitive regex: guarded by its RE2 atom, lower-cased (the index scans folded text).
  std::string s = guarded(vm::PredKind::kRegex, "CommandLine", "Shutdown\\s+/r");
  CHECK(s.find("(and p1 p0)") != std::string::npos);
  CHECK(s.find("contains CommandLine \"shutdown\"") != std::string::npos);
  // Alternation: one atom per branch, OR-ed.
  s = guarded(vm::PredKind::kRegex, "CommandLine", "(?:ipconfig|whoami)\\s");
  CHECK(s.find("contains CommandLine \"ipconfig") != std::string::npos);  // RE2 expands \\s: one atom per space
  CHECK(s.find("contains CommandLine \"whoami") != std::string::npos);
  CHECK(s.find("(or ") != std::string::npos);
  // No guard where folding differs from RE2's case-insensitive matching, or nothing is required.
  CHECK(guarded(vm::PredKind::kRegex, "F", "shutdown", bytecode::kRegexCaseInsensitive).find("contains") == std::string::npos);
  CHECK(guarded(vm::PredKind::kRegex, "F", "(?i)shutdown").find("contains") == std::string::npos);
  CHECK(guarded(vm::PredKind::kRegex, "F", "(?si)shutdown").find("contains") == std::string::npos);
  CHECK(guarded(vm::PredKind::kRegex, "F", "(?s-m:x)shutdown(?mi:y)").find("contains") == std::string::npos);
  CHECK(guarded(vm::PredKind::kRegex, "F", "(?P<name>shutdown)").find("contains") != std::string::npos);
  CHECK(guarded(vm::PredKind::kRegex, "F", "a|bcdef").find("contains") == std::string::npos);  // 'a' is too short
  CHECK(guarded(vm::PredKind::kRegex, "F", ".*").find("contains") == std::string::npos);
  // Globs: the longest literal run, escapes resolved; keyword globs get a keyword guard.
  s = guarded(vm::PredKind::kGlob, "F", "*ab*c\\*def?g*");
  CHECK(s.find("contains F \"c*def\"") != std::string::npos);
  s = guarded(vm::PredKind::kKwGlob, "", "*mimi*katz*");
  CHECK(s.find("kw_contains * \"mimi\"") != std::string::npos);
  CHECK(guarded(vm::PredKind::kGlob, "F", "*ab*cd*").find("contains") == std::string::npos);  // runs < 3
  CHECK(guarded(vm::PredKind::kGlob, "F", "*abcdef*", 0, bytecode::kPredCased).find("contains") == std::string::npos);
}
