// emit.cpp — see emit.hpp. Labels are patched once every instruction index is known.
#include "compiler/codegen/emit.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "runtime/bytecode/format.hpp"
#include "runtime/bytecode/opcodes.hpp"

namespace sigmatch::codegen {
namespace {

using bytecode::Insn;
using bytecode::Op;

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) {
    u8(v & 0xff);
    u8(v >> 8);
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8((v >> (8 * i)) & 0xff);
  }
  void raw(std::string_view s) { out_.append(s); }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class Emitter {
 public:
  explicit Emitter(const ir::Module& m) : m_(m) {}

  std::uint32_t str(const std::string& s) {
    auto [it, fresh] = strings_.emplace(s, static_cast<std::uint32_t>(string_list_.size()));
    if (fresh) string_list_.push_back(s);
    return it->second;
  }
  std::uint32_t field(const std::string& name) {
    auto [it, fresh] = fields_.emplace(name, static_cast<std::uint32_t>(field_list_.size()));
    if (fresh) field_list_.push_back(str(name));
    return it->second;
  }
  std::uint32_t pred(ir::PredId id) {
    auto it = preds_.find(id);
    if (it != preds_.end()) return it->second;
    const ir::Pred& p = m_.pred_at(id);
    std::uint32_t f = p.field.empty() ? bytecode::kNoField : field(p.field);
    std::uint32_t operand = 0;
    switch (vm::pred_info(p.kind).operand) {
      case vm::PredOperand::kNone: break;
      case vm::PredOperand::kString:
      case vm::PredOperand::kNumber:
      case vm::PredOperand::kCidr: operand = str(p.operand); break;
      case vm::PredOperand::kField: operand = field(p.operand); break;
      case vm::PredOperand::kRegex: {
        auto key = std::make_pair(p.operand, p.regex_flags);
        auto [rit, fresh] = regexes_.emplace(key, static_cast<std::uint32_t>(regex_list_.size()));
        if (fresh) regex_list_.push_back({str(p.operand), p.regex_flags});
        operand = rit->second;
        break;
      }
    }
    if (vm::is_keyword_pred(p.kind)) wants_all_values_ = true;
    std::uint32_t idx = static_cast<std::uint32_t>(pred_list_.size());
    pred_list_.push_back({static_cast<std::uint8_t>(p.kind), p.flags, f, operand});
    preds_.emplace(id, idx);
    return idx;
  }

  // Labels: each is a list of (instruction, operand slot) to patch plus its resolved target.
  struct Label {
    std::vector<std::pair<std::uint32_t, int>> uses;
    std::int64_t target = -1;
  };
  std::uint32_t new_label() {
    labels_.emplace_back();
    return static_cast<std::uint32_t>(labels_.size() - 1);
  }
  void bind(std::uint32_t l) { labels_[l].target = static_cast<std::int64_t>(code_.size()); }
  void use(std::uint32_t l, std::uint32_t insn, int slot) { labels_[l].uses.emplace_back(insn, slot); }

  std::uint32_t emit_insn(Op op, std::uint32_t a = 0) {
    Insn in;
    in.op = static_cast<std::uint8_t>(op);
    in.a = a;
    code_.push_back(in);
    return static_cast<std::uint32_t>(code_.size() - 1);
  }

  // Emits code that jumps to `t` when node `id` is true and to `f` when false.
  void cond(ir::NodeId id, std::uint32_t t, std::uint32_t f) {
    const ir::Node& n = m_.node_at(id);
    switch (n.kind) {
      case ir::NodeKind::kTrue: use(t, emit_insn(Op::kJump), 1); return;
      case ir::NodeKind::kFalse: use(f, emit_insn(Op::kJump), 1); return;
      case ir::NodeKind::kPred: {
        std::uint32_t i = emit_insn(Op::kTest, pred(n.pred));
        use(t, i, 1);
        use(f, i, 2);
        return;
      }
      case ir::NodeKind::kNot: cond(n.kids[0], f, t); return;
      case ir::NodeKind::kAnd:
      case ir::NodeKind::kOr: {
        bool is_and = n.kind == ir::NodeKind::kAnd;
        for (std::size_t k = 0; k < n.kids.size(); ++k) {
          if (k + 1 == n.kids.size()) {
            cond(n.kids[k], t, f);
          } else {
            std::uint32_t next = new_label();
            if (is_and) cond(n.kids[k], next, f);
            else cond(n.kids[k], t, next);
            bind(next);
          }
        }
        return;
      }
    }
  }

  std::string run(const EmitOptions& opts) {
    for (std::uint32_t r = 0; r < m_.rules.size(); ++r) {
      std::uint32_t t = new_label(), f = new_label();
      cond(m_.rules[r].root, t, f);
      bind(t);
      emit_insn(Op::kMatch, r);
      bind(f);
    }
    emit_insn(Op::kHalt);
    // Patch labels. A jump to the very next instruction is kept (still forward).
    for (const Label& l : labels_)
      for (auto [insn, slot] : l.uses) (slot == 1 ? code_[insn].b : code_[insn].c) = static_cast<std::uint32_t>(l.target);
    if (opts.prefilter) compute_prefilter();
    return write(opts);
  }

  // A clause: a set of literal predicates at least one of which is true whenever the node
  // is true. needs() gives clauses that all hold whenever the node is true (a conjunction),
  // cheapest first, at most bytecode::kMaxPrefilterClauses; none when no clause exists (a
  // negation, a glob, ...).
  // - `and`: every child's clauses hold, so all of them are candidates; the cheapest are kept.
  // - `or`: clause j is the union of every child's clause j (its last one past its count):
  //   whichever child is true makes its clause j, so the union, hold.
  // Clause 0 is what the prefilter section carries (the one set the runtime always had); the
  // others go to the prefilter-more section: a record must hold a literal of every clause, so
  // `Image|endswith: \cmdkey.exe` and `CommandLine|contains: ' /l'` no longer make the rule a
  // candidate on every cmdkey.exe record alone.
  // A field regex counts too: the runtime can guard it with literals it cannot match without
  // (vm/regex_guard.hpp), or else runs the rule on every record of its group. Its cost puts it
  // behind every literal clause, so it is clause 0 only where no literal clause exists, and
  // never an extra clause (its guards would only add literals to scan).
  static constexpr double kRegexNeedCost = 1e6;  // a literal's cost is at most 1
  struct Need {
    std::vector<ir::PredId> preds;
    double cost = 0;  // expected hit rate, roughly: short literals match more often
  };
  static void keep_cheapest(std::vector<Need>& clauses) {
    std::stable_sort(clauses.begin(), clauses.end(), [](const Need& a, const Need& b) { return a.cost < b.cost; });
    std::vector<Need> out;
    for (Need& c : clauses) {
      std::sort(c.preds.begin(), c.preds.end());
      c.preds.erase(std::unique(c.preds.begin(), c.preds.end()), c.preds.end());
      bool dup = false;
      for (const Need& o : out) dup |= o.preds == c.preds;
      if (!dup && out.size() < bytecode::kMaxPrefilterClauses) out.push_back(std::move(c));
    }
    clauses = std::move(out);
  }
  std::vector<Need> needs(ir::NodeId id) {
    const ir::Node& n = m_.node_at(id);
    switch (n.kind) {
      case ir::NodeKind::kFalse: return {Need{}};  // an empty clause: never a candidate
      case ir::NodeKind::kTrue:
      case ir::NodeKind::kNot: return {};
      case ir::NodeKind::kPred: {
        const ir::Pred& p = m_.pred_at(n.pred);
        bool literal = (p.kind == vm::PredKind::kEq || p.kind == vm::PredKind::kPrefix ||
                        p.kind == vm::PredKind::kSuffix || p.kind == vm::PredKind::kContains ||
                        p.kind == vm::PredKind::kKwContains) &&
                       !(p.flags & bytecode::kPredCased) && !p.operand.empty();
        if (p.kind == vm::PredKind::kRegex && !p.field.empty()) return {Need{{n.pred}, kRegexNeedCost}};
        if (!literal) return {};
        double c = 1.0 / static_cast<double>(p.operand.size());
        if (p.kind == vm::PredKind::kEq) c *= 0.5;  // equality is rarer than containment
        return {Need{{n.pred}, c}};
      }
      case ir::NodeKind::kAnd: {
        std::vector<Need> all;
        for (ir::NodeId k : n.kids) {
          std::vector<Need> s = needs(k);
          all.insert(all.end(), std::make_move_iterator(s.begin()), std::make_move_iterator(s.end()));
        }
        keep_cheapest(all);
        return all;
      }
      case ir::NodeKind::kOr: {
        std::vector<std::vector<Need>> kids;
        std::size_t m = 0;
        for (ir::NodeId k : n.kids) {
          kids.push_back(needs(k));
          if (kids.back().empty()) return {};
          m = std::max(m, kids.back().size());
        }
        m = std::min(m, bytecode::kMaxPrefilterClauses);
        // A child with fewer clauses lends its last (costliest kept) one to the later unions:
        // any clause of a child holds when the child does. `(Image contains \windows\ and
        // CommandLine contains \..\..\) or CommandLine contains .exe\..\` thus gets its
        // command-line clause {\..\..\, .exe\..\} besides {\windows\, .exe\..\}; it had
        // only the latter, and ran on every record whose image is under \windows\.
        std::vector<Need> all(m);
        for (std::size_t j = 0; j < m; ++j)
          for (const std::vector<Need>& kid : kids) {
            const Need& c = kid[std::min(j, kid.size() - 1)];
            all[j].preds.insert(all[j].preds.end(), c.preds.begin(), c.preds.end());
            all[j].cost += c.cost;
          }
        keep_cheapest(all);
        return all;
      }
    }
    return {};
  }

  // The image's predicate indices of a clause, sorted; nullopt if one was not emitted (cannot
  // happen for a rule's own predicates).
  std::optional<std::vector<std::uint32_t>> image_preds(const Need& c) const {
    std::vector<std::uint32_t> out;
    for (ir::PredId id : c.preds) {
      auto it = preds_.find(id);
      if (it == preds_.end()) return std::nullopt;
      out.push_back(it->second);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  void compute_prefilter() {
    prefilter_.assign(m_.rules.size(), {});
    prefilter_more_.assign(m_.rules.size(), {});
    has_prefilter_ = true;
    for (std::size_t r = 0; r < m_.rules.size(); ++r) {
      std::vector<Need> clauses = needs(m_.rules[r].root);
      auto first = clauses.empty() ? std::nullopt : image_preds(clauses[0]);
      if (!first) {
        prefilter_[r] = {bytecode::kAlwaysRun};
        continue;
      }
      prefilter_[r] = std::move(*first);
      for (std::size_t j = 1; j < clauses.size(); ++j)
        if (clauses[j].cost < kRegexNeedCost && !clauses[j].preds.empty())
          if (auto more = image_preds(clauses[j])) prefilter_more_[r].push_back(std::move(*more));
    }
  }

  std::string write(const EmitOptions& opts) {
    std::vector<std::pair<bytecode::SectionId, std::string>> sections;
    // Rules and meta intern strings, so build them before the string pool is frozen.
    ByteWriter rules;
    rules.u32(static_cast<std::uint32_t>(m_.rules.size()));
    for (const ir::Rule& r : m_.rules) {
      std::string tags;
      for (auto& t : r.meta.tags) tags += (tags.empty() ? "" : ",") + t;
      const std::string* meta_strings[] = {&r.meta.id, &r.meta.title, &r.meta.level, &tags,
                                           &r.meta.product, &r.meta.category, &r.meta.service};
      for (const std::string* s : meta_strings)
        rules.u32(str(*s));
    }
    ByteWriter meta;
    meta.u32(wants_all_values_ ? bytecode::kMetaWantsAllValues : 0);
    meta.u32(str(opts.compiler_version));
    meta.u32(opts.schema_hash);

    ByteWriter strings;
    strings.u32(static_cast<std::uint32_t>(string_list_.size()));
    std::uint32_t off = 0;
    for (auto& s : string_list_) {
      strings.u32(off);
      strings.u32(static_cast<std::uint32_t>(s.size()));
      off += static_cast<std::uint32_t>(s.size());
    }
    strings.u32(off);
    for (auto& s : string_list_) strings.raw(s);

    ByteWriter fields;
    fields.u32(static_cast<std::uint32_t>(field_list_.size()));
    for (auto f : field_list_) fields.u32(f);
    ByteWriter regexes;
    regexes.u32(static_cast<std::uint32_t>(regex_list_.size()));
    for (auto [s, fl] : regex_list_) {
      regexes.u32(s);
      regexes.u32(fl);
    }
    ByteWriter preds;
    preds.u32(static_cast<std::uint32_t>(pred_list_.size()));
    for (auto& p : pred_list_) {
      preds.u8(p.kind);
      preds.u8(p.flags);
      preds.u16(0);
      preds.u32(p.field);
      preds.u32(p.operand);
    }
    ByteWriter code;
    code.u32(static_cast<std::uint32_t>(code_.size()));
    for (auto& in : code_) {
      code.u8(in.op);
      code.u8(0);
      code.u16(0);
      code.u32(in.a);
      code.u32(in.b);
      code.u32(in.c);
    }
    sections = {{bytecode::SectionId::kStrings, strings.str()}, {bytecode::SectionId::kFields, fields.str()},
                {bytecode::SectionId::kRegexes, regexes.str()}, {bytecode::SectionId::kPreds, preds.str()},
                {bytecode::SectionId::kRules, rules.str()},     {bytecode::SectionId::kCode, code.str()},
                {bytecode::SectionId::kMeta, meta.str()}};
    if (has_prefilter_) {
      ByteWriter pf;
      pf.u32(static_cast<std::uint32_t>(prefilter_.size()));
      for (auto& set : prefilter_) {
        if (set.size() == 1 && set[0] == bytecode::kAlwaysRun) {
          pf.u32(bytecode::kAlwaysRun);
          continue;
        }
        pf.u32(static_cast<std::uint32_t>(set.size()));
        for (auto p : set) pf.u32(p);
      }
      sections.emplace_back(bytecode::SectionId::kPrefilter, pf.str());
      ByteWriter more;
      more.u32(static_cast<std::uint32_t>(prefilter_more_.size()));
      for (auto& clauses : prefilter_more_) {
        more.u32(static_cast<std::uint32_t>(clauses.size()));
        for (auto& c : clauses) {
          more.u32(static_cast<std::uint32_t>(c.size()));
          for (auto p : c) more.u32(p);
        }
      }
      sections.emplace_back(bytecode::SectionId::kPrefilterMore, more.str());
    }
    ByteWriter img;
    img.raw(std::string_view(bytecode::kMagic, 4));
    img.raw(std::string_view(bytecode::kMangleDetector, 4));
    img.u16(1);
    img.u16(1);  // minor 1: kPrefilterMore
    img.u32(static_cast<std::uint32_t>(sections.size()));
    for (auto& [id, payload] : sections) {
      img.u32(static_cast<std::uint32_t>(id));
      img.u32(static_cast<std::uint32_t>(payload.size()));
      img.raw(payload);
      for (std::size_t pad = (4 - payload.size() % 4) % 4; pad > 0; --pad) img.u8(0);
    }
    std::string& out = img.str();
    img.u32(bytecode::fnv1a32(reinterpret_cast<const unsigned char*>(out.data()), out.size()));
    return std::move(img.str());
  }

 private:
  struct PredRec {
    std::uint8_t kind, flags;
    std::uint32_t field, operand;
  };
  const ir::Module& m_;
  std::map<std::string, std::uint32_t> strings_;
  std::vector<std::string> string_list_;
  std::map<std::string, std::uint32_t> fields_;
  std::vector<std::uint32_t> field_list_;
  std::map<std::pair<std::string, std::uint32_t>, std::uint32_t> regexes_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> regex_list_;
  std::map<ir::PredId, std::uint32_t> preds_;
  std::vector<PredRec> pred_list_;
  std::vector<Label> labels_;
  std::vector<Insn> code_;
  bool wants_all_values_ = false;
  std::vector<std::vector<std::uint32_t>> prefilter_;
  std::vector<std::vector<std::vector<std::uint32_t>>> prefilter_more_;  // clauses 1.. per rule
  bool has_prefilter_ = false;
};

}  // namespace

std::string emit(const ir::Module& m, const EmitOptions& opts) { return Emitter(m).run(opts); }

}  // namespace sigmatch::codegen
