// lower.cpp — CheckedRule -> IR. Chooses the cheapest predicate kind for each value test: a
// glob without inner wildcards becomes eq/prefix/suffix/contains on the case-folded literal;
// keyword tests become kw_contains/kw_glob. Tested by tests/unit/ir_test.cpp and goldens.
#include "compiler/ir/ir.hpp"
#include "runtime/bytecode/format.hpp"
#include "runtime/vm/text.hpp"

namespace sigmatch::ir {
namespace {

using vm::PredKind;

// Splits a glob into (leading star, literal middle, trailing star) if the middle has no
// wildcards; returns false otherwise.
bool simple_glob(const std::string& g, bool* lead, bool* trail, std::string* mid) {
  std::string_view v = g;
  *lead = !v.empty() && v.front() == '*';
  if (*lead) v.remove_prefix(1);
  *trail = false;
  if (!v.empty() && v.back() == '*') {
    std::size_t n = 0;
    for (std::size_t i = v.size() - 1; i > 0 && v[i - 1] == '\\'; --i) ++n;
    if (n % 2 == 0) {
      *trail = true;
      v.remove_suffix(1);
    }
  }
  auto lit = text::glob_literal(v);
  if (!lit) return false;
  *mid = std::move(*lit);
  return true;
}

Pred lower_test(const sema::Test& t) {
  Pred p;
  p.field = t.field;
  switch (t.kind) {
    case sema::TestKind::kIsNull: p.kind = PredKind::kIsNull; return p;
    case sema::TestKind::kExists: p.kind = PredKind::kExists; return p;
    case sema::TestKind::kHexEq: p.kind = PredKind::kHexEq; p.operand = t.pattern; return p;
    case sema::TestKind::kRegex:
      p.kind = PredKind::kRegex;
      p.operand = t.pattern;
      p.regex_flags = t.regex_flags;
      return p;
    case sema::TestKind::kCidr: p.kind = PredKind::kCidr; p.operand = t.pattern; return p;
    case sema::TestKind::kNumCmp: {
      static const PredKind kCmp[] = {PredKind::kGt, PredKind::kGte, PredKind::kLt, PredKind::kLte};
      p.kind = kCmp[t.op & 3];
      p.operand = t.pattern;
      return p;
    }
    case sema::TestKind::kFieldRef: {
      static const PredKind kRef[] = {PredKind::kFieldEq, PredKind::kFieldContains,
                                      PredKind::kFieldPrefix, PredKind::kFieldSuffix};
      p.kind = kRef[t.op & 3];
      p.operand = t.pattern;  // the other field's name; codegen turns it into a field index
      if (t.cased) p.flags |= bytecode::kPredCased;
      return p;
    }
    case sema::TestKind::kGlob: break;
  }
  if (t.cased) p.flags |= bytecode::kPredCased;
  std::string g = t.cased ? t.pattern : text::fold_case(t.pattern);
  bool lead = false, trail = false;
  std::string mid;
  bool keyword = t.field.empty();
  if (simple_glob(g, &lead, &trail, &mid) && !(lead && trail && mid.empty())) {
    if (keyword) {
      if (lead && trail) {
        p.kind = PredKind::kKwContains;
        p.operand = mid;
        return p;
      }
    } else {
      p.kind = lead && trail ? PredKind::kContains
               : lead        ? PredKind::kSuffix
               : trail       ? PredKind::kPrefix
                             : PredKind::kEq;
      p.operand = mid;
      return p;
    }
  }
  p.kind = keyword ? PredKind::kKwGlob : PredKind::kGlob;
  p.operand = g;
  return p;
}

NodeId lower_expr(Module& m, const sema::Expr& e) {
  switch (e.kind) {
    case sema::ExprKind::kTrue: return m.constant(true);
    case sema::ExprKind::kFalse: return m.constant(false);
    case sema::ExprKind::kTest: return m.node(Node{NodeKind::kPred, m.pred(lower_test(e.test)), {}});
    default: break;
  }
  std::vector<NodeId> kids;
  for (const sema::Expr& c : e.children) kids.push_back(lower_expr(m, c));
  NodeKind k = e.kind == sema::ExprKind::kAnd  ? NodeKind::kAnd
               : e.kind == sema::ExprKind::kOr ? NodeKind::kOr
                                               : NodeKind::kNot;
  return m.op(k, std::move(kids));
}

}  // namespace

Module lower(const std::vector<sema::CheckedRule>& rules) {
  Module m;
  for (const sema::CheckedRule& r : rules) m.rules.push_back(Rule{r.meta, lower_expr(m, r.root)});
  return m;
}

}  // namespace sigmatch::ir
