// dispatch.cpp — see dispatch.hpp. The dataflow, the group table and the lookup.
#include "runtime/vm/dispatch.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include "runtime/bytecode/opcodes.hpp"
#include "runtime/vm/program.hpp"
#include "runtime/vm/scratch.hpp"
#include "sigmatch/event.hpp"

namespace sigmatch::vm {
namespace {

// Caps that keep a hostile image (thousands of distinct EventID literals) from making the table
// or the groups large; beyond them the program simply runs undispatched. The SigmaHQ Windows
// rule set (2,872 rules) needs 38 x 271 cells and 453 groups.
constexpr std::size_t kMaxCells = 1u << 18;
constexpr std::size_t kMaxGroups = 4096;
// Distinct per-group keyword literal sets given their own index (see keyword_index); groups past
// it scan the whole keyword index. The subsets hold at most twice the whole index's literals.
constexpr std::size_t kMaxKeywordIndexes = 64;

// A set of value ids, or "any value".
struct VSet {
  bool any = true;
  std::vector<std::uint32_t> ids;  // sorted, when !any

  void meet_one(std::uint32_t id) {  // this ∩ {id}
    if (any || std::binary_search(ids.begin(), ids.end(), id))
      ids.assign(1, id);
    else
      ids.clear();
    any = false;
  }
  void remove(std::uint32_t id) {  // this \ {id}; "any minus one" stays "any" (sound)
    if (!any) ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  }
  void join(const VSet& o) {
    if (any) return;
    if (o.any) {
      any = true;
      ids.clear();
      return;
    }
    // Paths mostly meet with the same ids (both sides of a test on another field): no new set.
    if (std::includes(ids.begin(), ids.end(), o.ids.begin(), o.ids.end())) return;
    std::vector<std::uint32_t> u;
    u.reserve(ids.size() + o.ids.size());
    std::set_union(ids.begin(), ids.end(), o.ids.begin(), o.ids.end(), std::back_inserter(u));
    ids = std::move(u);
  }
};

// build_dispatch's dataflow moves states along the edges and copies one only where a TEST
// splits it: copies, destructors and joins of these small vectors were 110M of build_dispatch's
// 139.5M instructions, and build_dispatch 29% of loading the all-Windows image (callgrind).
struct State {
  bool reached = false;
  VSet v[2];
  void join(State&& o) {
    if (!reached) {
      *this = std::move(o);
      return;
    }
    v[0].join(o.v[0]);
    v[1].join(o.v[1]);
  }
  void join(const State& o) {
    if (!reached) {
      *this = o;
      return;
    }
    v[0].join(o.v[0]);
    v[1].join(o.v[1]);
  }
};

// What TEST p says about dispatch field k on its true / false edge.
enum class Effect : std::uint8_t { kNone, kEq, kIsNull, kExists };

struct PredEffect {
  Effect effect = Effect::kNone;
  int field = -1;
  std::uint32_t id = 0;  // kEq: the value id
};

}  // namespace

namespace {

constexpr std::uint64_t kHigh = 0x8080808080808080ull;
constexpr std::uint32_t kNoGroup = 0xFFFFFFFFu;

// `w` with its upper-case ASCII bytes lower-cased; other bytes (>= 0x80 included) unchanged.
std::uint64_t lower8(std::uint64_t w) { return text::lower_ascii8(w); }

std::uint64_t load8(std::string_view v, std::size_t i) {  // zero-padded past the end
  std::uint64_t w;
  if (i + 8 <= v.size()) {
    std::memcpy(&w, v.data() + i, 8);  // a fixed-size copy is one load; a variable one a call
    return w;
  }
  return text::load_partial(v.data() + i, v.size() - i);
}

// The keyword index for a group whose rules test `preds` (sorted): shared between groups with
// the same set. The program's whole index when the set is most of it (a near copy would buy
// little), or once the subsets built so far hold `budget` literals in all: a hostile image
// cannot make the load build 64 near copies of a large keyword index.
const LiteralIndex* keyword_index(const VerifiedProgram& p, Dispatch& d,
                                  std::map<std::vector<std::uint32_t>, const LiteralIndex*>& seen,
                                  const std::vector<std::uint32_t>& preds, std::size_t total,
                                  std::size_t& budget, const LiteralIndex& all) {
  if (preds.empty() || 4 * preds.size() > 3 * total) return &all;
  auto it = seen.find(preds);
  if (it != seen.end()) return it->second;
  if (d.keyword_indexes.size() == kMaxKeywordIndexes || preds.size() > budget) return &all;
  budget -= preds.size();
  auto idx = std::make_unique<LiteralIndex>();
  for (std::uint32_t i : preds) idx->add(p.preds[i].str, LiteralIndex::Mode::kContains, i);
  if (!idx->build()) return &all;  // (a subset of a buildable index always builds)
  d.keyword_indexes.push_back(std::move(idx));
  return seen[preds] = d.keyword_indexes.back().get();
}

}  // namespace

void ValueIds::build(const std::vector<std::pair<std::string_view, std::uint32_t>>& keys) {
  slots_.clear();
  mask_ = 0;
  if (keys.empty()) return;
  std::size_t size = 8;
  while (size < 2 * keys.size()) size *= 2;
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  // Every canonical decimal key gets its direct entry, or none does (a number past the limit
  // would be missed by find's direct path, so then every lookup hashes).
  std::uint32_t max_small = 0;
  bool all_small = true;
  for (const auto& kv : keys) {
    std::uint32_t n = 0;
    if (canonical_decimal(kv.first, &n)) {
      all_small &= n < kSmallLimit;
      max_small = std::max(max_small, n);
    }
  }
  small_.clear();
  if (all_small) {
    small_.assign(max_small + 1, 0);
    for (const auto& [key, id] : keys) {
      std::uint32_t n = 0;
      if (canonical_decimal(key, &n)) small_[n] = id;
    }
  }
  for (const auto& [key, id] : keys) {
    const std::uint64_t h = hash(key, nullptr);
    std::size_t i = h & mask_;
    while (slots_[i].id != 0) i = (i + 1) & mask_;
    slots_[i] = {h, key, id};
  }
}

std::uint64_t ValueIds::hash(std::string_view v, std::uint64_t* high) {
  std::uint64_t h = 0x243F6A8885A308D3ull ^ v.size(), any = 0;
  for (std::size_t i = 0; i < v.size(); i += 8) {
    const std::uint64_t w = load8(v, i);
    any |= w;
    h = (h ^ lower8(w)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  if (high) *high = any & kHigh;
  return h ^ (h >> 32);
}

bool ValueIds::equal_folded(std::string_view v, std::string_view key) {
  if (v.size() != key.size()) return false;
  for (std::size_t i = 0; i < v.size(); i += 8)
    if (lower8(load8(v, i)) != load8(key, i)) return false;
  return true;
}

// Field k's value id; also memoises the field's eq predicates as decided (see dispatch.hpp).
std::uint32_t Dispatch::lookup(int k, Scratch& s, const Event& ev) const {
  const DispatchField& f = field[k];
  if (f.slot == bytecode::kNoField) return 0;
  const FieldValue& fv = ev.get(f.slot);
  std::uint32_t id = 0;
  if (fv.state == ValueState::kPresent) {
    id = f.ids.find(fv.text, [&] { return s.folded(f.slot, fv.text); });
    if (id == 0) id = f.other;
  }
  if (id < f.other)
    for (std::uint32_t j = f.true_begin[id]; j < f.true_begin[id + 1]; ++j) {
      std::uint32_t pred = f.true_preds[j];
      s.memo_set(pred, true);
      if (j < f.true_fans[id]) s.matched_.push_back(pred);
    }
  // Every indexed predicate on the field is an eq: those not set true above are false, which
  // is what a scanned field's unset predicates mean (vm::eval_pred).
  if (f.eq_only) s.scan_gen_[f.slot] = s.gen_;
  return id;
}

const DispatchGroup& Dispatch::route(Scratch& s, const Event& ev) const {
  // EventID first: when its id alone decides the group, Channel is not looked at (its
  // predicates are then evaluated, or its index scanned, only if a rule of the group asks).
  const std::uint32_t id1 = lookup(1, s, ev);
  if (by_event_id[id1] != kMixed) return groups[by_event_id[id1]];
  const std::uint32_t id0 = lookup(0, s, ev);
  return groups[table[id0 * (field[1].other + 1) + id1]];
}

DispatchAnalysis build_dispatch(VerifiedProgram& p) {
  Dispatch& d = p.dispatch;
  d = Dispatch{};
  static constexpr std::string_view kNames[2] = {"Channel", "EventID"};
  bool any_field = false;
  for (int k = 0; k < 2; ++k) {
    auto it = std::find(p.fields.begin(), p.fields.end(), kNames[k]);
    // A program without the field never tests it: one id (not present) covers every record.
    d.field[k].slot = it == p.fields.end() ? bytecode::kNoField
                                           : static_cast<std::uint32_t>(it - p.fields.begin());
    any_field |= it != p.fields.end();
  }
  if (!any_field) return {};

  // Value ids: the folded literals of the uncased eq tests on each dispatch field.
  std::vector<PredEffect> eff(p.preds.size());
  std::unordered_map<std::string_view, std::uint32_t> ids[2];
  for (std::uint32_t i = 0; i < p.preds.size(); ++i) {
    const Pred& pr = p.preds[i];
    for (int k = 0; k < 2; ++k) {
      if (pr.field != d.field[k].slot || d.field[k].slot == bytecode::kNoField) continue;
      if (pr.kind == PredKind::kIsNull)
        eff[i] = {Effect::kIsNull, k, 0};
      else if (pr.kind == PredKind::kExists)
        eff[i] = {Effect::kExists, k, 0};
      else if (pr.kind == PredKind::kEq && !(pr.flags & bytecode::kPredCased)) {
        auto [it, fresh] = ids[k].emplace(pr.str, static_cast<std::uint32_t>(ids[k].size() + 1));
        eff[i] = {Effect::kEq, k, it->second};
      }
    }
  }
  for (int k = 0; k < 2; ++k) {
    d.field[k].other = static_cast<std::uint32_t>(ids[k].size() + 1);
    d.field[k].ids.build({ids[k].begin(), ids[k].end()});
  }
  for (int k = 0; k < 2; ++k) {
    DispatchField& f = d.field[k];
    std::vector<std::vector<std::uint32_t>> by_id(f.other);
    // Eq literals live in eq_index; anything in the field's automaton (contains/prefix/suffix
    // literals, or regex guards, which no indexed predicate below shows) needs its scan.
    f.eq_only = f.slot != bytecode::kNoField && p.field_index[f.slot].empty();
    for (std::uint32_t i = 0; i < p.preds.size(); ++i) {
      if (p.preds[i].field != f.slot || !p.pred_indexed(i) || is_keyword_pred(p.preds[i].kind))
        continue;
      if (eff[i].effect == Effect::kEq && eff[i].field == k)
        by_id[eff[i].id].push_back(i);
      else
        f.eq_only = false;
    }
    f.true_begin.assign(1, 0);
    for (auto& v : by_id) {
      f.true_preds.insert(f.true_preds.end(), v.begin(), v.end());
      f.true_begin.push_back(static_cast<std::uint32_t>(f.true_preds.size()));
    }
  }
  const std::size_t n0 = d.field[0].other + 1, n1 = d.field[1].other + 1;
  if (n0 * n1 > kMaxCells) {
    d = Dispatch{};
    return {};
  }

  // Forward dataflow over each rule block (jumps go forward: one pass in pc order).
  const std::size_t nrules = p.rules.size(), words = (nrules + 63) / 64;
  std::vector<VSet> result[2];
  result[0].resize(nrules);
  result[1].resize(nrules);
  std::vector<State> st;
  for (std::uint32_t r = 0; r < nrules; ++r) {
    const std::uint32_t begin = p.rule_code[r].begin, end = p.rule_code[r].end;
    st.assign(end - begin, State{});
    st[0].reached = true;
    State matched;
    for (std::uint32_t pc = begin; pc < end; ++pc) {
      if (!st[pc - begin].reached) continue;
      // Jumps go forward: no edge reaches pc after this, so its state can be moved out.
      State cur = std::move(st[pc - begin]);
      const bytecode::Insn& in = p.code[pc];
      auto flow = [&](std::uint32_t target, State&& s) {
        if (target < end) st[target - begin].join(std::move(s));  // end: past MATCH, the rule failed
      };
      switch (static_cast<bytecode::Op>(in.op)) {
        case bytecode::Op::kTest: {
          const PredEffect& e = eff[in.a];
          State t = cur, &f = cur;
          if (e.effect == Effect::kEq) {
            t.v[e.field].meet_one(e.id);
            f.v[e.field].remove(e.id);
          } else if (e.effect == Effect::kIsNull) {
            t.v[e.field].meet_one(0);
            f.v[e.field].remove(0);
          } else if (e.effect == Effect::kExists) {
            f.v[e.field].meet_one(0);  // false: the field is missing (null still "exists")
          }
          flow(in.b, std::move(t));
          flow(in.c, std::move(f));
          break;
        }
        case bytecode::Op::kJump:
          flow(in.b, std::move(cur));
          break;
        case bytecode::Op::kMatch:
          matched.join(cur);
          flow(pc + 1, std::move(cur));
          break;
        default:
          break;  // HALT never occurs inside a block
      }
    }
    if (matched.reached) {
      result[0][r] = std::move(matched.v[0]);
      result[1][r] = std::move(matched.v[1]);
    } else {  // MATCH unreachable: the rule can never fire
      result[0][r] = VSet{false, {}};
      result[1][r] = VSet{false, {}};
    }
  }

  // Per field and id: the rules whose set admits that id ("other" only admits "any").
  auto admits = [&](int k, std::size_t n) {
    std::vector<std::vector<std::uint64_t>> bits(n, std::vector<std::uint64_t>(words, 0));
    for (std::uint32_t r = 0; r < nrules; ++r) {
      const VSet& v = result[k][r];
      if (v.any) {
        for (auto& b : bits) b[r / 64] |= 1ull << (r % 64);
      } else {
        for (std::uint32_t id : v.ids) bits[id][r / 64] |= 1ull << (r % 64);
      }
    }
    return bits;
  };
  const auto b0 = admits(0, n0), b1 = admits(1, n1);

  // Per rule: the indexed keyword predicates its block tests (for the groups' keyword indexes).
  const std::uint32_t kw_field = static_cast<std::uint32_t>(p.fields.size());
  const LiteralIndex& all_keywords = p.field_index[kw_field];
  std::vector<std::vector<std::uint32_t>> rule_kw(nrules);
  std::size_t kw_total = 0;
  for (std::uint32_t i = 0; i < p.preds.size(); ++i)
    kw_total += p.pred_indexed(i) && is_keyword_pred(p.preds[i].kind);
  if (kw_total != 0)
    for (std::uint32_t r = 0; r < nrules; ++r) {
      for (std::uint32_t pc = p.rule_code[r].begin; pc < p.rule_code[r].end; ++pc) {
        const bytecode::Insn& in = p.code[pc];
        if (static_cast<bytecode::Op>(in.op) == bytecode::Op::kTest && p.pred_indexed(in.a) &&
            is_keyword_pred(p.preds[in.a].kind))
          rule_kw[r].push_back(in.a);
      }
    }
  std::map<std::vector<std::uint32_t>, const LiteralIndex*> kw_seen;
  std::size_t kw_budget = 2 * kw_total;
  std::vector<std::uint32_t> kw_preds;

  // Cells with the same rule set share a group. Found by a hash of the set, compared word by
  // word only on equal hashes: an ordered map keyed by the whole set compared 45-word vectors
  // ~9 times per cell (loading the all-Windows image: 380.3M -> 366.0M instructions).
  std::unordered_multimap<std::uint64_t, std::uint32_t> seen;
  std::vector<std::uint64_t> cell(words);
  d.table.resize(n0 * n1);
  for (std::size_t i = 0; i < n0; ++i)
    for (std::size_t j = 0; j < n1; ++j) {
      std::uint64_t h = 0x9E3779B97F4A7C15ull;
      for (std::size_t w = 0; w < words; ++w) {
        cell[w] = b0[i][w] & b1[j][w];
        h = (h ^ cell[w]) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
      }
      std::uint32_t found = kNoGroup;
      for (auto [it, end] = seen.equal_range(h); it != end && found == kNoGroup; ++it)
        if (d.groups[it->second].rules == cell) found = it->second;
      if (found != kNoGroup) {
        d.table[i * n1 + j] = found;
        continue;
      }
      d.table[i * n1 + j] = static_cast<std::uint32_t>(d.groups.size());
      seen.emplace(h, static_cast<std::uint32_t>(d.groups.size()));
      if (d.groups.size() == kMaxGroups) {  // no dispatch
        d = Dispatch{};
        return {};
      }
      DispatchGroup g;
      g.rules = cell;
      g.none = std::all_of(cell.begin(), cell.end(), [](std::uint64_t w) { return w == 0; });
      if (kw_total != 0) {
        kw_preds.clear();
        for (std::size_t w = 0; w < words; ++w)
          for (std::uint64_t bits = cell[w]; bits != 0; bits &= bits - 1) {
            const std::uint32_t r = static_cast<std::uint32_t>(w * 64 + __builtin_ctzll(bits));
            kw_preds.insert(kw_preds.end(), rule_kw[r].begin(), rule_kw[r].end());
          }
        std::sort(kw_preds.begin(), kw_preds.end());
        kw_preds.erase(std::unique(kw_preds.begin(), kw_preds.end()), kw_preds.end());
        g.keywords = keyword_index(p, d, kw_seen, kw_preds, kw_total, kw_budget, all_keywords);
      }
      d.groups.push_back(std::move(g));
    }
  d.by_event_id.assign(n1, Dispatch::kMixed);
  for (std::size_t j = 0; j < n1; ++j) {
    bool same = true;
    for (std::size_t i = 1; i < n0 && same; ++i) same = d.table[i * n1 + j] == d.table[j];
    if (same) d.by_event_id[j] = d.table[j];
  }
  DispatchAnalysis a;
  a.rules.resize(nrules);
  for (std::uint32_t r = 0; r < nrules; ++r)
    for (int k = 0; k < 2; ++k) {
      a.rules[r].any[k] = result[k][r].any;
      a.rules[r].ids[k] = std::move(result[k][r].ids);
    }
  for (int k = 0; k < 2; ++k) {
    a.eq_id[k].assign(p.preds.size(), 0);
    for (std::uint32_t i = 0; i < p.preds.size(); ++i)
      if (eff[i].effect == Effect::kEq && eff[i].field == k) a.eq_id[k][i] = eff[i].id;
  }
  return a;
}

bool dispatch_implies(const DispatchAnalysis& a, std::uint32_t rule, const std::vector<std::uint32_t>& clause) {
  const RuleDispatchValues& v = a.rules[rule];
  std::vector<std::uint32_t> covered;
  for (int k = 0; k < 2; ++k) {
    // Every id the rule admits (none: the rule never matches, and its clauses are moot) must
    // be one an eq test of the clause is true for. Id 0 (missing) and `other` are no such id.
    if (v.any[k]) continue;
    covered.clear();
    for (std::uint32_t pred : clause)
      if (pred < a.eq_id[k].size() && a.eq_id[k][pred] != 0) covered.push_back(a.eq_id[k][pred]);
    std::sort(covered.begin(), covered.end());
    if (std::includes(covered.begin(), covered.end(), v.ids[k].begin(), v.ids[k].end())) return true;
  }
  return false;
}

void finish_dispatch(VerifiedProgram& p, const std::vector<std::vector<std::uint32_t>>& rule_fields) {
  Dispatch& d = p.dispatch;
  const std::size_t words = p.always_run.size();
  std::vector<std::uint8_t> field_mark(p.fields.size() + 1);
  for (DispatchGroup& g : d.groups) {
    for (std::uint32_t r : p.always_list)
      if ((g.rules[r / 64] >> (r % 64)) & 1) g.always.push_back(r);
    std::fill(field_mark.begin(), field_mark.end(), 0);
    for (std::size_t w = 0; w < words; ++w)
      for (std::uint64_t bits = g.rules[w] & ~p.always_run[w]; bits != 0; bits &= bits - 1) {
        std::uint32_t r = static_cast<std::uint32_t>(w * 64 + __builtin_ctzll(bits));
        for (std::uint32_t f : rule_fields[r]) field_mark[f] = 1;
      }
    // Same order as p.prefilter_fields (ascending), so scans happen in one fixed order.
    for (std::uint32_t f : p.prefilter_fields)
      if (field_mark[f]) g.fields.push_back(f);
  }
  for (DispatchField& f : d.field) {
    f.true_fans.assign(f.true_begin.empty() ? 0 : f.true_begin.size() - 1, 0);
    for (std::size_t id = 0; id + 1 < f.true_begin.size(); ++id) {
      auto b = f.true_preds.begin() + f.true_begin[id], e = f.true_preds.begin() + f.true_begin[id + 1];
      f.true_fans[id] = static_cast<std::uint32_t>(
          std::stable_partition(b, e, [&](std::uint32_t pred) { return p.fans_out(pred); }) - f.true_preds.begin());
    }
  }
  d.enabled = true;
}

}  // namespace sigmatch::vm
