// eq_index.hpp — every uncased `eq` literal of every field in one hash table: (field, folded
// value) -> the predicates it makes true. A field's eq literals need no automaton: one probe
// decides them all, and the table is one small structure that stays in cache, where an
// automaton per field (LogonType, IntegrityLevel, LogonProcessName... each with a handful of
// literals) was cold memory touched once per record: 130-380 cycles a scan (rdtsc). Built by
// vm::prepare; vm::scan_field probes it with the raw value (ASCII letters folded on the fly,
// as ValueIds does). Tested by tests/unit/vm_test.cpp and every e2e/differential case.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/vm/dispatch.hpp"

namespace sigmatch::vm {

class EqIndex {
 public:
  // `folded`: the literal as the image holds an uncased one (case-folded).
  void add(std::uint32_t field, std::string_view folded, std::uint32_t pred);
  void build();
  bool has(std::uint32_t field) const { return field < has_.size() && has_[field]; }

  // Calls on_match(pred) for every eq predicate of `field` whose literal is value's fold.
  // `folded()` gives the folded copy when value is not ASCII.
  template <class Fold, class Fn>
  void find(std::uint32_t field, std::string_view value, Fold&& folded, Fn&& on_match) const {
    if (entries_.empty()) return;
    std::uint64_t high = 0;
    std::uint64_t h = ValueIds::hash(value, &high);
    if (high != 0) {
      value = folded();
      h = ValueIds::hash(value, nullptr);
    }
    h = mix(h, field);
    const std::uint16_t tag = tag_of(h);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (tags_[i] == 0) return;
      if (tags_[i] != tag) continue;
      const Entry& e = entries_[i];
      if (e.hash == h && e.field == field && ValueIds::equal_folded(value, e.key)) {
        for (std::uint32_t k = e.begin; k < e.end; ++k) on_match(preds_[k]);
        return;
      }
    }
  }

 private:
  static std::uint64_t mix(std::uint64_t h, std::uint32_t field) {
    h ^= (field + 1) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 31);
  }
  // 16 hash bits (never 0: 0 marks an empty slot) other than the ones that pick the slot.
  static std::uint16_t tag_of(std::uint64_t h) { return static_cast<std::uint16_t>(h >> 48) | 1; }
  struct Entry {
    std::uint64_t hash = 0;
    std::string_view key;
    std::uint32_t field = 0;
    std::uint32_t begin = 0, end = 0;  // preds_[begin, end); end == 0: an empty entry
  };
  struct Added {
    std::uint32_t field;
    std::string_view key;
    std::uint32_t pred;
  };
  std::vector<Added> added_;  // build input
  // tags_[i]: entry i's tag, 0 when empty. Most probes are for values that are no literal of
  // the field; they end in this small array (2 bytes a slot, hot in cache) without touching
  // the 40-byte entries, whose loads were ~16% of scan_field's samples (perf).
  std::vector<std::uint16_t> tags_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> preds_;
  std::vector<std::uint8_t> has_;  // per field: has eq literals
  std::size_t mask_ = 0;
};

}  // namespace sigmatch::vm
