// dispatch.hpp — dispatch on Channel and EventID before anything else is evaluated: a record's
// two values select a group, precomputed at load, holding the rules that can possibly match a
// record with those values and the indexed fields those rules need scanned. A Security 4624
// record then never meets the ~1,400 Sysmon/4688 process-creation rules nor scans their fields.
//
// Derived from the verified code, not from an image section, so it holds for any image: a
// forward dataflow over each rule's block computes, per dispatch field, the set of values the
// field can hold on some path that reaches the rule's MATCH (or "any"). A path reaching MATCH
// passed every test on it, so its value survives each meet: the sets over-approximate and the
// dispatch never drops a match (tests/e2e/dispatch, and the e2e and corpus differential tests
// compare against the reference evaluator and against the linear, undispatched run).
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "runtime/vm/literal_index.hpp"
#include "runtime/vm/text.hpp"

namespace sigmatch {
class Event;
}

namespace sigmatch::vm {

struct VerifiedProgram;
class Scratch;

struct DispatchGroup {
  bool none = false;                  // no rule can match: the record is done after routing
  std::vector<std::uint64_t> rules;   // bitset: rules that may match a record of this group
  std::vector<std::uint32_t> always;  // rules & always_run (no literal requirement), ascending
  std::vector<std::uint32_t> fields;  // literal-indexed fields the group's rules need scanned
  // The keyword index to scan for this group: only the keyword literals its rules test (most
  // keyword rules name a channel, so a Security record need not look for Exchange or print
  // spooler strings, and fewer literals make the filter sharper). Null: the program's whole
  // keyword index. A keyword predicate it lacks is decided false, which is right: no rule
  // that tests it runs on the group's records.
  const LiteralIndex* keywords = nullptr;
};

// Folded value -> id, looked up with a record's raw value: an ASCII value is hashed and
// compared with its letters lower-cased on the fly, 8 bytes at a time (no folded copy, no
// std::hash); only a value with bytes >= 0x80 is folded first. Open addressing, at most half
// full. Tested by tests/unit/vm_test.cpp and tests/e2e/dispatch.
class ValueIds {
 public:
  // The keys are folded literals (views into the image), ids 1..n.
  void build(const std::vector<std::pair<std::string_view, std::uint32_t>>& keys);
  // The id of `value`'s fold, or 0. `folded` gives the folded copy when the value is not ASCII.
  template <class Fold>
  std::uint32_t find(std::string_view value, Fold&& folded) const {
    if (slots_.empty()) return 0;
    // A short decimal number (an EventID) is its own index: no hashing, no comparison.
    std::uint32_t n = 0;
    if (!small_.empty() && canonical_decimal(value, &n)) return n < small_.size() ? small_[n] : 0;
    std::uint64_t high = 0;
    std::uint64_t h = hash(value, &high);
    if (high != 0) {  // not ASCII: look up the folded copy
      value = folded();
      h = hash(value, nullptr);
    }
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& sl = slots_[i];
      if (sl.id == 0) return 0;
      if (sl.hash == h && equal_folded(value, sl.key)) return sl.id;
    }
  }

  // Of v with its ASCII letters lower-cased; *high (if given) is non-zero when v is not ASCII.
  static std::uint64_t hash(std::string_view v, std::uint64_t* high);
  static bool equal_folded(std::string_view v, std::string_view folded_key);

 private:
  // 1 to 5 ASCII digits, no leading zero (except "0" itself): one spelling per number.
  static bool canonical_decimal(std::string_view v, std::uint32_t* n) {
    if (v.empty() || v.size() > 5 || (v.size() > 1 && v[0] == '0')) return false;
    std::uint32_t x = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return false;
      x = x * 10 + static_cast<std::uint32_t>(c - '0');
    }
    *n = x;
    return true;
  }
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view key;
    std::uint32_t id = 0;  // 0: empty
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  // Canonical decimal keys below kSmallLimit (no leading zero) -> id; such a value has exactly
  // one spelling, so indexing by its number is the string comparison.
  static constexpr std::uint32_t kSmallLimit = 1u << 16;
  std::vector<std::uint32_t> small_;
};

struct DispatchField {
  std::uint32_t slot = 0;
  // Folded value -> id. Id 0 is "not present" (missing or null: what is_null tests); the values
  // are the literals of uncased `eq` tests on the field; `other` (= size + 1) is any other value.
  ValueIds ids;
  std::uint32_t other = 1;
  // The lookup has already decided the field's uncased `eq` predicates: id -> the predicates
  // that are true (CSR). When those are the only indexed predicates on the field, its literal
  // scan is skipped altogether. Within an id's range, those some prefilter clause lists come
  // first, up to true_fans[id]: only they go onto the record's found list (most EventID
  // clauses are dropped as dispatch-implied, see dispatch_implies).
  std::vector<std::uint32_t> true_begin, true_preds, true_fans;
  bool eq_only = false;
};

struct Dispatch {
  bool enabled = false;
  DispatchField field[2];            // Channel, EventID
  std::vector<std::uint32_t> table;  // id0 * (field[1].other + 1) + id1 -> group
  std::vector<DispatchGroup> groups;
  std::vector<std::unique_ptr<LiteralIndex>> keyword_indexes;  // what groups' `keywords` point to
  // Per EventID id: its group whatever the Channel (kMixed when the Channel decides). Most
  // records (an EventID no rule names) are routed without looking at Channel at all.
  static constexpr std::uint32_t kMixed = 0xFFFFFFFFu;
  std::vector<std::uint32_t> by_event_id;

  // The group of `ev` (folds the dispatch fields through the scratch cache). Also memoises the
  // dispatch fields' eq predicates as decided (true ones into s.matched_ for the prefilter).
  const DispatchGroup& route(Scratch& s, const Event& ev) const;

 private:
  std::uint32_t lookup(int k, Scratch& s, const Event& ev) const;
};

// Per rule: the ids of each dispatch field with which its MATCH is reachable (the dataflow
// above); any[k]: every id may be. A record is routed to a group holding the rule only if its
// field-k id is one of ids[k] (sorted).
struct RuleDispatchValues {
  bool any[2] = {true, true};
  std::vector<std::uint32_t> ids[2];
};
// What build_dispatch's first step found, for prepare: each rule's values, and per predicate
// the value id of dispatch field k for which it is an uncased eq test (0: it is none).
struct DispatchAnalysis {
  std::vector<RuleDispatchValues> rules;  // empty: no dispatch
  std::vector<std::uint32_t> eq_id[2];
};

// Builds p.dispatch in two steps around prepare's prefilter tables. The first needs only the
// code in rule blocks: value ids, the dataflow, the group table with each group's rules and
// keyword index. It leaves p.dispatch disabled (and returns nothing) when the program has no
// Channel/EventID field or the table would exceed its size caps (see dispatch.cpp).
DispatchAnalysis build_dispatch(VerifiedProgram& p);
// Whether every record dispatch routes to a group holding `rule` makes some predicate of
// `clause` true (every id the rule admits is one an eq test of the clause is true for): a prefilter clause such as {EventID == 1, EventID == 4688} on a
// process-creation rule. Such a clause filters nothing that the group has not, so prepare
// drops it (cachegrind, 20,000 bench records, all-Windows rules: 19% of the entries run()
// processed, 732,250 -> 590,530).
// Linear in the clause and the rule's ids (a hostile image's long clauses and many ids must not
// make the load quadratic).
bool dispatch_implies(const DispatchAnalysis& a, std::uint32_t rule, const std::vector<std::uint32_t>& clause);
// The second step, once the prefilter tables exist: each group's always-run rules and the
// fields its rules need scanned; which dispatch predicates go onto the found list. Enables
// p.dispatch.
void finish_dispatch(VerifiedProgram& p, const std::vector<std::vector<std::uint32_t>>& rule_fields);

}  // namespace sigmatch::vm
