// ir.hpp — the boolean IR: a hash-consed DAG of nodes (And/Or/Not/True/False/Pred) shared by
// all rules of a module, and a hash-consed predicate table (field, predicate kind, operand).
// Identical predicates and subtrees across rules get one id, so the VM memoises them once per
// record. Built by ir::lower, rewritten by passes/, consumed by codegen::emit.
// Tested by tests/unit/ir_test.cpp and the golden files (--emit=ir).
#pragma once
#include <cstdint>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "compiler/sema/checked_rule.hpp"
#include "runtime/vm/pred_kinds.hpp"

namespace sigmatch::ir {

using NodeId = std::uint32_t;
using PredId = std::uint32_t;

struct Pred {
  std::string field;  // empty: keyword predicate (all values)
  vm::PredKind kind{};
  std::uint8_t flags = 0;        // bytecode::kPredCased
  std::string operand;           // literal / glob (folded unless cased) / regex / hex
  std::uint32_t regex_flags = 0;
  auto key() const { return std::tie(field, kind, flags, operand, regex_flags); }
  bool operator<(const Pred& o) const { return key() < o.key(); }
  bool operator==(const Pred& o) const { return key() == o.key(); }
};

enum class NodeKind : std::uint8_t { kTrue, kFalse, kPred, kAnd, kOr, kNot };

struct Node {
  NodeKind kind = NodeKind::kTrue;
  PredId pred = 0;
  std::vector<NodeId> kids;
  auto key() const { return std::tie(kind, pred, kids); }
  bool operator<(const Node& o) const { return key() < o.key(); }
  bool operator==(const Node& o) const { return key() == o.key(); }
};

struct Rule {
  sema::RuleMeta meta;
  NodeId root = 0;
};

class Module {
 public:
  PredId pred(const Pred& p);
  NodeId node(const Node& n);
  NodeId constant(bool v) { return node(Node{v ? NodeKind::kTrue : NodeKind::kFalse, 0, {}}); }
  NodeId op(NodeKind k, std::vector<NodeId> kids) { return node(Node{k, 0, std::move(kids)}); }

  const Pred& pred_at(PredId id) const { return preds_[id]; }
  const Node& node_at(NodeId id) const { return nodes_[id]; }
  std::size_t pred_count() const { return preds_.size(); }
  std::size_t node_count() const { return nodes_.size(); }

  std::vector<Rule> rules;

 private:
  // Hash tables, not ordered maps: ids are handed out in insertion order either way, and
  // hash-consing every predicate and node of a corpus through string/vector comparisons in a
  // tree was a visible part of lowering and the passes.
  struct PredHash {
    std::size_t operator()(const Pred& p) const;
  };
  struct NodeHash {
    std::size_t operator()(const Node& n) const;
  };
  std::vector<Pred> preds_;
  std::unordered_map<Pred, PredId, PredHash> pred_ids_;
  std::vector<Node> nodes_;
  std::unordered_map<Node, NodeId, NodeHash> node_ids_;
};

Module lower(const std::vector<sema::CheckedRule>& rules);
std::string print(const Module& m);
// IR invariants: ids in range, kids of a node created before it (acyclic), arity rules.
bool verify(const Module& m, std::string* error);

}  // namespace sigmatch::ir
