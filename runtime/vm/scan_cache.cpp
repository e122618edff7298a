// scan_cache.cpp — ScanCache's allocation and insertion (lookups are inline in the header).
// Tested by tests/unit/vm_test.cpp.
#include "runtime/vm/scan_cache.hpp"

#include <algorithm>
#include <cassert>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace sigmatch::vm {
namespace {

// The slots, zeroed. On Linux, a table of 2 MiB or more is mapped on a 2 MiB boundary and
// offered to transparent huge pages: a record probes ~15 slots scattered over 4 MiB, which with
// 4 KiB pages is ~15 distinct pages a record, and the probe's first load was a third of
// scan_value's samples in perf. Anonymous pages are zero, and still committed only as touched
// (2 MiB at a time where the kernel grants huge pages). Elsewhere (or if mmap fails): calloc.
ScanCache::Slot* allocate(std::size_t bytes, std::size_t* mapped) {
  *mapped = 0;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  if (bytes >= kHuge && bytes % kHuge == 0) {
    void* base = mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base != MAP_FAILED) {
      const std::uintptr_t b = reinterpret_cast<std::uintptr_t>(base);
      const std::uintptr_t at = (b + kHuge - 1) & ~(kHuge - 1);
      if (at > b) munmap(base, at - b);  // the unaligned head and tail go back
      if (b + bytes + kHuge > at + bytes) munmap(reinterpret_cast<void*>(at + bytes), b + bytes + kHuge - (at + bytes));
      madvise(reinterpret_cast<void*>(at), bytes, MADV_HUGEPAGE);  // (advice: failure is harmless)
      *mapped = bytes;
      return reinterpret_cast<ScanCache::Slot*>(at);
    }
  }
#endif
  return static_cast<ScanCache::Slot*>(std::calloc(bytes / sizeof(ScanCache::Slot), sizeof(ScanCache::Slot)));
}

}  // namespace

void ScanCache::Free::operator()(Slot* p) const {
#if defined(__linux__)
  if (mapped != 0) {
    munmap(p, mapped);
    return;
  }
#endif
  std::free(p);
}

void ScanCache::reset(std::size_t slots, std::size_t indexes) {
  assert((slots & (slots - 1)) == 0 && "a power of two");
  if (slots == 1) slots = 2;  // two ways a set
  slots_.reset();
  if (slots) {
    std::size_t mapped = 0;
    Slot* mem = allocate(slots * sizeof(Slot), &mapped);
    if (!mem) throw std::bad_alloc();
    slots_ = std::unique_ptr<Slot[], Free>(mem, Free(mapped));
  }
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
