// scan_cache.cpp — ScanCache's allocation and insertion (lookups are inline in the header).
// Tested by tests/unit/vm_test.cpp.
#include "runtime/vm/scan_cache.hpp"

#include <algorithm>
#include <cassert>
#include <new>

namespace sigmatch::vm {

void ScanCache::reset(std::size_t slots, std::size_t indexes) {
  assert((slots & (slots - 1)) == 0 && "a power of two");
  if (slots == 1) slots = 2;  // two ways a set
  slots_.reset(slots ? static_cast<Slot*>(std::calloc(slots, sizeof(Slot))) : nullptr);
  if (slots && !slots_) throw std::bad_alloc();
  mask_ = slots ? slots - 1 : 0;
  recent_.assign(slots / 2, 0);
  gates_.assign(slots ? indexes : 0, Gate{});
  stats = {};
}

bool ScanCache::store(std::uint32_t index, std::string_view v, std::uint64_t h,
                      std::vector<std::uint32_t>& preds, Ref* ref) {
  if (preds.size() > 1) {
    std::sort(preds.begin(), preds.end());
    preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
  }
  const bool wide = !preds.empty() && preds.back() > 0xFFFF;  // (sorted)
  const std::size_t width = wide ? 4 : 2;
  if (width * preds.size() + v.size() > kDataBytes) {
    ++stats.too_big;
    return false;
  }
  const std::size_t set = h & mask_ & ~std::size_t{1};
  const std::size_t way = slots_[set].len == 0 ? 0 : slots_[set + 1].len == 0 ? 1 : 1 - recent_[set >> 1];
  recent_[set >> 1] = static_cast<std::uint8_t>(way);
  Slot& s = slots_[set + way];
  s.hash = h;
  s.index = index;
  s.len = static_cast<std::uint8_t>(v.size());
  s.wide = wide;
  s.npreds = static_cast<std::uint8_t>(preds.size());
  s.nmemo = 0;
  for (std::size_t k = 0; k < preds.size(); ++k) {
    if (wide) {
      std::memcpy(s.data + 4 * k, &preds[k], 4);
    } else {
      const std::uint16_t x = static_cast<std::uint16_t>(preds[k]);
      std::memcpy(s.data + 2 * k, &x, 2);
    }
  }
  if (!v.empty()) std::memcpy(s.data + width * preds.size(), v.data(), v.size());
  ++stats.stored;
  if (ref) *ref = Ref{h, static_cast<std::uint32_t>(set + way), index, static_cast<std::uint32_t>(v.size())};
  return true;
}

}  // namespace sigmatch::vm
