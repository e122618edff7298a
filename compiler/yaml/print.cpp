// print.cpp — deterministic text tree of a RuleDoc with its parsed conditions (`explain
// --emit=ast`, tests/golden/*.ast). Everything the later stages read from the document is
// shown as written, in file order, with its line:col: metadata that names the rule, the
// logsource, each selection's maps and lists, each field name with its modifiers, each value
// with its YAML type (so that 4692 and '4692' differ), and each condition with its parse.
// Tested by tests/unit/golden_test.cpp.
#include <string>

#include "compiler/condition/cond_ast.hpp"
#include "compiler/yaml/rule_doc.hpp"

namespace sigmatch::yaml {
namespace {

// Line 0 is "unknown" (a node without a mark). Nodes of merged legacy `action` collections
// carry yaml-cpp's reset mark and print as @1:1.
std::string at(Pos p) {
  if (p.line == 0) return " @?";
  return " @" + std::to_string(p.line) + ":" + std::to_string(p.col);
}

void indent(std::string& out, int depth) { out.append(static_cast<std::size_t>(depth) * 2, ' '); }

// A value as YAML typed it: `int 5059`, `string "TB_" quoted`, `null`.
std::string scalar_text(const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::kNull: return "null";
    case Scalar::Kind::kBool: return "bool " + s.text;
    case Scalar::Kind::kInt: return "int " + s.text;
    case Scalar::Kind::kFloat: return "float " + s.text;
    case Scalar::Kind::kString:
      return "string " + diag::json_str(s.text) + (s.quoted ? " quoted" : "");
  }
  return "?";
}

// Unquoted text (names, modifiers) as it is, but with control bytes as \xNN: a rule file's
// bytes must not reach the terminal raw (the same rule as diagnostics).
std::string plain(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A map key is a field name and its modifiers, `Field|mod|mod` (a keyword list has none).
std::string field_text(const std::string& key) {
  const std::size_t bar = key.find('|');
  std::string out = "field " + diag::json_str(key.substr(0, bar));
  if (bar != std::string::npos) out += " " + plain(key.substr(bar));
  return out;
}

void print_node(const Node& n, int depth, std::string& out) {
  indent(out, depth);
  switch (n.kind) {
    case Node::Kind::kScalar:
      out += scalar_text(n.scalar) + at(n.scalar.pos) + "\n";
      return;
    case Node::Kind::kSeq:
      out += "list (" + std::to_string(n.items.size()) + ")" + at(n.pos) + "\n";
      for (const Node& item : n.items) print_node(item, depth + 1, out);
      return;
    case Node::Kind::kMap:
      out += "map (" + std::to_string(n.entries.size()) + ")" + at(n.pos) + "\n";
      for (const MapEntry& e : n.entries) {
        indent(out, depth + 1);
        out += field_text(e.first.text) + at(e.first.pos) + "\n";
        print_node(e.second, depth + 2, out);
      }
      return;
  }
}

void print_meta(const char* name, const Scalar& s, std::string& out) {
  if (s.pos.line == 0) return;  // absent
  out += "  " + std::string(name) + " " + diag::json_str(s.text) + at(s.pos) + "\n";
}

void print_selection(const Scalar& name, const Node& node, std::string& out) {
  out += "    selection " + plain(name.text) + at(name.pos) + "\n";
  print_node(node, 3, out);
}

void print_condition(const Scalar& c, std::string& out) {
  out += "    condition " + diag::json_str(c.text) + at(c.pos) + "\n";
  condition::CondExpr expr;
  condition::ParseError err;
  if (condition::parse(c.text, &expr, &err))
    out += "      parsed " + condition::print(expr) + "\n";
  else
    out += "      parse error at offset " + std::to_string(err.offset) + ": " + err.message + "\n";
}

}  // namespace

std::string print(const RuleDoc& d) {
  static const char* const kKinds[] = {"rule", "correlation", "filter"};
  std::string out = "doc " + d.file + "#" + std::to_string(d.doc_index) + " " +
                    kKinds[static_cast<int>(d.kind)] + at(d.pos) + "\n";
  print_meta("title", d.title, out);
  print_meta("id", d.id, out);
  print_meta("level", d.level, out);
  if (!d.logsource.empty()) {
    out += "  logsource" + at(d.logsource_pos) + "\n";
    for (const auto& [k, v] : d.logsource)
      out += "    " + plain(k.text) + " " + scalar_text(v) + at(v.pos) + "\n";
  }
  if (!d.selections.empty() || !d.conditions.empty())
    out += "  detection" + at(d.detection_pos) + "\n";
  for (const auto& [name, node] : d.selections) print_selection(name, node, out);
  for (const Scalar& c : d.conditions) print_condition(c, out);
  // A filter keeps its `filter:` mapping as written: `rules`, selections and `condition`, the
  // same parts as a detection, shown the same way.
  if (d.kind == DocKind::kFilter && d.filter.kind == Node::Kind::kMap) {
    out += "  filter" + at(d.filter.pos) + "\n";
    for (const MapEntry& e : d.filter.entries) {
      if (e.first.text == "rules") {
        out += "    rules" + at(e.first.pos) + "\n";
        print_node(e.second, 3, out);
      } else if (e.first.text == "condition" && e.second.kind == Node::Kind::kScalar) {
        print_condition(e.second.scalar, out);
      } else if (e.first.text == "condition" && e.second.kind == Node::Kind::kSeq) {
        for (const Node& c : e.second.items)
          if (c.kind == Node::Kind::kScalar) print_condition(c.scalar, out);
      } else {
        print_selection(e.first, e.second, out);
      }
    }
  }
  return out;
}

}  // namespace sigmatch::yaml
