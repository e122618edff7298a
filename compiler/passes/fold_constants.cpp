// fold_constants.cpp — true/false propagation: and(.., false, ..) = false, or(.., true, ..) =
// true, true/false children dropped from and/or, not(true) = false, not(not(x)) = x,
// single-child and/or collapsed, duplicate children removed. Tested by
// tests/unit/passes_test.cpp.
#include <algorithm>
#include <unordered_map>

#include "compiler/passes/pass.hpp"

namespace sigmatch::passes {
namespace {

ir::NodeId fold(ir::Module& m, ir::NodeId id, std::unordered_map<ir::NodeId, ir::NodeId>& memo) {
  if (auto it = memo.find(id); it != memo.end()) return it->second;
  ir::Node n = m.node_at(id);  // copy: node() may grow the table
  ir::NodeId result = id;
  using K = ir::NodeKind;
  if (n.kind == K::kNot) {
    ir::NodeId k = fold(m, n.kids[0], memo);
    const ir::Node& kn = m.node_at(k);
    if (kn.kind == K::kTrue) result = m.constant(false);
    else if (kn.kind == K::kFalse) result = m.constant(true);
    else if (kn.kind == K::kNot) result = kn.kids[0];
    else result = m.op(K::kNot, {k});
  } else if (n.kind == K::kAnd || n.kind == K::kOr) {
    bool is_and = n.kind == K::kAnd;
    K absorbing = is_and ? K::kFalse : K::kTrue;
    K identity = is_and ? K::kTrue : K::kFalse;
    std::vector<ir::NodeId> kids;
    bool absorbed = false;
    for (ir::NodeId c : n.kids) {
      ir::NodeId f = fold(m, c, memo);
      K fk = m.node_at(f).kind;
      if (fk == absorbing) {
        absorbed = true;
        break;
      }
      if (fk == identity) continue;
      if (std::find(kids.begin(), kids.end(), f) == kids.end()) kids.push_back(f);
    }
    if (absorbed) result = m.constant(!is_and);
    else if (kids.empty()) result = m.constant(is_and);
    else if (kids.size() == 1) result = kids[0];
    else result = m.op(n.kind, std::move(kids));
  }
  memo[id] = result;
  return result;
}

}  // namespace

bool fold_constants(ir::Module& m) { return rewrite_roots(m, fold); }

}  // namespace sigmatch::passes
