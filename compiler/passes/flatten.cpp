// flatten.cpp — and(and(a,b),c) -> and(a,b,c), likewise for or; keeps child order and drops
// duplicates. Tested by tests/unit/passes_test.cpp.
#include <algorithm>
#include <unordered_map>

#include "compiler/passes/pass.hpp"

namespace sigmatch::passes {
namespace {

ir::NodeId flat(ir::Module& m, ir::NodeId id, std::unordered_map<ir::NodeId, ir::NodeId>& memo) {
  if (auto it = memo.find(id); it != memo.end()) return it->second;
  ir::Node n = m.node_at(id);
  ir::NodeId result = id;
  if (n.kind == ir::NodeKind::kNot) {
    result = m.op(ir::NodeKind::kNot, {flat(m, n.kids[0], memo)});
  } else if (n.kind == ir::NodeKind::kAnd || n.kind == ir::NodeKind::kOr) {
    std::vector<ir::NodeId> kids;
    for (ir::NodeId c : n.kids) {
      ir::NodeId f = flat(m, c, memo);
      const ir::Node& fn = m.node_at(f);
      std::vector<ir::NodeId> add = fn.kind == n.kind ? fn.kids : std::vector<ir::NodeId>{f};
      for (ir::NodeId a : add)
        if (std::find(kids.begin(), kids.end(), a) == kids.end()) kids.push_back(a);
    }
    result = kids.size() == 1 ? kids[0] : m.op(n.kind, std::move(kids));
  }
  memo[id] = result;
  return result;
}

}  // namespace

bool flatten(ir::Module& m) { return rewrite_roots(m, flat); }

}  // namespace sigmatch::passes
