// printer.cpp — stable text dump of an IR module (--emit=ir, golden tests): the predicate
// table, then each rule's expression with shared subtrees printed inline.
#include "compiler/ir/ir.hpp"

namespace sigmatch::ir {
namespace {

std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

void print_node(const Module& m, NodeId id, std::string& out) {
  const Node& n = m.node_at(id);
  switch (n.kind) {
    case NodeKind::kTrue: out += "true"; return;
    case NodeKind::kFalse: out += "false"; return;
    case NodeKind::kPred: out += "p" + std::to_string(n.pred); return;
    case NodeKind::kAnd: out += "(and"; break;
    case NodeKind::kOr: out += "(or"; break;
    case NodeKind::kNot: out += "(not"; break;
  }
  for (NodeId k : n.kids) {
    out += " ";
    print_node(m, k, out);
  }
  out += ")";
}

}  // namespace

std::string print(const Module& m) {
  // Every predicate of the module (hash-consed, in creation order), then every rule.
  std::string out;
  for (std::size_t i = 0; i < m.pred_count(); ++i) {
    const Pred& p = m.pred_at(i);
    out += "p" + std::to_string(i) + " = " + std::string(vm::pred_info(p.kind).mnemonic) + " " +
           (p.field.empty() ? std::string("*") : p.field);
    if (vm::pred_info(p.kind).operand != vm::PredOperand::kNone) out += " " + quoted(p.operand);
    if (p.flags) out += " cased";
    if (p.regex_flags) out += " flags=" + std::to_string(p.regex_flags);
    out += "\n";
  }
  for (const Rule& r : m.rules) {
    out += "rule " + r.meta.id + " " + quoted(r.meta.title) + "\n  ";
    print_node(m, r.root, out);
    out += "\n";
  }
  return out;
}

bool verify(const Module& m, std::string* error) {
  for (NodeId id = 0; id < m.node_count(); ++id) {
    const Node& n = m.node_at(id);
    for (NodeId k : n.kids)
      if (k >= id) {
        *error = "node " + std::to_string(id) + " refers to a later node " + std::to_string(k);
        return false;
      }
    bool ok = true;
    switch (n.kind) {
      case NodeKind::kTrue:
      case NodeKind::kFalse: ok = n.kids.empty(); break;
      case NodeKind::kPred: ok = n.kids.empty() && n.pred < m.pred_count(); break;
      case NodeKind::kNot: ok = n.kids.size() == 1; break;
      case NodeKind::kAnd:
      case NodeKind::kOr: ok = !n.kids.empty(); break;
    }
    if (!ok) {
      *error = "node " + std::to_string(id) + " has a bad arity or predicate";
      return false;
    }
  }
  for (const Rule& r : m.rules)
    if (r.root >= m.node_count()) {
      *error = "rule " + r.meta.id + " has no root";
      return false;
    }
  return true;
}

}  // namespace sigmatch::ir
