// eq_index.cpp — EqIndex's build (lookups are inline in the header). Tested by
// tests/unit/vm_test.cpp.
#include "runtime/vm/eq_index.hpp"

#include <algorithm>

namespace sigmatch::vm {

void EqIndex::add(std::uint32_t field, std::string_view folded, std::uint32_t pred) {
  added_.push_back({field, folded, pred});
  if (has_.size() <= field) has_.resize(field + 1, 0);
  has_[field] = 1;
}

void EqIndex::build() {
  entries_.clear();
  tags_.clear();
  preds_.clear();
  mask_ = 0;
  if (added_.empty()) return;
  // One entry per (field, literal), its predicates contiguous (sorted, so the same key's
  // predicates are adjacent whatever order they were added in).
  std::sort(added_.begin(), added_.end(), [](const Added& a, const Added& b) {
    return a.field != b.field ? a.field < b.field : a.key != b.key ? a.key < b.key : a.pred < b.pred;
  });
  std::size_t keys = 0;
  for (std::size_t i = 0; i < added_.size(); ++i)
    keys += i == 0 || added_[i].field != added_[i - 1].field || added_[i].key != added_[i - 1].key;
  std::size_t size = 8;
  while (size < 2 * keys) size *= 2;
  entries_.assign(size, Entry{});
  tags_.assign(size, 0);
  mask_ = size - 1;
  preds_.reserve(added_.size() + 1);
  preds_.push_back(0);  // so that every real entry has end > 0
  for (std::size_t i = 0; i < added_.size();) {
    std::size_t j = i;
    const std::uint32_t begin = static_cast<std::uint32_t>(preds_.size());
    for (; j < added_.size() && added_[j].field == added_[i].field && added_[j].key == added_[i].key; ++j)
      if (j == i || added_[j].pred != added_[j - 1].pred) preds_.push_back(added_[j].pred);
    const std::uint64_t h = mix(ValueIds::hash(added_[i].key, nullptr), added_[i].field);
    std::size_t at = h & mask_;
    while (tags_[at] != 0) at = (at + 1) & mask_;
    entries_[at] = {h, added_[i].key, added_[i].field, begin, static_cast<std::uint32_t>(preds_.size())};
    tags_[at] = tag_of(h);
    i = j;
  }
  added_.clear();
  added_.shrink_to_fit();
}

}  // namespace sigmatch::vm
