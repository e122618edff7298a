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
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sigmatch {
class Event;
}

namespace sigmatch::vm {

struct VerifiedProgram;
class Scratch;

struct DispatchGroup {
  std::vector<std::uint64_t> rules;   // bitset: rules that may match a record of this group
  std::vector<std::uint64_t> always;  // rules & always_run (no literal requirement)
  std::vector<std::uint32_t> fields;  // literal-indexed fields the group's rules need scanned
};

struct DispatchField {
  std::uint32_t slot = 0;
  // Folded value -> id. Id 0 is "not present" (missing or null: what is_null tests); the values
  // are the literals of uncased `eq` tests on the field; `other` (= size + 1) is any other value.
  std::unordered_map<std::string_view, std::uint32_t> ids;
  std::uint32_t other = 1;
  // The lookup has already decided the field's uncased `eq` predicates: id -> the predicates
  // that are true (CSR). When those are the only indexed predicates on the field, its literal
  // scan is skipped altogether.
  std::vector<std::uint32_t> true_begin, true_preds;
  bool eq_only = false;
};

struct Dispatch {
  bool enabled = false;
  DispatchField field[2];             // Channel, EventID
  std::vector<std::uint32_t> table;   // id0 * (field[1].other + 1) + id1 -> group
  std::vector<DispatchGroup> groups;

  // The group of `ev` (folds the dispatch fields through the scratch cache). Also memoises the
  // dispatch fields' eq predicates as decided (true ones into s.matched_ for the prefilter).
  const DispatchGroup& route(Scratch& s, const Event& ev) const;
};

// Fills p.dispatch; leaves it disabled when the program has no Channel/EventID field, is not laid
// out in rule blocks, or the table would exceed its size caps (see dispatch.cpp).
void build_dispatch(VerifiedProgram& p, const std::vector<std::vector<std::uint32_t>>& rule_fields);

}  // namespace sigmatch::vm
