// checker.cpp — sema::check (see check.hpp): selections -> value tests, condition resolution,
// modifier chains, schema-typed values, lint. Tested by tests/unit/sema_test.cpp and
// tests/diagnostics/.
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

#include "compiler/condition/cond_ast.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/logsource.hpp"
#include "compiler/sema/value_transforms.hpp"
#include "sigmatch/limits.hpp"
#include "runtime/bytecode/format.hpp"
#include "runtime/vm/text.hpp"

namespace sigmatch::sema {
namespace {

using diag::Code;
using yaml::Node;
using yaml::Scalar;

enum class Mod : std::uint8_t {
#define MODIFIER(id, name, supported) id,
#include "compiler/sema/modifiers.def"
#undef MODIFIER
};
struct ModInfo {
  const char* name;
  bool supported;
};
constexpr ModInfo kMods[] = {
#define MODIFIER(id, name, supported) {name, supported != 0},
#include "compiler/sema/modifiers.def"
#undef MODIFIER
};

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The closest candidate within a distance that scales with the length; empty if none.
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (!best.empty()) return best;
  // No near spelling: a long shared prefix (FailureReason vs FailureId) is the next best hint.
  std::size_t best_prefix = std::max<std::size_t>(4, (word.size() + 1) / 2);
  for (const auto& c : candidates) {
    std::size_t n = 0;
    while (n < word.size() && n < c.size() && word[n] == c[n]) ++n;
    if (n >= best_prefix) {
      best_prefix = n + 1;
      best = c;
    }
  }
  return best;
}

bool glob_starts_with_star(const std::string& g) { return !g.empty() && g[0] == '*'; }
bool glob_ends_with_star(const std::string& g) {
  if (g.empty() || g.back() != '*') return false;
  // Count the backslashes before the final '*': an odd count means it is escaped.
  std::size_t n = 0;
  for (std::size_t i = g.size() - 1; i > 0 && g[i - 1] == '\\'; --i) ++n;
  return n % 2 == 0;
}

// A value may expand (windash, base64offset, placeholders) into at most this many strings.
constexpr std::size_t kMaxExpansions = limits::kMaxValueExpansions;

Expr make(ExprKind k, std::vector<Expr> kids = {}) {
  Expr e;
  e.kind = k;
  e.children = std::move(kids);
  return e;
}
Expr make_test(Test t);

// `t` as an exact (case-folded) match of any of `spellings`: the schema's equivalent forms of
// one value (%% code and its text, GUID with and without braces).
Expr any_spelling(const Test& t, const std::vector<std::string>& spellings) {
  Expr e;
  e.kind = ExprKind::kOr;
  for (const std::string& spelling : spellings) {
    Test s = t;
    s.kind = TestKind::kGlob;
    s.pattern.clear();
    text::glob_append_literal(spelling, s.pattern);
    e.children.push_back(make_test(std::move(s)));
  }
  return e;
}

Expr make_test(Test t) {
  Expr e;
  e.kind = ExprKind::kTest;
  e.test = std::move(t);
  return e;
}
// OR/AND of `kids`, collapsing the 1-child case.
Expr join(ExprKind k, std::vector<Expr> kids) {
  if (kids.size() == 1) return std::move(kids[0]);
  return make(k, std::move(kids));
}

class RuleChecker {
 public:
  RuleChecker(const yaml::RuleDoc& doc, const std::vector<Schema>& schemas, bool lint,
              const xform::PlaceholderMap* placeholders, diag::DiagSink& sink)
      : doc_(doc), schemas_(schemas), lint_(lint), placeholders_(placeholders), sink_(sink) {}

  bool run(CheckedRule* out);
  // Sigma filters (meta filter rules): each applicable filter's condition is AND-ed to the
  // rule's condition, as pySigma does — so a filter describes what to keep (`not selection`).
  void set_filters(const std::vector<const yaml::RuleDoc*>* filters) { filters_ = filters; }

 private:
  diag::SourceLoc loc(yaml::Pos p, std::uint32_t len = 1) const {
    return {doc_.file, p.line, p.col, len};
  }
  diag::SourceLoc value_loc(const Scalar& s, std::uint32_t offset = 0, std::uint32_t len = 0) const {
    std::uint32_t l = len ? len : std::max<std::uint32_t>(1, s.text.size());
    return {doc_.file, s.pos.line, s.pos.col + (s.quoted ? 1 : 0) + offset, l};
  }
  void error(Code c, diag::SourceLoc l, std::string msg) {
    sink_.report(c, std::move(l), std::move(msg));
    ok_ = false;
  }

  void collect_event_ids();
  const Schema* schema_for_rule() const;
  bool definition(const Node& n, Expr* out, int depth);
  bool item(const Scalar& key, const Node& value, Expr* out);
  bool keyword_values(const std::vector<const Scalar*>& values, const std::vector<Mod>& mods,
                      bool all, Expr* out);
  bool value_test(const std::string& field, const Scalar& key, const Scalar& v,
                  const std::vector<Mod>& mods, bool cased, Expr* out);
  // Applies the value modifiers in chain order; the alternatives are OR-linked.
  bool transform(const Scalar& v, const std::vector<Mod>& mods, std::vector<std::string>* globs);
  bool resolve(const condition::CondExpr& c, const Scalar& cond, Expr* out);
  diag::SourceLoc cond_loc(const Scalar& cond, std::uint32_t offset, std::uint32_t len) const;
  void check_field(const std::string& field, const Scalar& key);
  void lint(RuleMeta& m);
  // Warns when one selection map requires a field to equal two different literals, or to be
  // both null and a value: such a selection can never match.
  void check_contradictions(const std::vector<Expr>& items);

  const yaml::RuleDoc& doc_;
  const std::vector<Schema>& schemas_;
  bool lint_;
  const xform::PlaceholderMap* placeholders_;
  diag::DiagSink& sink_;
  const std::vector<const yaml::RuleDoc*>* filters_ = nullptr;
  bool apply_filter(const yaml::RuleDoc& f, Expr* root);
  bool ok_ = true;
  std::vector<std::int64_t> event_ids_;
  const Schema* schema_ = nullptr;
  std::map<std::string, Expr> selections_;
  std::vector<std::string> selection_order_;
  std::set<std::string> used_;
};

void RuleChecker::collect_event_ids() {
  // Every EventID value anywhere in the detection; the schema applies when all are known.
  std::vector<const Node*> stack;
  for (auto& [k, v] : doc_.selections) stack.push_back(&v);
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (n->kind == Node::Kind::kSeq)
      for (auto& i : n->items) stack.push_back(&i);
    if (n->kind != Node::Kind::kMap) continue;
    for (auto& [k, v] : n->entries) {
      std::string field = k.text.substr(0, k.text.find('|'));
      if (field == "EventID") {
        auto add = [&](const Scalar& s) {
          try {
            std::size_t used = 0;
            long long id = std::stoll(s.text, &used);
            if (used == s.text.size()) event_ids_.push_back(id);
          } catch (...) {
          }
        };
        if (v.kind == Node::Kind::kScalar) add(v.scalar);
        if (v.kind == Node::Kind::kSeq)
          for (auto& i : v.items)
            if (i.kind == Node::Kind::kScalar) add(i.scalar);
      }
      stack.push_back(&v);
    }
  }
  std::sort(event_ids_.begin(), event_ids_.end());
  event_ids_.erase(std::unique(event_ids_.begin(), event_ids_.end()), event_ids_.end());
}

const Schema* RuleChecker::schema_for_rule() const {
  if (event_ids_.empty()) return nullptr;
  std::string product, service;
  for (auto& [k, v] : doc_.logsource) {
    if (k.text == "product") product = v.text;
    if (k.text == "service") service = v.text;
  }
  for (const Schema& s : schemas_) {
    if (!s.product.empty() && s.product != product) continue;
    if (!s.service.empty() && s.service != service) continue;
    bool all_known = std::all_of(event_ids_.begin(), event_ids_.end(),
                                 [&](std::int64_t id) { return s.has_event(id); });
    if (all_known) return &s;
  }
  return nullptr;
}

void RuleChecker::check_field(const std::string& field, const Scalar& key) {
  if (!schema_ || field.empty()) return;
  if (schema_->find(event_ids_, field)) return;
  std::string ids;
  for (auto id : event_ids_) ids += (ids.empty() ? "" : "/") + std::to_string(id);
  auto& d = sink_.report(Code::S0006, value_loc(key, 0, field.size()),
                         "field '" + field + "' does not exist in event " + ids);
  std::string near = closest(field, schema_->field_names(event_ids_));
  if (!near.empty()) d.notes.push_back({{}, "did you mean '" + near + "'?"});
}

bool RuleChecker::definition(const Node& n, Expr* out, int depth) {
  if (n.kind == Node::Kind::kScalar) {
    if (n.scalar.kind == Scalar::Kind::kNull) {
      error(Code::S0005, loc(n.pos), "a null value must be bound to a field");
      return false;
    }
    return keyword_values({&n.scalar}, {}, false, out);
  }
  if (n.kind == Node::Kind::kMap) {
    if (n.entries.empty()) {
      error(Code::S0005, loc(n.pos), "detection is empty");
      return false;
    }
    std::vector<Expr> kids;
    bool good = true;
    for (auto& [k, v] : n.entries) {
      Expr e;
      if (item(k, v, &e)) kids.push_back(std::move(e));
      else good = false;
    }
    if (!good) return false;
    check_contradictions(kids);
    *out = join(ExprKind::kAnd, std::move(kids));
    return true;
  }
  // Sequence: all scalars -> one keyword item; otherwise OR of sub-definitions.
  if (n.items.empty()) {
    error(Code::S0005, loc(n.pos), "detection is an empty list");
    return false;
  }
  bool all_scalars = std::all_of(n.items.begin(), n.items.end(),
                                 [](const Node& i) { return i.kind == Node::Kind::kScalar; });
  if (all_scalars) {
    std::vector<const Scalar*> vals;
    for (auto& i : n.items) vals.push_back(&i.scalar);
    return keyword_values(vals, {}, false, out);
  }
  std::vector<Expr> kids;
  bool good = true;
  for (auto& i : n.items) {
    Expr e;
    if (i.kind == Node::Kind::kSeq && depth > 0) {
      error(Code::S0003, loc(i.pos), "nested lists are not allowed here");
      good = false;
    } else if (definition(i, &e, depth + 1)) {
      kids.push_back(std::move(e));
    } else {
      good = false;
    }
  }
  if (!good) return false;
  *out = join(ExprKind::kOr, std::move(kids));
  return true;
}

bool RuleChecker::keyword_values(const std::vector<const Scalar*>& values,
                                 const std::vector<Mod>& mods, bool all, Expr* out) {
  // Keywords: case-insensitive substring over every value of the record (sigma-semantics §2.2).
  std::vector<Expr> kids;
  bool cased = std::find(mods.begin(), mods.end(), Mod::kCased) != mods.end();
  for (const Scalar* v : values) {
    if (v->kind == Scalar::Kind::kNull) {
      error(Code::S0003, value_loc(*v), "a null keyword must be bound to a field");
      return false;
    }
    std::vector<std::string> globs;
    if (!transform(*v, mods, &globs)) return false;
    std::vector<Expr> alts;
    for (std::string& g : globs) {
      if (!glob_starts_with_star(g)) g = "*" + g;
      if (!glob_ends_with_star(g)) g += "*";
      Test t;
      t.kind = TestKind::kGlob;
      t.pattern = std::move(g);
      t.cased = cased;
      t.loc = value_loc(*v);
      alts.push_back(make_test(std::move(t)));
    }
    kids.push_back(join(ExprKind::kOr, std::move(alts)));
  }
  *out = join(all ? ExprKind::kAnd : ExprKind::kOr, std::move(kids));
  return true;
}

bool RuleChecker::item(const Scalar& key, const Node& value, Expr* out) {
  // Split "Field|mod1|mod2" into the field and the modifier chain.
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t bar = key.text.find('|', start);
    parts.push_back(key.text.substr(start, bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  std::string field = parts[0];
  std::vector<Mod> mods;
  std::uint32_t offset = field.size() + 1;
  // The modifier names, built once (this runs for every field of every rule).
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (auto& m : kMods) v.push_back(m.name);
    return v;
  }();
  diag::SourceLoc all_loc;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& name = parts[i];
    auto it = std::find(names.begin(), names.end(), name);
    diag::SourceLoc l = value_loc(key, offset, std::max<std::size_t>(1, name.size()));
    offset += name.size() + 1;
    if (it == names.end()) {
      auto& d = sink_.report(Code::S0001, l, "unknown modifier '" + name + "'");
      ok_ = false;
      std::string near = closest(name, names);
      if (!near.empty()) d.notes.push_back({{}, "did you mean '" + near + "'?"});
      return false;
    }
    Mod m = static_cast<Mod>(it - names.begin());
    if (!kMods[static_cast<int>(m)].supported) {
      error(Code::S0001, l, "modifier '" + name + "' is not supported yet");
      return false;
    }
    if (std::find(mods.begin(), mods.end(), m) != mods.end()) {
      error(Code::S0002, l, "modifier '" + name + "' is used twice");
      return false;
    }
    bool is_re_flag = m == Mod::kReI || m == Mod::kReIgnoreCase || m == Mod::kReM ||
                      m == Mod::kReMultiline || m == Mod::kReS || m == Mod::kReDotAll;
    bool have_re = std::find(mods.begin(), mods.end(), Mod::kRe) != mods.end();
    if (m == Mod::kFieldref) {
      for (Mod prev : mods)
        if (prev != Mod::kNeq && prev != Mod::kCased && prev != Mod::kAll) {
          error(Code::S0002, l, "'fieldref' must come before 'contains', 'startswith' or 'endswith'");
          return false;
        }
    }
    if ((m == Mod::kWindash && std::find(mods.begin(), mods.end(), Mod::kAll) != mods.end()) ||
        (m == Mod::kAll && std::find(mods.begin(), mods.end(), Mod::kWindash) != mods.end())) {
      error(Code::S0002, l, "'windash' cannot be combined with 'all'");
      return false;
    }
    if ((m == Mod::kRe || m == Mod::kExists || m == Mod::kCidr) &&
        std::any_of(mods.begin(), mods.end(), [](Mod x) { return x != Mod::kNeq; })) {
      error(Code::S0002, l, "'" + name + "' must be the first modifier");
      return false;
    }
    if (is_re_flag && !have_re) {
      error(Code::S0002, l, "regex flag '" + name + "' is only valid after 're'");
      return false;
    }
    if (have_re && m == Mod::kCased) {
      error(Code::S0002, l, "'cased' does not apply to regular expressions (they are case-sensitive unless 'i')");
      return false;
    }
    if (m == Mod::kAll) all_loc = l;
    mods.push_back(m);
  }
  auto has = [&](Mod m) { return std::find(mods.begin(), mods.end(), m) != mods.end(); };
  bool all = has(Mod::kAll);
  bool cased = has(Mod::kCased);

  std::vector<const Scalar*> values;
  if (value.kind == Node::Kind::kScalar) {
    values.push_back(&value.scalar);
  } else if (value.kind == Node::Kind::kSeq) {
    for (auto& i : value.items) {
      if (i.kind != Node::Kind::kScalar) {
        error(Code::S0003, loc(i.pos), "a value list may only contain scalars");
        return false;
      }
      values.push_back(&i.scalar);
    }
  } else {
    error(Code::S0003, loc(value.pos), "the value of '" + key.text + "' must be a scalar or a list of scalars");
    return false;
  }

  // sigma-semantics §8 item 6: the spec forbids 'all' with a single value, pySigma accepts it
  // and SigmaHQ's validator rejects it. Warn, and compile it as the value itself.
  if (all && values.size() == 1)
    sink_.report(Code::S0002, diag::Severity::kWarning, all_loc,
                 "'all' with a single value has no effect: it needs a list of values");
  if (field.empty()) {
    for (Mod m : {Mod::kRe, Mod::kExists, Mod::kCidr, Mod::kGt, Mod::kGte, Mod::kLt, Mod::kLte,
                  Mod::kFieldref, Mod::kNeq}) {
      if (has(m)) {
        error(Code::S0002, value_loc(key),
              std::string("'") + kMods[static_cast<int>(m)].name + "' needs a field; keyword detections search every value");
        return false;
      }
    }
    return keyword_values(values, mods, all, out);
  }
  check_field(field, key);

  if (has(Mod::kExists)) {
    if (values.size() != 1 || values[0]->kind != Scalar::Kind::kBool) {
      error(Code::S0003, value_loc(values.empty() ? key : *values[0]), "'exists' needs the value true or false");
      return false;
    }
    Test t;
    t.field = field;
    t.kind = TestKind::kExists;
    t.loc = value_loc(key, 0, field.size());
    Expr e = make_test(std::move(t));
    std::string v = values[0]->text;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    *out = v == "true" ? std::move(e) : make(ExprKind::kNot, {std::move(e)});
    return true;
  }
  if (values.empty()) {  // `Field: []` means the field is null (pySigma)
    Test t;
    t.field = field;
    t.kind = TestKind::kIsNull;
    t.loc = value_loc(key, 0, field.size());
    *out = make_test(std::move(t));
    return true;
  }
  std::vector<Expr> kids;
  for (const Scalar* v : values) {
    Expr e;
    if (!value_test(field, key, *v, mods, cased, &e)) return false;
    kids.push_back(std::move(e));
  }
  *out = join(all ? ExprKind::kAnd : ExprKind::kOr, std::move(kids));
  // neq negates the whole item (pySigma): F|neq: [a, b] is not (F = a or F = b), which is
  // true when F is missing.
  if (has(Mod::kNeq)) *out = make(ExprKind::kNot, {std::move(*out)});
  return true;
}

bool RuleChecker::transform(const Scalar& v, const std::vector<Mod>& mods, std::vector<std::string>* globs) {
  auto has = [&](Mod m) { return std::find(mods.begin(), mods.end(), m) != mods.end(); };
  std::vector<std::string> raws = {v.text};
  if (has(Mod::kExpand)) {
    std::string missing;
    raws.clear();
    if (!xform::expand_placeholders(v.text, placeholders_ ? *placeholders_ : xform::PlaceholderMap{}, &raws, &missing)) {
      std::size_t at = v.text.find("%" + missing + "%");
      error(Code::S0010, value_loc(v, at == std::string::npos ? 0 : at, missing.size() + 2),
            "unresolved placeholder '%" + missing + "%' (give its values with --placeholders FILE)");
      return false;
    }
  }
  std::vector<xform::Toks> alts;
  for (auto& r : raws) {
    if (v.kind == Scalar::Kind::kString) {
      alts.push_back(xform::from_glob(sigma_to_glob(r)));
    } else {
      std::string lit = v.kind == Scalar::Kind::kBool ? text::fold_case(r) : r;
      xform::Toks t;
      for (unsigned char c : lit) t.push_back({false, c});
      alts.push_back(std::move(t));
    }
  }
  for (Mod m : mods) {
    std::vector<xform::Toks> next;
    for (auto& t : alts) {
      switch (m) {
        case Mod::kContains:
          xform::add_leading_star(t);
          xform::add_trailing_star(t);
          next.push_back(std::move(t));
          break;
        case Mod::kStartswith: xform::add_trailing_star(t); next.push_back(std::move(t)); break;
        case Mod::kEndswith: xform::add_leading_star(t); next.push_back(std::move(t)); break;
        case Mod::kWide:
        case Mod::kUtf16le: next.push_back(xform::utf16(t, xform::Utf16::kLe)); break;
        case Mod::kUtf16be: next.push_back(xform::utf16(t, xform::Utf16::kBe)); break;
        case Mod::kUtf16: next.push_back(xform::utf16(t, xform::Utf16::kBomLe)); break;
        case Mod::kBase64:
        case Mod::kBase64Offset: {
          if (xform::has_wildcards(t)) {
            error(Code::S0002, value_loc(v),
                  "base64 of a value with wildcards cannot match: put 'contains' after 'base64'/'base64offset'");
            return false;
          }
          std::string bytes;
          for (auto& k : t) bytes += static_cast<char>(k.c);
          std::vector<std::string> encs =
              m == Mod::kBase64 ? std::vector<std::string>{xform::base64(bytes)} : xform::base64_offsets(bytes);
          for (auto& e : encs) {
            xform::Toks et;
            for (unsigned char c : e) et.push_back({false, c});
            next.push_back(std::move(et));
          }
          break;
        }
        case Mod::kWindash: {
          auto spellings = xform::windash(t);
          if (spellings.empty()) {
            error(Code::S0003, value_loc(v), "'windash' supports at most 5 flags in one value");
            return false;
          }
          for (auto& x : spellings) next.push_back(std::move(x));
          break;
        }
        default: next.push_back(std::move(t)); break;
      }
    }
    alts = std::move(next);
    if (alts.size() > kMaxExpansions) {
      error(Code::S0003, value_loc(v), "value expands to more than " + std::to_string(kMaxExpansions) + " alternatives");
      return false;
    }
  }
  for (auto& t : alts) globs->push_back(xform::to_glob(t));
  std::sort(globs->begin(), globs->end());
  globs->erase(std::unique(globs->begin(), globs->end()), globs->end());
  return true;
}

bool RuleChecker::value_test(const std::string& field, const Scalar& key, const Scalar& v,
                             const std::vector<Mod>& mods, bool cased, Expr* out) {
  if (v.text.size() > limits::kMaxValueBytes) {
    error(Code::S0003, value_loc(v, 0, 1),
          "value is longer than " + std::to_string(limits::kMaxValueBytes) + " bytes");
    return false;
  }
  auto has = [&](Mod m) { return std::find(mods.begin(), mods.end(), m) != mods.end(); };
  Test t;
  t.field = field;
  t.loc = value_loc(v);
  if (v.kind == Scalar::Kind::kNull) {
    if (!mods.empty()) {
      error(Code::S0003, loc(v.pos.line ? v.pos : key.pos), "null cannot take modifiers");
      return false;
    }
    t.kind = TestKind::kIsNull;
    *out = make_test(std::move(t));
    return true;
  }
  if (has(Mod::kRe)) {
    if (v.kind != Scalar::Kind::kString) {
      error(Code::S0003, value_loc(v), "'re' needs a string value");
      return false;
    }
    for (const char* look : {"(?=", "(?!", "(?<=", "(?<!", "(?>"}) {
      std::size_t at = v.text.find(look);
      if (at != std::string::npos) {
        error(Code::S0004, value_loc(v, at, std::string(look).size()),
              "lookaround and atomic groups are not supported: RE2 guarantees linear-time matching");
        return false;
      }
    }
    RE2::Options o;
    o.set_log_errors(false);
    RE2 re(v.text, o);
    if (!re.ok()) {
      // RE2 names the offending piece (error_arg): put the caret under it when it occurs in the
      // value as written (escapes in YAML quoting can make the spelling differ).
      const std::string& arg = re.error_arg();
      std::size_t at = arg.empty() ? std::string::npos : v.text.find(arg);
      diag::SourceLoc where = at == std::string::npos ? value_loc(v)
                                                      : value_loc(v, at, static_cast<std::uint32_t>(arg.size()));
      bool backref = re.error_code() == RE2::ErrorBadEscape && arg.size() == 2 && arg[0] == '\\' &&
                     arg[1] >= '1' && arg[1] <= '9';
      error(Code::S0004, where,
            backref ? "backreferences (" + arg + ") are not supported: RE2 guarantees linear-time matching"
                    : "invalid regular expression: " + re.error());
      return false;
    }
    t.kind = TestKind::kRegex;
    t.pattern = v.text;
    if (has(Mod::kReI) || has(Mod::kReIgnoreCase)) t.regex_flags |= bytecode::kRegexCaseInsensitive;
    if (has(Mod::kReM) || has(Mod::kReMultiline)) t.regex_flags |= bytecode::kRegexMultiline;
    if (has(Mod::kReS) || has(Mod::kReDotAll)) t.regex_flags |= bytecode::kRegexDotAll;
    if (has(Mod::kContains) || has(Mod::kStartswith) || has(Mod::kEndswith)) {
      // Regexes already search for a substring; only the anchors change.
      if (has(Mod::kStartswith) && t.pattern.rfind("^", 0) != 0) t.pattern = "^(?:" + t.pattern + ")";
      if (has(Mod::kEndswith) && (t.pattern.empty() || t.pattern.back() != '$')) t.pattern = "(?:" + t.pattern + ")$";
    }
    *out = make_test(std::move(t));
    return true;
  }
  if (has(Mod::kGt) || has(Mod::kGte) || has(Mod::kLt) || has(Mod::kLte)) {
    if (v.kind != Scalar::Kind::kInt && v.kind != Scalar::Kind::kFloat) {
      error(Code::S0003, value_loc(v), "numeric comparisons need a number, got '" + v.text + "'");
      return false;
    }
    t.kind = TestKind::kNumCmp;
    t.op = has(Mod::kGt) ? 0 : has(Mod::kGte) ? 1 : has(Mod::kLt) ? 2 : 3;
    t.pattern = v.text;
    *out = make_test(std::move(t));
    return true;
  }
  if (has(Mod::kCidr)) {
    std::string why;
    if (v.kind != Scalar::Kind::kString || !text::parse_cidr(v.text, &why)) {
      error(Code::S0003, value_loc(v), "'" + v.text + "' is not a CIDR network: " + (why.empty() ? "not a string" : why));
      return false;
    }
    t.kind = TestKind::kCidr;
    t.pattern = v.text;
    *out = make_test(std::move(t));
    return true;
  }
  if (has(Mod::kFieldref)) {
    if (v.kind != Scalar::Kind::kString || v.text.empty() ||
        v.text.find_first_of("*?") != std::string::npos) {
      error(Code::S0003, value_loc(v), "'fieldref' needs a field name without wildcards");
      return false;
    }
    t.kind = TestKind::kFieldRef;
    t.pattern = v.text;
    t.cased = cased;
    t.op = has(Mod::kContains) ? 1 : has(Mod::kStartswith) ? 2 : has(Mod::kEndswith) ? 3 : 0;
    check_field(v.text, v);
    *out = make_test(std::move(t));
    return true;
  }
  bool transform_mod = false;
  for (Mod m : mods)
    transform_mod |= m != Mod::kAll && m != Mod::kCased && m != Mod::kNeq && m != Mod::kExpand;
  if (transform_mod && v.kind != Scalar::Kind::kString) {
    error(Code::S0003, value_loc(v), "string modifiers need a string value; quote it ('" + v.text + "')");
    return false;
  }
  std::vector<std::string> globs;
  if (!transform(v, mods, &globs)) return false;
  if (globs.size() != 1 || transform_mod) {
    std::vector<Expr> alts;
    for (auto& g : globs) {
      Test a = t;
      a.kind = TestKind::kGlob;
      a.pattern = g;
      a.cased = cased;
      alts.push_back(make_test(std::move(a)));
    }
    *out = join(ExprKind::kOr, std::move(alts));
    return true;
  }
  std::string g = globs[0];

  // Schema-typed values: hex numbers compare by value; %% codes match either spelling.
  const SchemaField* sf = schema_ ? schema_->find(event_ids_, field) : nullptr;
  if (sf && !transform_mod && !cased) {
    auto literal = text::glob_literal(g);
    if (sf->type == FieldType::kHexInt && literal && !literal->empty()) {
      if (text::parse_hex(*literal)) {
        t.kind = TestKind::kHexEq;
        t.pattern = *literal;
        *out = make_test(std::move(t));
        return true;
      }
      auto& d = sink_.report(Code::S0009, value_loc(v),
                             "'" + *literal + "' can never match " + field + ", a hex number field (e.g. 0x0)");
      (void)d;
    }
    if (sf->type == FieldType::kGuid && literal && !literal->empty()) {
      // GUIDs are written with and without braces by different renderers (windows-events.md
      // §1.1): match either spelling (case is folded anyway).
      std::string bare = *literal;
      if (bare.size() == 38 && bare.front() == '{' && bare.back() == '}') bare = bare.substr(1, 36);
      if (bare.size() == 36 && bare[8] == '-' && bare[13] == '-' && bare[18] == '-' && bare[23] == '-') {
        *out = any_spelling(t, {bare, "{" + bare + "}"});
        return true;
      }
    }
    if ((sf->type == FieldType::kTime || sf->type == FieldType::kFileTime) && literal) {
      // One instant, every shipper's spelling of it (windows-events.md §6).
      if (auto spellings = xform::time_spellings(*literal)) {
        *out = any_spelling(t, *spellings);
        return true;
      }
    }
    if (sf->type == FieldType::kCode && literal) {
      for (auto& [code, rendered] : schema_->codes) {
        if (text::fold_case(*literal) == text::fold_case(code) ||
            text::fold_case(*literal) == text::fold_case(rendered)) {
          *out = any_spelling(t, {code, rendered});
          return true;
        }
      }
      if (literal->rfind("%%", 0) == 0)
        sink_.report(Code::S0009, value_loc(v), "'" + *literal + "' is not a known message code of " + field);
    }
  }
  t.kind = TestKind::kGlob;
  t.pattern = std::move(g);
  t.cased = cased;
  *out = make_test(std::move(t));
  return true;
}

diag::SourceLoc RuleChecker::cond_loc(const Scalar& cond, std::uint32_t offset, std::uint32_t len) const {
  // Exact for single-line conditions; multi-line scalars point at the condition's start.
  if (cond.text.substr(0, offset).find('\n') != std::string::npos) return value_loc(cond, 0, 1);
  return value_loc(cond, offset, std::max<std::uint32_t>(1, len));
}

bool RuleChecker::resolve(const condition::CondExpr& c, const Scalar& cond, Expr* out) {
  using condition::CondKind;
  switch (c.kind) {
    case CondKind::kAnd:
    case CondKind::kOr: {
      std::vector<Expr> kids;
      bool good = true;
      for (auto& ch : c.children) {
        Expr e;
        if (resolve(ch, cond, &e)) kids.push_back(std::move(e));
        else good = false;
      }
      if (!good) return false;
      *out = make(c.kind == CondKind::kAnd ? ExprKind::kAnd : ExprKind::kOr, std::move(kids));
      return true;
    }
    case CondKind::kNot: {
      Expr e;
      if (!resolve(c.children.at(0), cond, &e)) return false;
      *out = make(ExprKind::kNot, {std::move(e)});
      return true;
    }
    case CondKind::kRef: {
      auto it = selections_.find(c.name);
      if (it == selections_.end()) {
        auto& d = sink_.report(Code::C0003, cond_loc(cond, c.offset, c.length),
                               "condition refers to undefined selection '" + c.name + "'");
        ok_ = false;
        std::string near = closest(c.name, selection_order_);
        if (!near.empty()) d.notes.push_back({{}, "did you mean '" + near + "'?"});
        return false;
      }
      used_.insert(c.name);
      *out = it->second;
      return true;
    }
    case CondKind::kOneOf:
    case CondKind::kAllOf: {
      std::vector<Expr> kids;
      bool pattern_private = !c.them && !c.name.empty() && c.name[0] == '_';
      std::string glob;
      if (!c.them)
        for (char ch : c.name) {
          if (ch != '*') text::glob_append_literal(std::string(1, ch), glob);
          else glob += '*';
        }
      for (const std::string& name : selection_order_) {
        if (name[0] == '_' && !pattern_private) continue;  // `_x` only via patterns starting with _
        if (!c.them && !text::glob_match(glob, name)) continue;
        used_.insert(name);
        kids.push_back(selections_.at(name));
      }
      if (kids.empty()) {
        error(Code::C0004, cond_loc(cond, c.offset, c.length),
              c.them ? "'them' matches no selection" : "pattern '" + c.name + "' matches no selection");
        return false;
      }
      *out = join(c.kind == CondKind::kOneOf ? ExprKind::kOr : ExprKind::kAnd, std::move(kids));
      return true;
    }
  }
  return false;
}

bool RuleChecker::apply_filter(const yaml::RuleDoc& f, Expr* root) {
  // Applies when every logsource attribute the filter sets equals the rule's, and the rule is
  // listed in `rules` (by id or title... pySigma: id or name) or `rules` is `any` / empty.
  for (auto& [k, v] : f.logsource) {
    bool found = false;
    for (auto& [rk, rv] : doc_.logsource) found |= rk.text == k.text && rv.text == v.text;
    if (!found) return true;
  }
  const Scalar* cond = nullptr;
  bool listed = true;
  std::vector<std::pair<Scalar, Node>> sels;
  for (auto& [k, v] : f.filter.entries) {
    if (k.text == "condition" && v.kind == Node::Kind::kScalar) {
      cond = &v.scalar;
    } else if (k.text == "rules") {
      std::vector<std::string> ids;
      if (v.kind == Node::Kind::kScalar) ids.push_back(v.scalar.text);
      for (auto& i : v.items) ids.push_back(i.scalar.text);
      bool any = ids.empty() || (ids.size() == 1 && ids[0] == "any");
      listed = any || std::find(ids.begin(), ids.end(), doc_.id.text) != ids.end();
    } else {
      sels.emplace_back(k, v);
    }
  }
  if (!listed) return true;
  if (!cond) {
    error(Code::Y0003, loc(f.pos), "filter has no 'condition'");
    return false;
  }
  // Resolve the filter's condition against the filter's own selections only.
  auto saved_sel = std::move(selections_);
  auto saved_order = std::move(selection_order_);
  selections_.clear();
  selection_order_.clear();
  bool good = true;
  for (auto& [k, v] : sels) {
    Expr e;
    if (definition(v, &e, 0)) {
      selections_.emplace(k.text, std::move(e));
      selection_order_.push_back(k.text);
    } else {
      good = false;
    }
  }
  condition::CondExpr ce;
  condition::ParseError pe;
  Expr fe;
  if (good && !condition::parse(cond->text, &ce, &pe)) {
    error(Code::C0001, cond_loc(*cond, pe.offset, 1), pe.message);
    good = false;
  }
  if (good) good = resolve(ce, *cond, &fe);
  selections_ = std::move(saved_sel);
  selection_order_ = std::move(saved_order);
  if (!good) return false;
  *root = make(ExprKind::kAnd, {std::move(*root), std::move(fe)});
  return true;
}

void RuleChecker::check_contradictions(const std::vector<Expr>& items) {
  struct Seen {
    std::string value;  // folded literal, or "\x01null" for `F: null`
    diag::SourceLoc loc;
  };
  std::map<std::string, Seen> seen;
  // `F|all: [a, b]` is an AND of its values: look one level into AND items too.
  std::vector<const Expr*> tests;
  for (const Expr& e : items) {
    if (e.kind == ExprKind::kAnd)
      for (const Expr& c : e.children) tests.push_back(&c);
    else
      tests.push_back(&e);
  }
  for (const Expr* ep : tests) {
    const Expr& e = *ep;
    if (e.kind != ExprKind::kTest || e.test.field.empty()) continue;
    const Test& t = e.test;
    std::string value;
    if (t.kind == TestKind::kIsNull) {
      value = "\x01null";
    } else if (t.kind == TestKind::kGlob && !t.cased) {
      auto lit = text::glob_literal(t.pattern);
      if (!lit) continue;
      value = text::fold_case(*lit);
    } else {
      continue;
    }
    auto [it, fresh] = seen.emplace(t.field, Seen{value, t.loc});
    if (fresh || it->second.value == value) continue;
    auto& d = sink_.report(Code::S0011, t.loc,
                           "this selection can never match: '" + t.field + "' cannot be two different values at once");
    d.notes.push_back({it->second.loc, "the other value of '" + t.field + "' is here"});
  }
}

void RuleChecker::lint(RuleMeta& m) {
  static const std::set<std::string> kLevels = {"informational", "low", "medium", "high", "critical"};
  static const std::set<std::string> kStatus = {"stable", "test", "experimental", "deprecated", "unsupported"};
  // Compiled once: RE2::FullMatch(text, "pattern") would compile its pattern on every call,
  // which was 16% of compiling the SigmaHQ corpus.
  static const RE2 kUuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  static const RE2 kDate(R"(\d{4}[-/]\d{1,2}[-/]\d{1,2})");
  static const RE2 kTag(R"([a-z0-9_-]+\.[a-z0-9._-]+)");
  static const RE2 kTechnique(R"(attack\.t\d{4}(\.\d{3})?)");
  diag::SourceLoc doc_loc = loc(doc_.pos);
  if (m.id.empty()) sink_.report(Code::L0001, doc_loc, "rule has no 'id'");
  else if (!RE2::FullMatch(m.id, kUuid))
    sink_.report(Code::L0002, value_loc(doc_.id), "'id' is not a UUID");
  if (m.level.empty()) sink_.report(Code::L0001, doc_loc, "rule has no 'level'");
  else if (!kLevels.count(m.level))
    sink_.report(Code::L0002, value_loc(doc_.level), "unknown level '" + m.level + "' (informational, low, medium, high, critical)");
  if (!m.status.empty() && !kStatus.count(m.status))
    sink_.report(Code::L0002, value_loc(doc_.status), "unknown status '" + m.status + "'");
  for (const Scalar* d : {&doc_.date, &doc_.modified})
    if (!d->text.empty() && !RE2::FullMatch(d->text, kDate))
      sink_.report(Code::L0002, value_loc(*d), "date '" + d->text + "' is not YYYY-MM-DD");
  for (const Scalar& t : doc_.tags)
    if (!RE2::FullMatch(t.text, kTag))
      sink_.report(Code::L0002, value_loc(t), "tag '" + t.text + "' is not namespace.value in lower case");
    else if (t.text.rfind("attack.t", 0) == 0 && !RE2::FullMatch(t.text, kTechnique))
      sink_.report(Code::L0002, value_loc(t), "ATT&CK technique tag '" + t.text + "' should look like attack.t1234 or attack.t1234.001");
}

bool RuleChecker::run(CheckedRule* out) {
  RuleMeta& m = out->meta;
  m.file = doc_.file;
  m.id = doc_.id.text;
  m.title = doc_.title.text;
  m.level = doc_.level.text;
  m.status = doc_.status.text;
  m.description = doc_.description.text;
  for (auto& t : doc_.tags) m.tags.push_back(t.text);
  for (auto& [k, v] : doc_.logsource) {
    if (k.text == "product") m.product = v.text;
    else if (k.text == "category") m.category = v.text;
    else if (k.text == "service") m.service = v.text;
  }
  if (lint_) lint(m);  // on broken rules too: authors want every problem in one pass
  collect_event_ids();
  schema_ = schema_for_rule();

  static const std::set<std::string> kReserved = {"and", "or", "not", "of", "them", "1", "any", "all"};
  if (doc_.selections.size() > limits::kMaxSelections) {
    error(Code::S0005, loc(doc_.detection_pos),
          "detection has " + std::to_string(doc_.selections.size()) + " selections; the limit is " +
              std::to_string(limits::kMaxSelections));
    return false;
  }
  for (auto& [key, node] : doc_.selections) {
    if (kReserved.count(key.text)) {
      error(Code::S0008, value_loc(key), "'" + key.text + "' is a condition keyword and cannot name a selection");
      continue;
    }
    Expr e;
    if (definition(node, &e, 0)) {
      selections_.emplace(key.text, std::move(e));
      selection_order_.push_back(key.text);
    }
  }
  if (!ok_) return false;
  std::vector<Expr> conds;
  for (const Scalar& cs : doc_.conditions) {
    condition::CondExpr ce;
    condition::ParseError pe;
    if (cs.text.size() > limits::kMaxConditionBytes) {
      error(Code::C0001, value_loc(cs, 0, 1), "condition is longer than " + std::to_string(limits::kMaxConditionBytes) + " bytes");
      continue;
    }
    if (!condition::parse(cs.text, &ce, &pe)) {
      bool pipe = pe.message.find("pipe") != std::string::npos;
      bool deep = pe.message.find("deeper") != std::string::npos;
      error(pipe ? Code::C0005 : deep ? Code::C0002 : Code::C0001, cond_loc(cs, pe.offset, 1), pe.message);
      continue;
    }
    Expr e;
    if (resolve(ce, cs, &e)) conds.push_back(std::move(e));
  }
  if (!ok_) return false;
  for (auto& [key, node] : doc_.selections)
    if (!used_.count(key.text))
      sink_.report(Code::S0007, value_loc(key), "selection '" + key.text + "' is not used by the condition");
  out->root = join(ExprKind::kOr, std::move(conds));
  if (filters_)
    for (const yaml::RuleDoc* f : *filters_)
      if (!apply_filter(*f, &out->root)) return false;
  // The logsource guard goes first: it is cheap and rejects most records for most rules.
  if (auto guard = logsource_guard(m, builtin_logsources()))
    out->root = make(ExprKind::kAnd, {std::move(*guard), std::move(out->root)});
  return true;
}

}  // namespace

std::string sigma_to_glob(const std::string& s) {
  // pySigma's escape state machine (sigma-semantics §2.4): '\' escapes only '*', '?' and '\'.
  std::string g;
  bool escaped = false;
  for (char c : s) {
    if (escaped) {
      if (c == '*' || c == '?' || c == '\\') {
        text::glob_append_literal(std::string_view(&c, 1), g);
      } else {
        text::glob_append_literal("\\", g);
        text::glob_append_literal(std::string_view(&c, 1), g);
      }
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '*' || c == '?') {
      g += c;
    } else {
      text::glob_append_literal(std::string_view(&c, 1), g);
    }
  }
  if (escaped) text::glob_append_literal("\\", g);
  return g;
}

std::vector<CheckedRule> check(const std::vector<yaml::RuleDoc>& docs, const CheckOptions& opts,
                               diag::DiagSink& sink) {
  const std::vector<Schema>& schemas = opts.schemas ? *opts.schemas : builtin_schemas();
  std::vector<CheckedRule> out;
  std::map<std::string, diag::SourceLoc> ids;
  std::vector<const yaml::RuleDoc*> filters;
  for (const yaml::RuleDoc& doc : docs)
    if (doc.kind == yaml::DocKind::kFilter) filters.push_back(&doc);
  for (const yaml::RuleDoc& doc : docs) {
    diag::SourceLoc doc_loc{doc.file, doc.pos.line, doc.pos.col, 1};
    if (doc.kind == yaml::DocKind::kCorrelation) {
      sink.report(Code::Y0005, diag::Severity::kWarning, doc_loc,
                  "correlation rules are not supported yet; document skipped");
      continue;
    }
    if (doc.kind == yaml::DocKind::kFilter) continue;  // applied to the rules below
    RuleChecker rc(doc, schemas, opts.lint, opts.placeholders, sink);
    rc.set_filters(&filters);
    CheckedRule r;
    bool good = rc.run(&r);
    if (!r.meta.id.empty()) {
      auto [it, fresh] = ids.emplace(r.meta.id, diag::SourceLoc{doc.file, doc.id.pos.line, doc.id.pos.col, 1});
      if (!fresh) {
        auto& d = sink.report(Code::L0003, {doc.file, doc.id.pos.line, doc.id.pos.col, static_cast<std::uint32_t>(r.meta.id.size())},
                              "rule id " + r.meta.id + " is already used");
        d.notes.push_back({it->second, "first used here"});
      }
    }
    if (good) out.push_back(std::move(r));
    if (out.size() >= limits::kMaxRules) {
      sink.report(Code::I0001, doc_loc, "more than " + std::to_string(limits::kMaxRules) + " rules in one program");
      break;
    }
  }
  return out;
}

}  // namespace sigmatch::sema
