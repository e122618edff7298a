// prepare.cpp — see prepare.hpp.
#include "runtime/vm/prepare.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_map>

#include "runtime/bytecode/opcodes.hpp"
#include "runtime/vm/dispatch.hpp"
#include "runtime/vm/parallel.hpp"
#include "runtime/vm/regex_guard.hpp"

namespace sigmatch::vm {
namespace {

bool literal_mode(const Pred& pr, LiteralIndex::Mode* mode) {
  if (pr.flags & bytecode::kPredCased) return false;  // the index scans folded values only
  switch (pr.kind) {
    case PredKind::kEq: *mode = LiteralIndex::Mode::kEq; return true;
    case PredKind::kPrefix: *mode = LiteralIndex::Mode::kPrefix; return true;
    case PredKind::kSuffix: *mode = LiteralIndex::Mode::kSuffix; return true;
    case PredKind::kContains: *mode = LiteralIndex::Mode::kContains; return true;
    default: return false;
  }
}

// Code laid out as the compiler emits it: rule r's block ends with its MATCH r, blocks in rule
// order, every jump inside a block lands within it (or just after its MATCH), then HALT.
bool find_blocks(VerifiedProgram& p) {
  const std::size_t n = p.rules.size();
  p.rule_code.assign(n, {});
  std::uint32_t begin = 0, next_rule = 0;
  for (std::uint32_t pc = 0; pc < p.code.size(); ++pc) {
    const bytecode::Insn& in = p.code[pc];
    auto op = static_cast<bytecode::Op>(in.op);
    if (op == bytecode::Op::kMatch) {
      if (in.a != next_rule) return false;
      p.rule_code[next_rule] = {begin, pc + 1};
      ++next_rule;
      begin = pc + 1;
    } else if (op == bytecode::Op::kHalt) {
      if (pc + 1 != p.code.size()) return false;
    }
  }
  if (next_rule != n || begin + 1 != p.code.size()) return false;
  for (std::uint32_t r = 0; r < n; ++r) {
    for (std::uint32_t pc = p.rule_code[r].begin; pc < p.rule_code[r].end; ++pc) {
      const bytecode::Insn& in = p.code[pc];
      const auto& info = bytecode::kOpInfo[in.op];
      const std::uint32_t ops[3] = {in.a, in.b, in.c};
      for (int k = 0; k < 3; ++k)
        if (info.kinds[k] == bytecode::OperandKind::kTarget && ops[k] > p.rule_code[r].end) return false;
    }
  }
  return true;
}

// Kill lists (program.hpp, CodeSpan): per always-run rule, the scan-decided predicates that
// every path from the block's start to its MATCH tests false, and the fields every such path
// needs present (kKillField | f). A must-analysis over the block (jumps go forward: one pass
// in pc order): the set a path carries grows by p on a TEST p's false edge; by p's field on
// the true edge of a test of the value (every kind but is_null, exists and the keyword ones
// is false on a missing or null field), and on is_null's false edge; paths meet by
// intersection. Sets are capped at kMaxKills (any subset of a kill list is one too), so a
// hostile block costs O(length * kMaxKills).
constexpr std::size_t kMaxKills = 16;

void find_kills(VerifiedProgram& p) {
  using Set = std::vector<std::uint32_t>;  // sorted
  auto meet = [](std::optional<Set>& into, const Set& s) {
    if (!into) {
      into = s;
      return;
    }
    Set both;
    std::set_intersection(into->begin(), into->end(), s.begin(), s.end(), std::back_inserter(both));
    *into = std::move(both);
  };
  std::vector<std::optional<Set>> st;
  for (std::uint32_t r = 0; r < p.rules.size(); ++r) {
    VerifiedProgram::CodeSpan& span = p.rule_code[r];
    span.kill_begin = span.kill_end = static_cast<std::uint32_t>(p.rule_kills.size());
    if (!((p.always_run[r / 64] >> (r % 64)) & 1) || span.end <= span.begin) continue;
    st.assign(span.end - span.begin, std::nullopt);
    st[0] = Set{};
    std::optional<Set> at_match;
    auto flow = [&](std::uint32_t target, const Set& s) {
      if (target < span.end) meet(st[target - span.begin], s);  // (end: past MATCH, the rule failed)
    };
    for (std::uint32_t pc = span.begin; pc < span.end; ++pc) {
      if (!st[pc - span.begin]) continue;  // unreachable
      const Set cur = std::move(*st[pc - span.begin]);
      const bytecode::Insn& in = p.code[pc];
      auto with = [](Set s, std::uint32_t x) {
        if (s.size() < kMaxKills && !std::binary_search(s.begin(), s.end(), x)) s.insert(std::upper_bound(s.begin(), s.end(), x), x);
        return s;
      };
      switch (static_cast<bytecode::Op>(in.op)) {
        case bytecode::Op::kTest: {
          const Pred& pr = p.preds[in.a];
          const bool on_field = !is_keyword_pred(pr.kind) && pr.field < p.fields.size();
          const bool value_test = on_field && pr.kind != PredKind::kIsNull && pr.kind != PredKind::kExists;
          flow(in.b, value_test ? with(cur, VerifiedProgram::kKillField | pr.field) : cur);
          Set f = cur;
          if (p.pred_scan[in.a] != kNotScanned) f = with(std::move(f), in.a);
          if (on_field && pr.kind == PredKind::kIsNull) f = with(std::move(f), VerifiedProgram::kKillField | pr.field);
          flow(in.c, f);
          break;
        }
        case bytecode::Op::kJump: flow(in.b, cur); break;
        case bytecode::Op::kMatch:
          meet(at_match, cur);
          flow(pc + 1, cur);
          break;
        default: break;  // HALT never occurs inside a block
      }
    }
    if (at_match) p.rule_kills.insert(p.rule_kills.end(), at_match->begin(), at_match->end());
    span.kill_end = static_cast<std::uint32_t>(p.rule_kills.size());
  }
}

}  // namespace

void prepare(VerifiedProgram& p, const PrepareOptions& options) {
  // One extra index (slot fields.size()) holds the keyword literals, scanned over every value.
  p.field_index.assign(p.fields.size() + 1, LiteralIndex{});
  const std::uint32_t kw_index = static_cast<std::uint32_t>(p.fields.size());
  p.pred_scan.assign(p.preds.size(), kNotScanned);
  for (std::uint32_t i = 0; i < p.preds.size(); ++i) {
    const Pred& pr = p.preds[i];
    if (pr.kind == PredKind::kKwContains && !(pr.flags & bytecode::kPredCased)) {
      p.field_index[kw_index].add(pr.str, LiteralIndex::Mode::kContains, i);
      p.pred_scan[i] = kw_index;
      continue;
    }
    LiteralIndex::Mode mode;
    if (!literal_mode(pr, &mode)) continue;
    if (mode == LiteralIndex::Mode::kEq) p.eq_index.add(pr.field, pr.str, i);
    else p.field_index[pr.field].add(pr.str, mode, i);
    p.pred_scan[i] = pr.field;
  }
  p.eq_index.build();
  // Regex guards: a regex pred's literals join its field's automaton under new ids, shared by
  // regexes with the same literal on the same field.
  p.memo_size = static_cast<std::uint32_t>(p.preds.size());
  p.field_guards.assign(p.fields.size(), {});
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> guards_of;  // regex pred -> ids
  if (options.regex_guards && options.prefilter && p.has_prefilter) {
    // Only regexes some rule's prefilter set names (the others would only cost scan work), each
    // analysed once however many predicates use it, within program-wide budgets: a hostile image
    // must not turn the load into hours of prefilter analysis or gigabytes of guard literals.
    std::vector<std::uint8_t> wanted(p.preds.size(), 0);
    for (const PrefilterSet& set : p.prefilter)
      for (std::uint32_t pr : set.preds) wanted[pr] = 1;
    std::map<std::pair<const RE2*, bool>, std::vector<std::string>> analysed;
    // Per field, before any guard is added: guards under 3 bytes cost its scan nothing.
    std::vector<std::uint8_t> short_guards(p.fields.size());
    for (std::uint32_t f = 0; f < p.fields.size(); ++f) short_guards[f] = p.field_index[f].filter_ruled_out();
    std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> ids;
    std::size_t analyses = 0, bytes = 0;
    for (std::uint32_t i = 0; i < p.preds.size(); ++i) {
      const Pred& pr = p.preds[i];
      if (!wanted[i] || pr.kind != PredKind::kRegex || pr.field >= p.fields.size() || !pr.re) continue;
      const bool short_ok = short_guards[pr.field];
      auto [at, fresh_re] = analysed.try_emplace({pr.re, short_ok});
      if (fresh_re && ++analyses <= kMaxGuardedRegexes) at->second = regex_guard(*pr.re, short_ok);
      std::vector<std::uint32_t> mine;
      for (const std::string& lit : at->second) {
        auto found = ids.find({pr.field, lit});
        if (found == ids.end()) {
          if (p.memo_size - p.preds.size() >= kMaxGuardIds || bytes + lit.size() > kMaxGuardBytes) {
            mine.clear();  // over budget: this regex keeps no guard (its rules run as before)
            break;
          }
          bytes += lit.size();
          found = ids.emplace(std::make_pair(pr.field, lit), p.memo_size).first;
          p.field_index[pr.field].add(p.guard_literals.emplace_back(lit), LiteralIndex::Mode::kContains, p.memo_size);
          p.field_guards[pr.field].push_back(p.memo_size++);
        }
        mine.push_back(found->second);
      }
      if (!mine.empty()) guards_of[i] = std::move(mine);
    }
  }
  // (pred_rules entries keep a rule number in 27 bits; no image holds 2^27 rules.) Decided
  // before the index builds: nothing here depends on them, and dispatch's analysis runs
  // alongside them.
  p.use_prefilter = options.prefilter && p.has_prefilter &&
                    p.rules.size() < (1u << (32 - VerifiedProgram::kEntryRuleShift)) && find_blocks(p);
  // The indexes are independent: built in parallel when the load has threads, the largest
  // first (on the all-Windows image CommandLine's automaton alone is ~20-30 ms of the load).
  std::vector<std::uint32_t> build_order;
  for (std::uint32_t f = 0; f < p.field_index.size(); ++f)
    if (!p.field_index[f].empty()) build_order.push_back(f);
  std::stable_sort(build_order.begin(), build_order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return p.field_index[a].size() > p.field_index[b].size();
  });
  // Dispatch's analysis (build_dispatch) is one more job, second in line: it reads of the
  // indexes only which are empty (their literals, which build() does not touch) and takes the
  // keyword index's address, so it needs none of them built. Serial after them it was ~7-8 ms
  // of a 2-thread load of the all-Windows image that no other thread shared. A build that
  // fails (only a hostile image's) unindexes predicates the analysis counted as indexed: it
  // is then redone below, after the failures are applied.
  constexpr std::uint32_t kDispatchJob = 0xFFFFFFFFu;
  const bool dispatch_wanted = p.use_prefilter && options.dispatch;
  if (dispatch_wanted)
    build_order.insert(build_order.begin() + std::min<std::size_t>(1, build_order.size()), kDispatchJob);
  std::vector<std::uint8_t> built(p.field_index.size(), 1);
  DispatchAnalysis dispatch;
  parallel_for(options.pool, build_order.size(), options.threads, [&](std::size_t k) {
    if (build_order[k] == kDispatchJob) dispatch = build_dispatch(p);
    else built[build_order[k]] = p.field_index[build_order[k]].build();
  });
  bool any_failed = false;
  for (std::uint32_t f = 0; f < p.field_index.size(); ++f) {
    LiteralIndex& idx = p.field_index[f];
    if (built[f]) continue;
    any_failed = true;
    // Too many literal bytes for one automaton (only a hostile image gets here): this field's
    // automaton predicates are evaluated one by one instead (its eq ones stay in eq_index).
    idx = LiteralIndex{};
    if (f < p.fields.size() && !p.field_guards[f].empty()) {  // its regexes lose their guards
      p.field_guards[f].clear();
      for (auto it = guards_of.begin(); it != guards_of.end();)
        it = p.preds[it->first].field == f ? guards_of.erase(it) : std::next(it);
    }
    for (std::uint32_t i = 0; i < p.pred_scan.size(); ++i)
      if (p.pred_scan[i] == f && !(f < p.fields.size() && p.preds[i].kind == PredKind::kEq &&
                                   !(p.preds[i].flags & bytecode::kPredCased)))
        p.pred_scan[i] = kNotScanned;
  }

  for (bytecode::Insn& in : p.code)
    if (static_cast<bytecode::Op>(in.op) == bytecode::Op::kTest && in.a < p.pred_scan.size())
      in.scan = p.pred_scan[in.a] < bytecode::kNoScan ? static_cast<std::uint16_t>(p.pred_scan[in.a]) : bytecode::kNoScan;
  p.field_flags.assign(p.field_index.size(), 0);
  for (std::uint32_t f = 0; f < p.field_index.size(); ++f) {
    const LiteralIndex& idx = p.field_index[f];
    p.field_flags[f] = static_cast<std::uint8_t>(
        (idx.empty() ? 0 : VerifiedProgram::kFieldIndexed) | (idx.folds_ascii() ? VerifiedProgram::kFieldFoldsAscii : 0) |
        (f < p.fields.size() && !p.field_guards[f].empty() ? VerifiedProgram::kFieldGuarded : 0));
  }

  // Field scans only: the keyword index is scanned once over the record's joined values.
  p.use_scan_cache =
      options.scan_cache && std::any_of(p.field_index.begin(), p.field_index.end() - 1,
                                        [](const LiteralIndex& i) { return !i.empty(); });

  // Keyword literals are `contains` only (kw_contains), so joining a record's values with a
  // byte none of them contains cannot create or hide a match (vm.cpp, fold_values).
  const LiteralIndex& kw = p.field_index[p.fields.size()];
  p.kw_separator = kw.empty() ? 0 : kw.unused_byte();
  p.pred_fans_out.assign((p.memo_size + 63) / 64, 0);  // (none without the prefilter)
  if (!p.use_prefilter) return;
  const std::size_t n = p.rules.size();
  // Dispatch's table comes before the clauses: a clause it implies is not worth a prefilter
  // entry (dispatch.hpp).
  if (dispatch_wanted && any_failed) dispatch = build_dispatch(p);
  p.always_run.assign((n + 63) / 64, 0);
  p.clause_full.assign(n, 0);
  std::vector<std::vector<std::uint32_t>> by_pred(p.memo_size);
  std::vector<std::uint8_t> field_used(p.fields.size() + 1, 0);
  std::vector<std::vector<std::uint32_t>> rule_fields(n);  // fields of r's prefilter clauses
  // field_rule[f] == r + 1: f is in rule_fields[r] already (a linear search per predicate was
  // quadratic in a hostile image's one huge clause over many fields).
  std::vector<std::uint32_t> field_rule(p.fields.size() + 1, 0);
  // Pass 1: each rule's clauses, as the memo ids that satisfy them (a guarded regex by any of
  // its guards), and how many rule clauses each id satisfies.
  std::vector<std::vector<std::vector<std::uint32_t>>> rule_clauses(n);
  std::vector<std::uint32_t> id_clauses(p.memo_size, 0);
  for (std::uint32_t r = 0; r < n; ++r) {
    const PrefilterSet& set = p.prefilter[r];
    // The clauses the literal index can decide (every predicate indexed or guarded); a rule
    // with none runs on every record of its group.
    std::vector<const std::vector<std::uint32_t>*> clauses;
    auto usable = [&](const std::vector<std::uint32_t>& c) {
      for (std::uint32_t pr : c)
        if (!p.pred_indexed(pr) && !guards_of.count(pr)) return false;
      return true;
    };
    auto wanted = [&](const std::vector<std::uint32_t>& c) {
      return usable(c) && (dispatch.rules.empty() || !dispatch_implies(dispatch, r, c));
    };
    if (!set.always) {
      if (wanted(set.preds)) clauses.push_back(&set.preds);
      if (options.prefilter_clauses)
        for (const auto& c : set.more)
          if (clauses.size() < kMaxRuleClauses && wanted(c)) clauses.push_back(&c);
    }
    if (clauses.empty()) {
      p.always_run[r / 64] |= 1ull << (r % 64);
      continue;
    }
    if (clauses.size() > 1) p.clause_full[r] = static_cast<std::uint8_t>((1u << clauses.size()) - 1);
    for (const std::vector<std::uint32_t>* clause : clauses) {
      std::vector<std::uint32_t>& ids = rule_clauses[r].emplace_back();
      for (std::uint32_t pr : *clause) {
        if (auto g = guards_of.find(pr); g != guards_of.end())  // one of its literals
          ids.insert(ids.end(), g->second.begin(), g->second.end());
        else
          ids.push_back(pr);
        std::uint32_t f = is_keyword_pred(p.preds[pr].kind) ? static_cast<std::uint32_t>(p.fields.size()) : p.preds[pr].field;
        field_used[f] = 1;
        if (field_rule[f] != r + 1) {  // every clause's fields, the deferred one's too
          field_rule[f] = r + 1;
          rule_fields[r].push_back(f);
        }
      }
      // (A clause may list a predicate twice, and two regexes share guards: once per clause.)
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (std::uint32_t id : ids) ++id_clauses[id];
    }
  }
  // Pass 2: entries. A rule of several clauses defers one small clause (at most
  // kMaxDeferredIds ids): the one whose ids the most rule clauses share (`\powershell.exe` is
  // in 150, `\cmd.exe` in 109 of the SigmaHQ Windows rules: shared literals are common ones).
  // It gets no entries; once the rule's other clauses are all found, run() looks for one of
  // its ids in the record's memo. On Sysmon 1 records each found common image name visited
  // ~100 rules whose selective CommandLine clause then failed.
  p.rule_defer_begin.assign(n + 1, 0);
  for (std::uint32_t r = 0; r < n; ++r) {
    p.rule_defer_begin[r] = static_cast<std::uint32_t>(p.rule_defer.size());
    std::vector<std::vector<std::uint32_t>>& clauses = rule_clauses[r];
    if (clauses.empty()) continue;
    std::size_t deferred = clauses.size();
    if (clauses.size() > 1 && options.defer_clauses) {
      std::uint64_t best = 0;
      for (std::size_t c = 0; c < clauses.size(); ++c) {
        if (clauses[c].size() > VerifiedProgram::kMaxDeferredIds) continue;
        std::uint64_t shared = 0;
        for (std::uint32_t id : clauses[c]) shared += id_clauses[id];
        if (shared > best) best = shared, deferred = c;
      }
    }
    if (deferred < clauses.size()) {
      p.rule_defer.insert(p.rule_defer.end(), clauses[deferred].begin(), clauses[deferred].end());
      clauses.erase(clauses.begin() + static_cast<std::ptrdiff_t>(deferred));
    }
    const std::uint32_t need = (1u << clauses.size()) - 1;
    for (std::size_t c = 0; c < clauses.size(); ++c) {
      const std::uint32_t entry =
          r << VerifiedProgram::kEntryRuleShift | need << 2 | (static_cast<std::uint32_t>(c) + 1);
      for (std::uint32_t id : clauses[c]) by_pred[id].push_back(entry);
    }
  }
  p.rule_defer_begin[n] = static_cast<std::uint32_t>(p.rule_defer.size());
  p.pred_rules_begin.assign(p.memo_size + 1, 0);
  for (std::uint32_t i = 0; i < p.memo_size; ++i) {
    p.pred_rules_begin[i] = static_cast<std::uint32_t>(p.pred_rules.size());
    p.pred_rules.insert(p.pred_rules.end(), by_pred[i].begin(), by_pred[i].end());
  }
  p.pred_rules_begin[p.memo_size] = static_cast<std::uint32_t>(p.pred_rules.size());
  for (std::uint32_t r = 0; r < n; ++r)
    if ((p.always_run[r / 64] >> (r % 64)) & 1) p.always_list.push_back(r);
  for (std::uint32_t i = 0; i < p.memo_size; ++i)
    if (!by_pred[i].empty()) p.pred_fans_out[i / 64] |= 1ull << (i % 64);
  for (std::uint32_t f = 0; f <= p.fields.size(); ++f)
    if (field_used[f]) p.prefilter_fields.push_back(f);
  if (!dispatch.rules.empty()) finish_dispatch(p, rule_fields);
  p.use_dispatch = p.dispatch.enabled;
  if (options.kill_lists) find_kills(p);
}

}  // namespace sigmatch::vm
