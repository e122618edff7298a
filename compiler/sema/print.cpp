// print.cpp — deterministic text form of CheckedRule (--emit=checked, sema tests).
#include "compiler/sema/checked_rule.hpp"

namespace sigmatch::sema {
namespace {

std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

void print_expr(const Expr& e, std::string& out) {
  switch (e.kind) {
    case ExprKind::kTrue: out += "true"; return;
    case ExprKind::kFalse: out += "false"; return;
    case ExprKind::kTest: {
      const Test& t = e.test;
      static const char* kKinds[] = {"glob", "regex", "hex_eq", "is_null", "exists", "cidr", "num_cmp", "fieldref"};
      out += "(";
      out += kKinds[static_cast<int>(t.kind)];
      out += " " + (t.field.empty() ? std::string("*") : t.field);
      if (t.kind != TestKind::kIsNull && t.kind != TestKind::kExists) out += " " + quoted(t.pattern);
      if (t.kind == TestKind::kNumCmp || t.kind == TestKind::kFieldRef) out += " op=" + std::to_string(t.op);
      if (t.cased) out += " cased";
      if (t.regex_flags) out += " flags=" + std::to_string(t.regex_flags);
      out += ")";
      return;
    }
    default: break;
  }
  out += e.kind == ExprKind::kAnd ? "(and" : e.kind == ExprKind::kOr ? "(or" : "(not";
  for (const Expr& c : e.children) {
    out += " ";
    print_expr(c, out);
  }
  out += ")";
}

}  // namespace

std::string print(const Expr& e) {
  std::string out;
  print_expr(e, out);
  return out;
}

std::string print(const CheckedRule& r) {
  return "rule " + r.meta.id + " " + quoted(r.meta.title) + " level=" + r.meta.level + "\n  " +
         print(r.root) + "\n";
}

}  // namespace sigmatch::sema
