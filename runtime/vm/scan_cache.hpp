// scan_cache.hpp — per-thread memo of literal-index scans across records: (index, scanned
// bytes) -> the predicates that scan reported. A scan is a pure function of those two, so a hit
// replays the exact result. Windows logs repeat most values (Image, ParentImage, service and
// task command lines, user names): on the benchmark workload a CommandLine scan costs several
// thousand cycles and a hit about a hundred. An index whose values do not recur (hashes, GUIDs,
// logon IDs) is found out by its gate within kGateWindow lookups and then bypasses the cache for
// the next kGateSkip scans: such a field pays one window of lookups (and evicting stores) per
// kGateWindow + kGateSkip scans, about 6%. A slot also remembers results of other predicates on
// its value (regexes: RE2 costs about a thousand cycles per command line), for as long as it
// holds that value (see Ref and memo_find). Tested by tests/unit/vm_test.cpp (cached against
// uncached scans, collisions, oversize entries, gates) and every e2e case (the harness's
// undispatched run has the cache off).
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "runtime/vm/text.hpp"

namespace sigmatch::vm {

class ScanCache {
 public:
  // 16,384 slots of 256 bytes: 4 MiB of address space per Matcher (anonymous memory: the pages
  // are committed as slots fill, so a Matcher that sees few values costs little; on Linux in
  // 2 MiB huge pages where the kernel grants them, see scan_cache.cpp). Sized from the
  // benchmark workload, whose process events carry ~5,000 distinct command lines: at 4,096
  // slots they evicted each other.
  static constexpr std::size_t kDefaultSlots = 1u << 14;
  static constexpr std::size_t kSlotBytes = 256;
  // Values shorter than this are scanned: their scan costs about what a lookup does.
  static constexpr std::size_t kMinBytes = 12;
  static constexpr std::size_t kDataBytes = kSlotBytes - 16;  // after the header
  static constexpr std::size_t kMaxKeyBytes = kDataBytes;      // with no predicate
  // All zero is an empty slot: len 0 never equals a looked-up value's (>= kMinBytes).
  struct Slot {
    std::uint64_t hash;
    std::uint32_t index;
    std::uint8_t len;     // of the key (<= kMaxKeyBytes)
    std::uint8_t wide;    // predicate ids take 4 bytes (some id > 0xFFFF), else 2
    std::uint8_t npreds;  // at most kDataBytes / 2
    std::uint8_t nmemo;
    // npreds predicate ids, then the key's len bytes; from the far end down, nmemo memoised
    // results (4 bytes each: pred | value << 31). Two-byte ids let a 92-byte command line with
    // 38 literals fit (244 bytes as 4-byte ids: 5,656 such values were never cached, rdtsc
    // counters on the benchmark workload).
    unsigned char data[kDataBytes];
  };
  static_assert(kMaxKeyBytes <= 255 && sizeof(Slot) == kSlotBytes);
  // A gate closes when fewer than half of kGateWindow lookups hit, for kGateSkip scans.
  static constexpr std::uint16_t kGateWindow = 256, kGateSkip = 4096;

  ScanCache() = default;
  // slots: a power of two, at least 2 (0 = disabled: use() is always false); indexes: how many literal
  // indexes the program has (one gate each).
  void reset(std::size_t slots, std::size_t indexes);
  bool enabled() const { return slots_ != nullptr; }

  // Whether to look v up at all (counts down a closed gate). A value too long to be stored is
  // not looked up either (it would only miss, and count against its gate).
  bool use(std::uint32_t index, std::size_t n) {
    if (!storable(index, n)) return false;
    Gate& g = gates_[index];
    if (g.skip == 0) return true;
    --g.skip;
    return false;
  }
  // Whether use() would say yes now (without counting down a closed gate).
  bool would_use(std::uint32_t index, std::size_t n) const {
    return storable(index, n) && gates_[index].skip == 0;
  }
  // Starts loading the set a lookup of hash h probes: the first two lines of both ways (hash,
  // index, length, and the start of the stored predicates and key).
  void prefetch(std::uint64_t h) const {
    const char* set = reinterpret_cast<const char*>(&slots_[h & mask_ & ~std::size_t{1}]);
    for (std::size_t off : {std::size_t{0}, std::size_t{64}, sizeof(Slot), sizeof(Slot) + 64})
      __builtin_prefetch(set + off);
  }

  // The hash find and store take (computed once per lookup).
  static std::uint64_t hash(std::uint32_t index, std::string_view v) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(v.data());
    std::size_t n = v.size();
    std::uint64_t h = (0x9E3779B97F4A7C15ull ^ n) * (index + 0x2545F4914F6CDD1Dull);
    for (; n >= 8; n -= 8, p += 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      h = mix(h ^ w);
    }
    if (n > 0) h = mix(h ^ text::load_partial(reinterpret_cast<const char*>(p), n) ^ (std::uint64_t{n} << 56));
    return mix(h);
  }

  // Where a lookup hit or a store put (index, v): memo_find and memo_store check that the slot
  // still holds that value, so a Ref kept past an eviction is simply unusable.
  struct Ref {
    std::uint64_t hash = 0;
    std::uint32_t slot = 0;
    std::uint32_t index = kNoIndex;
    std::uint32_t len = 0;
  };
  static constexpr std::uint32_t kNoIndex = 0xFFFFFFFFu;

  // What a hit found: the predicates stored for the value (read from the slot, which holds them
  // in 2 or 4 bytes each). False when the lookup missed.
  class Found {
   public:
    Found() = default;
    explicit Found(const Slot* s) : s_(s) {}
    explicit operator bool() const { return s_ != nullptr; }
    std::uint32_t size() const { return s_->npreds; }
    std::uint32_t operator[](std::uint32_t k) const {
      if (s_->wide) {
        std::uint32_t x;
        std::memcpy(&x, s_->data + 4 * k, 4);
        return x;
      }
      std::uint16_t x;
      std::memcpy(&x, s_->data + 2 * k, 2);
      return x;
    }
    std::vector<std::uint32_t> to_vector() const {
      std::vector<std::uint32_t> out;
      for (std::uint32_t k = 0; k < size(); ++k) out.push_back((*this)[k]);
      return out;
    }

   private:
    const Slot* s_ = nullptr;
  };

  // The predicates stored for (index, v), if any; *ref (if given) receives the slot. Only after
  // use() said yes.
  Found find(std::uint32_t index, std::string_view v, std::uint64_t h, Ref* ref = nullptr) {
    ++stats.lookups;
    const std::size_t set = h & mask_ & ~std::size_t{1};
    std::size_t way = 0;
    bool hit = false;
    for (; way < 2 && !hit; ++way) {
      const Slot& s = slots_[set + way];
      hit = s.hash == h && s.index == index && s.len == v.size() &&
            std::memcmp(key_of(s), v.data(), v.size()) == 0;
    }
    Gate& g = gates_[index];
    g.hits += hit;
    if (++g.lookups == kGateWindow) {
      if (g.hits < kGateWindow / 2) g.skip = kGateSkip;
      g.lookups = g.hits = 0;
    }
    if (!hit) return Found{};
    ++stats.hits;
    const std::size_t at = set + way - 1;
    recent_[at >> 1] = static_cast<std::uint8_t>(at & 1);
    if (ref) *ref = Ref{h, static_cast<std::uint32_t>(at), index, static_cast<std::uint32_t>(v.size())};
    return Found{&slots_[at]};
  }

  // Stores what the scan of (index, v) reported, if it fits a slot (it replaces whatever the
  // slot held, memo included). `preds` may repeat a predicate; it is sorted and made unique
  // here. False when it does not fit; *ref (if given) receives the slot when it does.
  bool store(std::uint32_t index, std::string_view v, std::uint64_t h,
             std::vector<std::uint32_t>& preds, Ref* ref = nullptr);

  // The memoised result of predicate `pred` on the value `ref` was taken for: 0 or 1, or -1
  // when unknown or the slot has since been given to another value.
  int memo_find(const Ref& ref, std::uint32_t pred) const {
    const Slot& s = slots_[ref.slot];
    if (!holds(s, ref)) return -1;
    for (std::uint32_t k = 0; k < s.nmemo; ++k) {
      std::uint32_t e;
      std::memcpy(&e, s.data + kDataBytes - 4 * (k + 1), 4);
      if ((e & kPredMask) == pred) return static_cast<int>(e >> 31);
    }
    return -1;
  }
  // Calls fn(pred, value) for every result memoised on the value `ref` was taken for.
  template <class Fn>
  void memo_each(const Ref& ref, Fn&& fn) const {
    const Slot& s = slots_[ref.slot];
    if (!holds(s, ref)) return;
    for (std::uint32_t k = 0; k < s.nmemo; ++k) {
      std::uint32_t e;
      std::memcpy(&e, s.data + kDataBytes - 4 * (k + 1), 4);
      fn(e & kPredMask, (e >> 31) != 0);
    }
  }
  // Remembers it in the slot's free bytes (dropped when they are full). pred < 2^31.
  void memo_store(const Ref& ref, std::uint32_t pred, bool value) {
    Slot& s = slots_[ref.slot];
    if (!holds(s, ref) || pred > kPredMask) return;
    const std::size_t used = s.npreds * (s.wide ? 4u : 2u) + s.len + 4u * s.nmemo;
    if (used + 4 > kDataBytes) return;
    const std::uint32_t e = pred | static_cast<std::uint32_t>(value) << 31;
    std::memcpy(s.data + kDataBytes - 4 * (s.nmemo + 1), &e, 4);
    ++s.nmemo;
  }

  struct Stats {
    std::uint64_t lookups = 0, hits = 0, stored = 0, too_big = 0;
  };
  Stats stats;

 private:
  static std::uint64_t mix(std::uint64_t x) {
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 31);
  }
  static constexpr std::uint32_t kPredMask = 0x7FFFFFFFu;
  bool storable(std::uint32_t index, std::size_t n) const {
    return slots_ && n >= kMinBytes && n <= kMaxKeyBytes && index < gates_.size();
  }
  // Whether s still holds the value ref was taken for (an eviction replaced hash, index or len;
  // a field stores at most once per record, so these identify it within the record).
  static bool holds(const Slot& s, const Ref& ref) {
    return ref.index != kNoIndex && s.hash == ref.hash && s.index == ref.index && s.len == ref.len;
  }
  static const unsigned char* key_of(const Slot& s) { return s.data + s.npreds * (s.wide ? 4u : 2u); }
  struct Free {
    Free() noexcept : mapped(0) {}  // (no member initializer: ScanCache() = default needs it)
    explicit Free(std::size_t bytes) noexcept : mapped(bytes) {}
    std::size_t mapped;  // bytes mmap'd (scan_cache.cpp, allocate), else 0: calloc'd
    void operator()(Slot* p) const;
  };
  struct Gate {
    std::uint16_t lookups = 0, hits = 0, skip = 0;
  };
  std::unique_ptr<Slot[], Free> slots_;
  std::uint64_t mask_ = 0;
  // Two ways per set (slots 2k and 2k + 1): direct-mapped, ~5,000 command lines among the other
  // fields' values evicted each other (9,412 misses for 5,001 distinct values, rdtsc counters).
  // recent_[k]: the way of set k hit or filled last; a store replaces the other one.
  std::vector<std::uint8_t> recent_;
  std::vector<Gate> gates_;
};

}  // namespace sigmatch::vm
