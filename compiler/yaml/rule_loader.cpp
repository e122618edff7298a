// rule_loader.cpp — yaml-cpp nodes -> RuleDoc (see rule_doc.hpp). Structural checks only;
// exceptions from yaml-cpp are caught here and turned into Y0001 diagnostics.
// Tested by tests/unit/yaml_test.cpp and tests/diagnostics/.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <regex>
#include <sstream>
#include <set>

#include "compiler/yaml/rule_doc.hpp"
#include "sigmatch/limits.hpp"

namespace sigmatch::yaml {
namespace {

using diag::Code;

Pos pos_of(const YAML::Node& n) {
  YAML::Mark m = n.Mark();
  if (m.line < 0) return {};
  return Pos{static_cast<std::uint32_t>(m.line + 1), static_cast<std::uint32_t>(m.column + 1)};
}

bool is_int(const std::string& s) {
  std::size_t i = (s.size() > 1 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return false;
  // A leading zero (00000429) is not an int in YAML 1.1 (PyYAML, which the Sigma ecosystem
  // uses): it stays a string, and rule authors mean the text.
  if (s[i] == '0' && i + 1 < s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_float(const std::string& s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i + 1 < s.size() && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9') return false;  // 0042
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return std::regex_match(s, kFloat);
}

struct Loader {
  const std::string& file;
  diag::DiagSink& sink;

  diag::SourceLoc loc(Pos p, std::uint32_t len = 1) const { return {file, p.line, p.col, len}; }

  Scalar scalar(const YAML::Node& n) const {
    Scalar s;
    s.pos = pos_of(n);
    if (n.IsNull()) return s;  // plain null, ~ or empty
    s.text = n.Scalar();
    s.quoted = n.Tag() == "!";
    if (s.quoted) {
      s.kind = Scalar::Kind::kString;
    } else if (s.text == "true" || s.text == "True" || s.text == "TRUE" || s.text == "false" ||
               s.text == "False" || s.text == "FALSE") {
      s.kind = Scalar::Kind::kBool;
    } else if (is_int(s.text)) {
      s.kind = Scalar::Kind::kInt;
    } else if (is_float(s.text)) {
      s.kind = Scalar::Kind::kFloat;
    } else {
      s.kind = Scalar::Kind::kString;
    }
    return s;
  }

  bool node(const YAML::Node& n, Node* out, int depth) {
    out->pos = pos_of(n);
    if (depth > static_cast<int>(limits::kMaxYamlDepth)) {
      sink.report(Code::Y0004, loc(out->pos),
                  "detection nests deeper than " + std::to_string(limits::kMaxYamlDepth) + " levels");
      return false;
    }
    if (n.IsScalar() || n.IsNull()) {
      out->kind = Node::Kind::kScalar;
      out->scalar = scalar(n);
      return true;
    }
    if (n.IsSequence()) {
      out->kind = Node::Kind::kSeq;
      for (const auto& item : n) {
        Node child;
        if (!node(item, &child, depth + 1)) return false;
        out->items.push_back(std::move(child));
      }
      return true;
    }
    if (n.IsMap()) {
      out->kind = Node::Kind::kMap;
      std::set<std::string> seen;
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar()) {
          sink.report(Code::Y0004, loc(pos_of(it->first)), "mapping keys must be scalars");
          return false;
        }
        Scalar key = scalar(it->first);
        if (!seen.insert(key.text).second) {
          sink.report(Code::Y0002, loc(key.pos, key.text.size()), "duplicate key '" + key.text + "'");
          return false;
        }
        Node child;
        if (!node(it->second, &child, depth + 1)) return false;
        out->entries.push_back(MapEntry{std::move(key), std::move(child)});
      }
      return true;
    }
    sink.report(Code::Y0004, loc(out->pos), "unsupported YAML node");
    return false;
  }

  // Top-level string metadata: must be a scalar when present.
  bool meta(const Node& v, const Scalar& key, Scalar* out) {
    if (v.kind != Node::Kind::kScalar) {
      sink.report(Code::Y0004, loc(v.pos), "'" + key.text + "' must be a scalar");
      return false;
    }
    *out = v.scalar;
    return true;
  }

  bool document(const YAML::Node& root, std::uint32_t index, RuleDoc* doc) {
    doc->file = file;
    doc->doc_index = index;
    doc->pos = pos_of(root);
    Node top;
    if (!node(root, &top, 0)) return false;
    if (top.kind != Node::Kind::kMap) {
      sink.report(Code::Y0004, loc(top.pos), "a rule document must be a mapping");
      return false;
    }
    const Node* detection = nullptr;
    Pos detection_key_pos;
    bool ok = true;
    for (auto& [key, value] : top.entries) {
      const std::string& k = key.text;
      if (k == "title") ok &= meta(value, key, &doc->title);
      else if (k == "id") ok &= meta(value, key, &doc->id);
      else if (k == "status") ok &= meta(value, key, &doc->status);
      else if (k == "description") ok &= meta(value, key, &doc->description);
      else if (k == "level") ok &= meta(value, key, &doc->level);
      else if (k == "author") ok &= meta(value, key, &doc->author);
      else if (k == "date") ok &= meta(value, key, &doc->date);
      else if (k == "modified") ok &= meta(value, key, &doc->modified);
      else if (k == "tags") {
        if (value.kind == Node::Kind::kSeq) {
          for (auto& t : value.items) {
            if (t.kind != Node::Kind::kScalar) {
              sink.report(Code::Y0004, loc(t.pos), "tags must be scalars");
              ok = false;
            } else {
              doc->tags.push_back(t.scalar);
            }
          }
        } else if (!(value.kind == Node::Kind::kScalar && value.scalar.kind == Scalar::Kind::kNull)) {
          sink.report(Code::Y0004, loc(value.pos), "'tags' must be a list");
          ok = false;
        }
      } else if (k == "logsource") {
        doc->logsource_pos = value.pos;
        if (value.kind != Node::Kind::kMap) {
          sink.report(Code::Y0004, loc(value.pos), "'logsource' must be a mapping");
          ok = false;
        } else {
          for (auto& [lk, lv] : value.entries) {
            if (lv.kind != Node::Kind::kScalar) {
              sink.report(Code::Y0004, loc(lv.pos), "logsource '" + lk.text + "' must be a scalar");
              ok = false;
            } else {
              doc->logsource.emplace_back(lk, lv.scalar);
            }
          }
        }
      } else if (k == "detection") {
        detection = &value;
        detection_key_pos = key.pos;
      } else if (k == "correlation") {
        doc->kind = DocKind::kCorrelation;
      } else if (k == "filter") {
        doc->kind = DocKind::kFilter;
        doc->filter = value;
      }
    }
    if (!ok) return false;
    if (doc->kind != DocKind::kRule) return true;  // checked by sema (reported as unsupported)
    if (doc->title.text.empty()) {
      sink.report(Code::Y0003, loc(doc->pos), "rule has no 'title'");
      ok = false;
    }
    if (!detection) {
      sink.report(Code::Y0003, loc(doc->pos), "rule has no 'detection'");
      return false;
    }
    doc->detection_pos = detection_key_pos;
    if (detection->kind != Node::Kind::kMap) {
      sink.report(Code::Y0004, loc(detection->pos), "'detection' must be a mapping");
      return false;
    }
    bool have_condition = false;
    for (auto& [key, value] : detection->entries) {
      if (key.text == "condition") {
        have_condition = true;
        if (value.kind == Node::Kind::kScalar && value.scalar.kind != Scalar::Kind::kNull) {
          doc->conditions.push_back(value.scalar);
        } else if (value.kind == Node::Kind::kSeq && !value.items.empty()) {
          for (auto& c : value.items) {
            if (c.kind != Node::Kind::kScalar || c.scalar.kind == Scalar::Kind::kNull) {
              sink.report(Code::Y0004, loc(c.pos), "each condition must be a string");
              ok = false;
            } else {
              doc->conditions.push_back(c.scalar);
            }
          }
        } else {
          sink.report(Code::Y0004, loc(value.pos), "'condition' must be a string or a list of strings");
          ok = false;
        }
      } else if (key.text == "timeframe") {
        // Legacy aggregation window; meaningless without pipe conditions (rejected there).
        continue;
      } else {
        doc->selections.emplace_back(key, value);
      }
    }
    if (!have_condition) {
      sink.report(Code::Y0003, loc(detection_key_pos, 9), "'detection' has no 'condition'");
      return false;
    }
    return ok;
  }
};

// Deep merge: mappings merge key by key (recursively), anything else is replaced by `over`.
YAML::Node merge(const YAML::Node& base, const YAML::Node& over) {
  if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (auto it = over.begin(); it != over.end(); ++it) {
    std::string key = it->first.Scalar();
    if (out[key] && out[key].IsMap() && it->second.IsMap()) out[key] = merge(out[key], it->second);
    else out[key] = YAML::Clone(it->second);
  }
  return out;
}

YAML::Node without_action(const YAML::Node& n) {
  YAML::Node out(YAML::NodeType::Map);
  for (auto it = n.begin(); it != n.end(); ++it)
    if (it->first.Scalar() != "action") out[it->first] = it->second;
  return out;
}

// yaml-cpp 0.7.0 (Debian 12's) loops forever in LoadAll, allocating a null document per turn,
// when a document starts with a flow entry ',' outside any flow collection: the parser reports
// the document without consuming the token (jbeder/yaml-cpp#1040, fixed upstream by #1319
// after 0.8). Found by fuzz_rule_yaml (input ",vt"). Before LoadAll we run the event parser
// alone and stop at the first document that starts where the previous one did; its mark is the
// offending token. The extra pass is cheap next to building nodes (measured in the corpus test).
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> stuck_;
  bool first_ = true;
  YAML::Mark last_;
  void OnDocumentStart(const YAML::Mark& m) override {
    if (!first_ && m.pos == last_.pos) stuck_ = m;
    first_ = false;
    last_ = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Cheap superset test for that loop, so the extra parse (22% of compiling the SigmaHQ corpus)
// runs only on files that could trigger it. A ',' is a flow-entry token outside flow
// collections only where a token may start: first on its line, or right after a token that
// ends without swallowing the rest of the line — a quoted scalar, ] or }, an indicator (- ? :),
// a document marker (--- ...), or a tag, anchor or alias (! & *). A ',' anywhere else is inside
// a plain scalar, so it cannot be the token. Lines split at CR too (YAML line breaks).
bool may_loop(std::string_view text) {
  // yaml-cpp reads UTF-16/32 too, detected from a BOM or from NUL bytes among the first four
  // (fuzz_rule_yaml found "\0,a..." read as UTF-16BE ",..."): the byte test below only holds
  // for UTF-8, so any NUL byte or UTF-16 BOM takes the exact check.
  if (text.find('\0') != std::string_view::npos || text.substr(0, 2) == "\xFE\xFF" ||
      text.substr(0, 2) == "\xFF\xFE")
    return true;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // byte order mark
  std::size_t line = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r') {
      line = i + 1;
      continue;
    }
    if (c != ',') continue;
    std::string_view pre = text.substr(line, i - line);
    while (!pre.empty() && (pre.back() == ' ' || pre.back() == '\t')) pre.remove_suffix(1);
    if (pre.empty()) return true;
    if (std::string_view("'\"]}-?:.").find(pre.back()) != std::string_view::npos) return true;
    // A tag, anchor or alias may follow a quote or bracket with no space ("a"&b ,): look for
    // their indicators anywhere in the last word, not only at its start.
    std::size_t word = pre.find_last_of(" \t");
    std::string_view last = pre.substr(word == std::string_view::npos ? 0 : word + 1);
    if (last.find_first_of("!&*") != std::string_view::npos) return true;
  }
  return false;
}

// The mark of a token yaml-cpp would loop on, if any (throws YAML::Exception on bad YAML).
std::optional<YAML::Mark> find_stuck_document(const std::string& text) {
  if (!may_loop(text)) return std::nullopt;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts h;
  while (parser.HandleNextDocument(h))
    if (h.stuck_) return h.stuck_;
  return std::nullopt;
}

}  // namespace

std::vector<RuleDoc> load_rules(const std::string& file, const std::string& text, diag::DiagSink& sink) {
  std::vector<RuleDoc> docs;
  if (text.size() > limits::kMaxRuleFileBytes) {
    sink.report(Code::I0001, diag::SourceLoc{file, 0, 0, 1},
                "rule file is larger than " + std::to_string(limits::kMaxRuleFileBytes >> 20) + " MiB");
    return docs;
  }
  std::vector<YAML::Node> roots;
  try {
    if (auto m = find_stuck_document(text)) {
      sink.report(Code::Y0001, diag::SourceLoc{file, static_cast<std::uint32_t>(m->line + 1),
                                              static_cast<std::uint32_t>(m->column + 1), 1},
                  "invalid YAML: ',' outside a flow collection ([...] or {...})");
      // The documents before the bad one still load (a batch loses only what is broken). The
      // mark is a position in yaml-cpp's decoded stream (after a UTF-8 BOM; UTF-16 is not bytes):
      // cut only where the text really has the ',' (else load nothing more from this file).
      std::size_t cut = static_cast<std::size_t>(m->pos) + (text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0);
      if (cut < text.size() && text[cut] == ',') roots = YAML::LoadAll(text.substr(0, cut));
    } else {
      roots = YAML::LoadAll(text);
    }
  } catch (const YAML::Exception& e) {
    Pos p{static_cast<std::uint32_t>(e.mark.line + 1), static_cast<std::uint32_t>(e.mark.column + 1)};
    if (e.mark.is_null()) p = {};
    sink.report(Code::Y0001, diag::SourceLoc{file, p.line, p.col, 1}, "invalid YAML: " + e.msg);
    return docs;
  }
  Loader loader{file, sink};
  // Legacy collections (sigma-semantics §1.1, as pySigma's SigmaCollection does it):
  // `action: global` sets a document merged into every following rule document, `reset`
  // clears it, `repeat` is merged into a copy of the previous rule document. Merging is a
  // deep merge of mappings; the later document wins on scalars. yaml-cpp's Clone drops
  // source marks, so diagnostics inside a merged rule point at line 1 of the file.
  YAML::Node global, previous;
  for (std::uint32_t i = 0; i < roots.size(); ++i) {
    if (roots[i].IsNull()) continue;  // empty document (e.g. a trailing ---)
    try {
      YAML::Node root = roots[i];
      if (root.IsMap() && root["action"]) {
        const YAML::Node a = root["action"];
        std::string action = a.IsScalar() ? a.Scalar() : std::string();
        YAML::Node body = without_action(root);
        if (action == "global") {
          global = body;
          continue;
        }
        if (action == "reset") {
          global = YAML::Node();
          continue;
        }
        if (action == "repeat" && previous.IsMap()) {
          root = merge(previous, body);
        } else {
          sink.report(Code::Y0005, diag::SourceLoc{file, pos_of(a).line, pos_of(a).col, 1},
                      action == "repeat" ? "'action: repeat' needs a rule document before it"
                                         : "unknown action '" + action + "' (global, reset or repeat)");
          continue;
        }
      } else if (global.IsMap()) {
        root = merge(global, root);
      }
      previous = root;
      RuleDoc doc;
      if (loader.document(root, i, &doc)) docs.push_back(std::move(doc));
    } catch (const YAML::Exception& e) {
      sink.report(Code::Y0001, diag::SourceLoc{file, static_cast<std::uint32_t>(e.mark.line + 1),
                                               static_cast<std::uint32_t>(e.mark.column + 1), 1},
                  "invalid YAML: " + e.msg);
    }
  }
  return docs;
}

}  // namespace sigmatch::yaml
