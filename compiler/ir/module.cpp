// module.cpp — hash-consing of predicates and nodes (see ir.hpp).
#include "compiler/ir/ir.hpp"

namespace sigmatch::ir {

PredId Module::pred(const Pred& p) {
  auto [it, fresh] = pred_ids_.emplace(p, static_cast<PredId>(preds_.size()));
  if (fresh) preds_.push_back(p);
  return it->second;
}

NodeId Module::node(const Node& n) {
  auto [it, fresh] = node_ids_.emplace(n, static_cast<NodeId>(nodes_.size()));
  if (fresh) nodes_.push_back(n);
  return it->second;
}

}  // namespace sigmatch::ir
