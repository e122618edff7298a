// scratch.hpp — per-thread evaluation state sized from a program: the per-record predicate
// memo (generation-stamped, so starting a record is O(1)) and the per-record case-folded
// copies of field values (each field folded at most once per record, buffers reused).
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/vm/program.hpp"
#include "runtime/vm/scan_cache.hpp"

namespace sigmatch::vm {

class Scratch {
 public:
  explicit Scratch(const VerifiedProgram& p)
      : memo_(std::max<std::size_t>(p.memo_size, p.preds.size()), 0),  // + regex guards
        fold_gen_(p.fields.size(), 0),
        folded_(p.fields.size()),
        folded_view_(p.fields.size()),
        scan_gen_(p.fields.size() + 1, 0),
        scan_retry_(p.fields.size() + 1, 0),
        clauses_(p.clause_full.size(), 0),
        slot_(p.fields.size()),
        key_hash_(p.fields.size()),
        ip_gen_(p.fields.size(), 0),
        ip_(p.fields.size()) {
    if (p.use_scan_cache) scan_cache_.reset(ScanCache::kDefaultSlots, p.field_index.size());
  }

  std::uint32_t gen_ = 0;
  std::uint64_t records_ = 0, rules_run_ = 0;  // run() calls and rules executed (MatcherStats)
  // Per predicate: gen_ << 1 | value. Decided this record when memo_[i] >> 1 == gen_: one load
  // answers both questions (separate stamp and value arrays missed the cache twice).
  std::vector<std::uint32_t> memo_;
  std::vector<std::uint32_t> fold_gen_;
  std::vector<std::string> folded_;
  std::vector<std::string_view> folded_view_;  // folded_[f], or the raw value when already folded
  std::uint32_t kw_values_gen_ = 0;            // kw_values_ holds this record's folded values
  std::string kw_buf_;                         // every value of the record, folded, joined (reused)
  std::string kw_scan_buf_;                  // the same with ASCII values left raw (keyword index)
  std::vector<std::string_view> kw_values_;  // each folded value: a view into kw_buf_
  std::vector<std::size_t> kw_ends_;         // (build only) end offset of each value in kw_buf_
  std::vector<std::uint32_t> scan_gen_;      // per field: literal index scanned this record
  std::vector<std::uint8_t> scan_retry_;     // per field: LiteralIndex::scan's filter back-off
  std::vector<std::uint32_t> matched_;       // found true this record, in some clause
  // The rules a literal of each of their clauses made candidates this record (not the
  // always-run ones), ascending once run() has sorted them. A list, not a bitset over all rules:
  // a record has a few (2.87 rules run per record, always-run ones included, on 20,000
  // all-Windows bench records), and the bitset cost three passes over its 45 words.
  std::vector<std::uint32_t> candidates_;
  // Per rule: the record's stamp << 3 | its clauses found this record; a rule joins candidates_
  // when the last of its clauses is found, so once. The stamp is gen_'s low 13 bits, and the
  // array is cleared every 8,192 records: two bytes a rule keep it at 5.7 KB for the SigmaHQ
  // Windows set (8-byte gen stamps made it 23 KB, and cachegrind counted 10% more D1 read
  // misses with the clauses than without them).
  std::vector<std::uint16_t> clauses_;
  static constexpr std::uint32_t kClauseStampMask = 0x1FFF;
  std::uint16_t clause_stamp() const { return static_cast<std::uint16_t>((gen_ & kClauseStampMask) << 3); }
  ScanCache scan_cache_;                     // literal-index scans across records (scan_cache.hpp)
  // Per field: the cache slot holding this record's raw value (gen == gen_), where regex
  // results on it are memoised across records (vm.cpp, match_memoised).
  struct SlotRef {
    std::uint32_t gen = 0;
    ScanCache::Ref ref;
  };
  std::vector<SlotRef> slot_;
  // Per field: the scan cache hash of this record's raw value, computed where run() prefetches
  // the slots of every field it is about to scan (vm.cpp, prefetch_slot).
  struct KeyHash {
    std::uint32_t gen = 0;
    std::uint64_t hash = 0;
  };
  std::vector<KeyHash> key_hash_;
  // Per field: its value parsed as an IP address, once per record (a 4624 record meets ~2.4
  // cidr tests on IpAddress, each of which parsed it again).
  std::vector<std::uint32_t> ip_gen_;
  std::vector<std::optional<text::IpAddr>> ip_;
  const std::optional<text::IpAddr>& ip(std::uint32_t f, std::string_view raw) {
    if (ip_gen_[f] != gen_) {
      ip_gen_[f] = gen_;
      ip_[f] = text::parse_ip(raw);
    }
    return ip_[f];
  }
  // The keyword index of this record's dispatch group (null: the program's whole one). Reset
  // per record, so eval_pred called on its own never uses another record's group.
  const LiteralIndex* keywords_ = nullptr;
  std::vector<std::uint32_t> scan_found_;  // what the current scan reported (for the cache)

  // Field f's value case-folded, computed at most once per record; a value that is already
  // folded (digits, lower-case text) is returned as it is, without a copy.
  std::string_view folded(std::uint32_t f, std::string_view raw) {
    if (fold_gen_[f] != gen_) {
      fold_gen_[f] = gen_;
      if (text::is_folded_ascii(raw)) {
        folded_view_[f] = raw;
      } else {
        folded_[f].clear();
        text::fold_case_append(raw, folded_[f]);
        folded_view_[f] = folded_[f];
      }
    }
    return folded_view_[f];
  }

  bool memo_decided(std::uint32_t i) const { return memo_[i] >> 1 == gen_; }
  bool memo_value(std::uint32_t i) const { return memo_[i] & 1; }
  void memo_set(std::uint32_t i, bool v) { memo_[i] = gen_ << 1 | static_cast<std::uint32_t>(v); }
  static constexpr std::uint32_t kGenLimit = 1u << 31;

  void next_record() {
    keywords_ = nullptr;
    if (++gen_ == kGenLimit) {  // clear the stamps once every 2^31 records (memo_ keeps 31 bits)
      std::fill(memo_.begin(), memo_.end(), 0);
      std::fill(fold_gen_.begin(), fold_gen_.end(), 0);
      std::fill(scan_gen_.begin(), scan_gen_.end(), 0);
      std::fill(slot_.begin(), slot_.end(), SlotRef{});
      std::fill(key_hash_.begin(), key_hash_.end(), KeyHash{});
      std::fill(ip_gen_.begin(), ip_gen_.end(), 0);
      kw_values_gen_ = 0;
      gen_ = 1;
    }
    // (A stale entry could only carry this record's stamp if it were 8,192 records old.)
    if ((gen_ & kClauseStampMask) == 0 || gen_ == 1) std::fill(clauses_.begin(), clauses_.end(), 0);
  }
};

}  // namespace sigmatch::vm
