// rule_loader.cpp — yaml-cpp parser events -> RuleDoc (see rule_doc.hpp). Structural checks
// only; exceptions from yaml-cpp are caught here and turned into Y0001 diagnostics.
//
// Two ways to the same RuleDocs. The usual one (TreeBuilder) builds our Node trees straight from
// yaml-cpp's parser events in one pass. Files whose documents use `action:` (legacy collections,
// merged with YAML::Clone and operator[]) or aliases are loaded again the original way, through
// YAML::LoadAll and YAML::Node, whose exact merge semantics (marks, key order) we keep as they
// are. Both must give the same documents and diagnostics for every other file: TreeBuilder
// reproduces what YAML::LoadAll's NodeBuilder makes of the events and what Loader::node checks,
// in the same order. Building YAML::Node trees, converting them and destroying them was about a
// fifth of compiling the SigmaHQ corpus.
// Tested by tests/diagnostics/ (every error case with its exact diagnostics), tests/golden/,
// tests/unit/limits_test.cpp, the corpus test and fuzz_rule_yaml.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <istream>
#include <memory>
#include <optional>
#include <set>
#include <streambuf>
#include <string_view>
#include <unordered_set>

#include "compiler/yaml/rule_doc.hpp"
#include "sigmatch/limits.hpp"

namespace sigmatch::yaml {
namespace {

using diag::Code;

Pos pos_of(const YAML::Mark& m) {
  if (m.line < 0) return {};
  return Pos{static_cast<std::uint32_t>(m.line + 1), static_cast<std::uint32_t>(m.column + 1)};
}

Pos pos_of(const YAML::Node& n) { return pos_of(n.Mark()); }

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

// Whether `s` matches [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? (YAML 1.2 core
// floats without .inf/.nan) and has no leading zero. Written out instead of std::regex_match,
// which cost 4% of compiling the SigmaHQ corpus (every plain string scalar is tried).
bool is_float(const std::string& s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  auto digit = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  if (digit(i) && s[i] == '0' && digit(i + 1)) return false;  // 0042
  auto digits = [&](std::size_t* k) {
    std::size_t start = *k;
    while (digit(*k)) ++*k;
    return *k - start;
  };
  std::size_t k = i;
  if (k < s.size() && s[k] == '.') {
    ++k;
    if (digits(&k) == 0) return false;
  } else {
    if (digits(&k) == 0) return false;
    if (k < s.size() && s[k] == '.') {
      ++k;
      digits(&k);
    }
  }
  if (k < s.size() && (s[k] == 'e' || s[k] == 'E')) {
    ++k;
    if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
    if (digits(&k) == 0) return false;
  }
  return k == s.size();
}

// The YAML typing of a non-null scalar's text: quoted and block scalars (tag "!") are strings,
// plain ones resolve to bool/int/float/string. Shared by both ways of loading.
void type_scalar(Scalar* s, const std::string& tag) {
  s->quoted = tag == "!";
  const std::string& t = s->text;
  if (s->quoted) {
    s->kind = Scalar::Kind::kString;
  } else if ((t.size() == 4 || t.size() == 5) &&  // most scalars skip the six compares
             (t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" ||
              t == "FALSE")) {
    s->kind = Scalar::Kind::kBool;
  } else if (is_int(t)) {
    s->kind = Scalar::Kind::kInt;
  } else if (is_float(t)) {
    s->kind = Scalar::Kind::kFloat;
  } else {
    s->kind = Scalar::Kind::kString;
  }
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
    type_scalar(&s, n.Tag());
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
  bool meta(Node& v, const Scalar& key, Scalar* out) {
    if (v.kind != Node::Kind::kScalar) {
      sink.report(Code::Y0004, loc(v.pos), "'" + key.text + "' must be a scalar");
      return false;
    }
    *out = std::move(v.scalar);
    return true;
  }

  bool document(const YAML::Node& root, std::uint32_t index, RuleDoc* doc) {
    doc->file = file;
    doc->doc_index = index;
    doc->pos = pos_of(root);
    Node top;
    if (!node(root, &top, 0)) return false;
    return body(std::move(top), doc);
  }

  // The document's converted tree -> `doc` (file, index and pos already set). Takes the tree
  // apart: every value is moved into `doc` (duplicate keys were rejected, so each is used once).
  bool body(Node top, RuleDoc* doc) {
    if (top.kind != Node::Kind::kMap) {
      sink.report(Code::Y0004, loc(top.pos), "a rule document must be a mapping");
      return false;
    }
    Node* detection = nullptr;
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
              doc->tags.push_back(std::move(t.scalar));
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
              doc->logsource.emplace_back(std::move(lk), std::move(lv.scalar));
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
        doc->filter = std::move(value);
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
          doc->conditions.push_back(std::move(value.scalar));
        } else if (value.kind == Node::Kind::kSeq && !value.items.empty()) {
          for (auto& c : value.items) {
            if (c.kind != Node::Kind::kScalar || c.scalar.kind == Scalar::Kind::kNull) {
              sink.report(Code::Y0004, loc(c.pos), "each condition must be a string");
              ok = false;
            } else {
              doc->conditions.push_back(std::move(c.scalar));
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
        doc->selections.emplace_back(std::move(key), std::move(value));
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

// A read-only std::streambuf over a string we already hold, so that yaml-cpp reads the rule
// text in place instead of from a std::istringstream copy of it. yaml-cpp only reads, and puts
// back (while sniffing the encoding) the very bytes it has just read, which the get area allows.
class ViewBuf final : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view text) {
    char* p = const_cast<char*>(text.data());
    setg(p, p, p + text.size());
  }
};

// One document of a TreeBuilder pass: its tree, or the first problem Loader::node would have
// reported for it (node() stops at the first one, and so does the builder).
struct BuiltDoc {
  Node root;
  bool null_root = false;  // an empty or plain-null document: skipped, as YAML::Node::IsNull was
  bool failed = false;
  Code code{};
  Pos error_pos;
  std::uint32_t error_len = 1;
  std::string message;
};

// Builds our Node trees straight from yaml-cpp's parser events: what YAML::LoadAll's NodeBuilder
// would build (null events are null nodes, scalars keep their tag, maps keep their pairs in
// order) passed through Loader::node (depth limit, scalar keys, no duplicate keys; the first
// problem in document order fails the document), without yaml-cpp's node graph in between.
//
// Documents that need YAML::Node semantics make it set needs_nodes_, and the caller loads the
// file the original way: a top-level scalar key "action" (what `root["action"]` finds), and
// aliases (shared nodes).
//
// yaml-cpp 0.7.0 (Debian 12's) loops forever in its document loop, allocating a null document
// per turn, when a document starts with a flow entry ',' outside any flow collection: the
// parser reports the document without consuming the token (jbeder/yaml-cpp#1040, fixed upstream
// by #1319 after 0.8). Found by fuzz_rule_yaml (input ",vt"). We drive that loop ourselves and
// stop at the first document that starts where the previous one did (stuck_); its mark is the
// offending token.
class TreeBuilder final : public YAML::EventHandler {
 public:
  std::vector<BuiltDoc> docs_;
  bool needs_nodes_ = false;
  std::optional<YAML::Mark> stuck_;

  void OnDocumentStart(const YAML::Mark& m) override {
    if (!first_ && m.pos == last_.pos) stuck_ = m;
    first_ = false;
    last_ = m;
    docs_.emplace_back();
    stack_.clear();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override {
    if (stack_.empty()) docs_.back().null_root = true;
    if (Node* n = place(m, nullptr, nullptr, Node::Kind::kScalar)) n->scalar.pos = n->pos;
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { needs_nodes_ = true; }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t,
                const std::string& value) override {
    if (Node* n = place(m, &tag, &value, Node::Kind::kScalar)) {
      n->scalar.pos = n->pos;
      n->scalar.text = value;
      type_scalar(&n->scalar, tag);
    }
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    place(m, nullptr, nullptr, Node::Kind::kSeq);
  }
  void OnSequenceEnd() override { stack_.pop_back(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    place(m, nullptr, nullptr, Node::Kind::kMap);
  }
  void OnMapEnd() override { stack_.pop_back(); }

 private:
  // An open sequence or mapping. `node` is null when nothing is built inside it: a collection
  // used as a key, or anything once the document has failed.
  struct Frame {
    Node* node = nullptr;
    bool map = false;
    bool want_key = true;  // mappings alternate key, value, key, ...
    Scalar key;            // the key whose value comes next
    std::unique_ptr<std::unordered_set<std::string>> seen;  // keys of a large mapping
  };

  // Maps with more keys than this check duplicates with a hash set instead of a scan.
  static constexpr std::size_t kScanKeys = 16;

  void fail(Code code, Pos pos, std::uint32_t len, std::string message) {
    BuiltDoc& d = docs_.back();
    d.failed = true;
    d.code = code;
    d.error_pos = pos;
    d.error_len = len;
    d.message = std::move(message);
  }

  // Whether `key` repeats a key of the mapping open in `f` (Loader::node's std::set, cheaper
  // for the few keys a rule's mappings have).
  static bool duplicate(Frame& f, const std::string& key) {
    std::vector<MapEntry>& entries = f.node->entries;
    if (entries.size() < kScanKeys) {
      for (const MapEntry& e : entries)
        if (e.first.text == key) return true;
      return false;
    }
    if (!f.seen) {
      f.seen = std::make_unique<std::unordered_set<std::string>>();
      for (const MapEntry& e : entries) f.seen->insert(e.first.text);
    }
    return !f.seen->insert(key).second;
  }

  // Routes one node event to its place: the document root, a sequence item, a mapping key or a
  // mapping value. `value` is set for scalars (null events have none), `kind` is what the event
  // makes. Returns the Node to fill in (kind and pos set), or null when there is none: keys
  // (kept in their frame until the value comes), and everything in a failed document.
  Node* place(const YAML::Mark& m, const std::string* tag, const std::string* value,
              Node::Kind kind) {
    BuiltDoc& doc = docs_.back();
    Node* out = nullptr;
    Pos pos = pos_of(m);
    if (stack_.empty()) {
      out = &doc.root;
    } else {
      Frame& parent = stack_.back();
      bool is_key = parent.map && parent.want_key;
      if (parent.map) parent.want_key = !parent.want_key;
      if (is_key) {
        // What `root.IsMap() && root["action"]` finds: a scalar key "action" at the top.
        if (stack_.size() == 1 && value && *value == "action") needs_nodes_ = true;
        if (parent.node && !doc.failed) {
          if (!value) {
            fail(Code::Y0004, pos, 1, "mapping keys must be scalars");
          } else {
            parent.key = Scalar{};
            parent.key.pos = pos;
            parent.key.text = *value;
            type_scalar(&parent.key, *tag);
            if (duplicate(parent, parent.key.text))
              fail(Code::Y0002, pos, static_cast<std::uint32_t>(parent.key.text.size()),
                   "duplicate key '" + parent.key.text + "'");
          }
        }
      } else if (parent.node && !doc.failed) {
        // Loader::node's depth: the root is 0, and every open collection adds one.
        if (stack_.size() > limits::kMaxYamlDepth) {
          fail(Code::Y0004, pos, 1,
               "detection nests deeper than " + std::to_string(limits::kMaxYamlDepth) + " levels");
        } else if (!parent.map) {
          out = &parent.node->items.emplace_back();
        } else {
          out = &parent.node->entries.emplace_back(MapEntry{std::move(parent.key), Node{}}).second;
        }
      }
    }
    if (out) {
      out->kind = kind;
      out->pos = pos;
    }
    if (kind != Node::Kind::kScalar) {
      stack_.emplace_back();
      stack_.back().node = out;
      stack_.back().map = kind == Node::Kind::kMap;
    }
    return out;
  }

  std::vector<Frame> stack_;
  bool first_ = true;
  YAML::Mark last_;
};

// Runs yaml-cpp's parser over `text` into `b`, document by document, stopping at a stuck one.
// Throws YAML::Exception on bad YAML.
void build(std::string_view text, TreeBuilder* b) {
  ViewBuf buf(text);
  std::istream in(&buf);
  YAML::Parser parser(in);
  while (parser.HandleNextDocument(*b))
    if (b->stuck_) return;
}

// The original way, for files TreeBuilder leaves to YAML::Node (see there): YAML::LoadAll, the
// legacy collection merges on YAML::Node, then Loader::document per document.
void load_with_nodes(const std::string& file, const std::string& text, Loader& loader,
                     diag::DiagSink& sink, std::vector<RuleDoc>* docs) {
  std::vector<YAML::Node> roots;
  try {
    roots = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    Pos p{static_cast<std::uint32_t>(e.mark.line + 1), static_cast<std::uint32_t>(e.mark.column + 1)};
    if (e.mark.is_null()) p = {};
    sink.report(Code::Y0001, diag::SourceLoc{file, p.line, p.col, 1}, "invalid YAML: " + e.msg);
    return;
  }
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
      if (loader.document(root, i, &doc)) docs->push_back(std::move(doc));
    } catch (const YAML::Exception& e) {
      sink.report(Code::Y0001, diag::SourceLoc{file, static_cast<std::uint32_t>(e.mark.line + 1),
                                               static_cast<std::uint32_t>(e.mark.column + 1), 1},
                  "invalid YAML: " + e.msg);
    }
  }
}

}  // namespace

std::vector<RuleDoc> load_rules(const std::string& file, const std::string& text,
                                diag::DiagSink& sink) {
  std::vector<RuleDoc> docs;
  if (text.size() > limits::kMaxRuleFileBytes) {
    sink.report(
        Code::I0001, diag::SourceLoc{file, 0, 0, 1},
        "rule file is larger than " + std::to_string(limits::kMaxRuleFileBytes >> 20) + " MiB");
    return docs;
  }
  Loader loader{file, sink};
  // The documents come from `text`, or from the part of it before a stuck ',' (TreeBuilder).
  std::string_view loaded = text;
  auto built = std::make_unique<TreeBuilder>();
  try {
    build(loaded, built.get());
    if (std::optional<YAML::Mark> m = built->stuck_) {
      sink.report(Code::Y0001,
                  diag::SourceLoc{file, static_cast<std::uint32_t>(m->line + 1),
                                  static_cast<std::uint32_t>(m->column + 1), 1},
                  "invalid YAML: ',' outside a flow collection ([...] or {...})");
      // The documents before the bad one still load (a batch loses only what is broken). The
      // mark is a position in yaml-cpp's decoded stream (after a UTF-8 BOM; UTF-16 is not bytes):
      // cut only where the text really has the ',' (else load nothing more from this file).
      std::size_t cut =
          static_cast<std::size_t>(m->pos) + (text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0);
      loaded = cut < text.size() && text[cut] == ',' ? loaded.substr(0, cut) : std::string_view();
      built = std::make_unique<TreeBuilder>();
      if (!loaded.empty()) build(loaded, built.get());
    }
  } catch (const YAML::Exception& e) {
    Pos p{static_cast<std::uint32_t>(e.mark.line + 1),
          static_cast<std::uint32_t>(e.mark.column + 1)};
    if (e.mark.is_null()) p = {};
    sink.report(Code::Y0001, diag::SourceLoc{file, p.line, p.col, 1}, "invalid YAML: " + e.msg);
    return docs;
  }
  if (built->needs_nodes_) {
    load_with_nodes(file, std::string(loaded), loader, sink, &docs);
    return docs;
  }
  for (std::uint32_t i = 0; i < built->docs_.size(); ++i) {
    BuiltDoc& d = built->docs_[i];
    if (d.null_root) continue;  // empty document (e.g. a trailing ---)
    if (d.failed) {
      sink.report(d.code, loader.loc(d.error_pos, d.error_len), std::move(d.message));
      continue;
    }
    RuleDoc doc;
    doc.file = file;
    doc.doc_index = i;
    doc.pos = d.root.pos;
    if (loader.body(std::move(d.root), &doc)) docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace sigmatch::yaml
