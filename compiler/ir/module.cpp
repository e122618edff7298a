// module.cpp — hash-consing of predicates and nodes (see ir.hpp).
#include <functional>

#include "compiler/ir/ir.hpp"

namespace sigmatch::ir {
namespace {

std::size_t mix(std::size_t h, std::size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

}  // namespace

std::size_t Module::PredHash::operator()(const Pred& p) const {
  std::size_t h = std::hash<std::string>()(p.field);
  h = mix(h, std::hash<std::string>()(p.operand));
  h = mix(h, static_cast<std::size_t>(p.kind) | (std::size_t{p.flags} << 8) |
                 (static_cast<std::size_t>(p.regex_flags) << 16));
  return h;
}

std::size_t Module::NodeHash::operator()(const Node& n) const {
  std::size_t h = static_cast<std::size_t>(n.kind) | (static_cast<std::size_t>(n.pred) << 8);
  for (NodeId k : n.kids) h = mix(h, k);
  return h;
}

// try_emplace copies the key only when it is new (emplace would build a table entry first).
PredId Module::pred(const Pred& p) {
  auto [it, fresh] = pred_ids_.try_emplace(p, static_cast<PredId>(preds_.size()));
  if (fresh) preds_.push_back(p);
  return it->second;
}

NodeId Module::node(const Node& n) {
  auto [it, fresh] = node_ids_.try_emplace(n, static_cast<NodeId>(nodes_.size()));
  if (fresh) nodes_.push_back(n);
  return it->second;
}

}  // namespace sigmatch::ir
