// literal_index.hpp — one Aho-Corasick automaton per field over the case-folded literals of
// that field's eq/prefix/suffix/contains predicates, built when a program is loaded. One scan
// of a field value (folded, or raw when it is ASCII: see folds_ascii) decides every literal
// predicate on that field at once, instead of one substring search per predicate: with
// thousands of rules, CommandLine alone carries thousands of literals. Indexes whose literals
// all have 4+ bytes also get a filter-then-verify scan (see scan); a large set of long
// literals of few lengths (an IOC hash list) is verified by hashing and has no automaton at all
// (see rolling_scan). Tested by
// tests/unit/vm_test.cpp and every e2e/differential case.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/vm/text.hpp"

namespace sigmatch::vm {

class LiteralIndex {
 public:
  enum class Mode : std::uint8_t { kEq, kPrefix, kSuffix, kContains };
  void add(std::string_view literal, Mode mode, std::uint32_t pred);
  // Dense-row budgets, in cells (see dense_).
  static constexpr std::size_t kDenseCells = 1u << 16;     // 256 KiB of rows per index at most
  static constexpr std::size_t kAllDenseCells = 1u << 14;  // 64 KiB: small automata all dense
  // False (and nothing built) when the automaton could exceed kMaxStates: the caller then leaves
  // the field's predicates unindexed (evaluated one by one). The budgets choose which states get
  // dense rows (see dense_); tests vary them to cover every mix of dense and sparse states.
  // simd = false keeps the scalar filter even where the CPU has AVX2 (tests cover both).
  bool build(std::size_t dense_cells = kDenseCells, std::size_t all_dense_cells = kAllDenseCells,
             bool simd = true);
  bool empty() const { return patterns_.empty(); }
  // Before build(): whether build() will give the index no filter, whatever literals are added
  // (so literals under 4 bytes cost it nothing): its literals' lengths already rule one out
  // (lengths_allow_filter, which build() applies too).
  bool filter_ruled_out() const { return !lengths_allow_filter(); }
  // A byte that occurs in no literal (it resets every match), or -1; valid after build().
  int unused_byte() const {
    for (int c = 0; c < 256; ++c)
      if (class_of_[c] == 0) return c;
    return -1;
  }
  std::size_t size() const { return patterns_.size(); }
  // The shortest non-empty literal's length (0xFFFFFFFF when there is none); valid after build().
  std::uint32_t min_length() const { return min_len_; }
  // True when the scan folds ASCII itself (upper-case letters share the lower-case classes): a
  // value with no byte >= 0x80 can then be scanned as it is, without a folded copy. Valid after
  // build().
  bool folds_ascii() const { return folds_ascii_; }

  // Calls on_match(pred) for every predicate whose literal matches `value` in its mode (a
  // predicate may be reported more than once).
  //
  // An index whose literals all have 4 or more bytes (the keyword index of the SigmaHQ Windows
  // rules: 148 literals, scanned over every value of every record) first tries filter then
  // verify: a position can start a literal only if its 4 bytes, lower-cased, hash to a bit set
  // by some literal's first 4 bytes. Those tests do not depend on each other, so they run at a
  // few cycles per byte, where the automaton pays one dependent load per byte; only candidate
  // positions walk the trie. When a value is dense in candidates (more than one in kMaxDensity
  // positions, or walks past kVerifyPerByte steps per byte), the automaton (a hashed index: its
  // rolling scan) scans the whole value instead, and `retry` (per thread and index, optional) sends the next kSkipAfterFail
  // scans of the index straight to it: a field whose values are dense in literals (paths
  // against path literals) pays the attempt once in 64 scans. Both ways report the same set.
  template <class Fn>
  void scan(std::string_view value, Fn&& on_match, std::uint8_t* retry = nullptr) const {
    const std::size_t n = value.size();
    const unsigned char* v = reinterpret_cast<const unsigned char*>(value.data());
    bool done = false;
    if (has_filter_ && n >= 4) {
      if (retry && *retry != 0) {
        --*retry;
      } else {
        done = filtered_scan(v, n, on_match);
        if (!done && retry) *retry = kSkipAfterFail;
      }
    }
    if (!done) full_scan(v, n, on_match);
    report_empty(n, on_match);
  }
  // The full scan alone, without the filter: the automaton, or a hashed index's rolling scan
  // (tests compare it with scan).
  template <class Fn>
  void scan_unfiltered(std::string_view value, Fn&& on_match) const {
    full_scan(reinterpret_cast<const unsigned char*>(value.data()), value.size(), on_match);
    report_empty(value.size(), on_match);
  }
  bool has_filter() const { return has_filter_; }
  bool has_hashed() const { return hashed_; }
  bool has_simd_filter() const { return has_simd_; }
  static bool simd_available();  // the CPU runs simd_masks (AVX2)

 private:
  template <class Fn>
  void report_empty(std::size_t n, Fn& on_match) const {
    // The empty literal matches at position 0 (eq "" only for an empty value).
    for (std::uint32_t k : empty_patterns_) {
      const Pattern& p = patterns_[k];
      if (p.mode != Mode::kEq || n == 0) on_match(p.pred);
    }
  }
  // The filter hashes 4 bytes with bit 5 of each set: an upper-case ASCII letter hashes like its
  // lower-case letter (as the trie walk treats it), and a few other pairs (e.g. '\\' and '|')
  // collide too, which only adds candidates. One multiply, no per-byte work.
  static constexpr std::uint32_t kBit5 = 0x20202020u;
  static constexpr std::uint32_t kFilterMul = 0x9E3779B1u;
  std::uint32_t filter_hash(std::uint32_t x) const {
    return ((x | kBit5) * kFilterMul) >> filter_shift_;
  }
  template <class Fn>
  bool filtered_scan(const unsigned char* v, std::size_t n, Fn& on_match) const {
    std::size_t budget = kVerifyPerByte * n + 1024;
    std::size_t candidates = 0;
    // A candidate walks the trie; more than one position in kMaxDensity (past a small start)
    // means the automaton is cheaper for this value.
    auto candidate = [&](std::size_t i) {
      if (++candidates > 8 + i / kMaxDensity) return false;
      if (hashed_) return hashed_verify(v, i, n, budget, on_match);
      return walk(v, i, n, budget, on_match);
    };
    // Locals, not members: on_match writes memory, so members would be reloaded every byte.
    const std::uint64_t* filter = filter_.data();
    const unsigned shift = filter_shift_;
    auto hit = [filter, shift](std::uint32_t x) {
      const std::uint32_t h = ((x | kBit5) * kFilterMul) >> shift;
      return (filter[h >> 6] >> (h & 63)) & 1;
    };
    if (has_simd_) {
      // 32 positions per simd_masks block, then the hashed 4-byte test on the positions it lets
      // through; the last < kSimdReach bytes from a zero-padded copy, with the positions where
      // no 4-byte literal fits masked off.
      auto check = [&](std::size_t pos) {
        std::uint32_t x;
        std::memcpy(&x, v + pos, 4);
        return !hit(x) || candidate(pos);
      };
      std::size_t i = 0;
      std::uint32_t masks[kSimdChunk];
      while (i + kSimdReach <= n) {
        const std::size_t blocks = std::min(kSimdChunk, (n - i - kSimdReach) / 32 + 1);
        simd_masks(v + i, blocks, masks);
        for (std::size_t b = 0; b < blocks; ++b, i += 32)
          for (std::uint32_t m = masks[b]; m != 0; m &= m - 1)
            if (!check(i + __builtin_ctz(m))) return false;
      }
      if (i + 4 <= n) {
        unsigned char tail[64] = {};
        std::memcpy(tail, v + i, n - i);
        const std::size_t fits = n - i - 3;  // positions i .. n-4 (fewer than 32)
        simd_masks(tail, 1, masks);
        for (std::uint32_t m = masks[0] & ((1u << fits) - 1); m != 0; m &= m - 1)
          if (!check(i + __builtin_ctz(m))) return false;
      }
      return true;
    }
    std::size_t i = 0;
    for (; i + 8 <= n; i += 4) {  // one 8-byte load serves 4 positions
      std::uint64_t w;
      std::memcpy(&w, v + i, 8);
      const std::uint32_t any = hit(static_cast<std::uint32_t>(w)) |
                                hit(static_cast<std::uint32_t>(w >> 8)) << 1 |
                                hit(static_cast<std::uint32_t>(w >> 16)) << 2 |
                                hit(static_cast<std::uint32_t>(w >> 24)) << 3;
      if (__builtin_expect(any != 0, 0))
        for (unsigned k = 0; k < 4; ++k)
          if (((any >> k) & 1) && !candidate(i + k)) return false;
    }
    for (; i + 4 <= n; ++i) {
      std::uint32_t x;
      std::memcpy(&x, v + i, 4);
      if (hit(x) && !candidate(i)) return false;
    }
    return true;
  }
  // The SIMD filter (AVX2, chosen at build when the CPU has it), after Hyperscan's Teddy: the
  // literals are split into 8 buckets (sorted by their first bytes, so a bucket's literals
  // share nibbles), and for each of a literal's first 4 bytes two 16-entry tables give, per
  // low and per high nibble, the buckets with such a byte there (an upper-case letter's high
  // nibble too: the value is not folded). Bit k of out[b]: some bucket accepts all 4 bytes at
  // p + 32 * b + k, so a literal may start there. Reads p[0 .. 32 * (blocks - 1) + kSimdReach).
  // Defined in literal_index.cpp.
  static constexpr std::size_t kSimdBytes = 4;  // every filtered literal has 4 bytes or more
  static constexpr std::size_t kSimdReach = 32 + kSimdBytes - 1;
  static constexpr std::size_t kSimdChunk = 16;  // blocks per simd_masks call
  void simd_masks(const unsigned char* p, std::size_t blocks, std::uint32_t* out) const;
  void build_simd_tables();
  void build_hashed(const std::vector<std::uint32_t>& lengths, std::size_t prefixes);
  void build_automaton(std::size_t dense_cells, std::size_t all_dense_cells);
  // Reports every literal that starts at i, walking the depth-first trie along v[i..] by byte
  // class (so upper-case ASCII walks like lower case). False when the budget ran out (what was
  // reported stays reported; the caller rescans).
  template <class Fn>
  bool walk(const unsigned char* v, std::size_t i, std::size_t n, std::size_t& budget,
            Fn& on_match) const {
    std::uint32_t t = root_kid_[class_of_[v[i]]];
    for (std::size_t j = i; t != kNoKid;) {
      if (budget-- == 0) return false;
      const TrieNode& nd = trie_[t];
      if (nd.out) {
        for (std::uint32_t k = trie_out_begin_[t]; k < trie_out_begin_[t + 1]; ++k) {
          const Pattern& p = patterns_[trie_out_[k]];
          const bool ok = p.mode == Mode::kContains || (p.mode == Mode::kPrefix && i == 0) ||
                          (p.mode == Mode::kSuffix && j + 1 == n) ||
                          (p.mode == Mode::kEq && i == 0 && j + 1 == n);
          if (ok) on_match(p.pred);
        }
      }
      if (++j == n) break;
      const std::uint32_t k = class_of_[v[j]];
      if (nd.nkids == 1) {
        t = nd.cls == k ? t + 1 : kNoKid;  // depth-first: the only child is the next node
      } else {
        std::uint32_t e = nd.edges, end = nd.edges + nd.nkids;
        while (e < end && trie_edge_cls_[e] < k) ++e;
        t = e < end && trie_edge_cls_[e] == k ? trie_edge_to_[e] : kNoKid;
      }
    }
    return true;
  }
  template <class Fn>
  void automaton_scan(const unsigned char* v, std::size_t n, Fn& on_match) const {
    // The loop runs on transition codes (see kReports): from a dense state the next row is one
    // add away, so each byte costs one dependent load. Locals keep the loads out of the chain.
    const std::uint32_t* dense = dense_.data();
    const std::uint16_t* cls = class_of_;
    const std::uint32_t dense_end = dense_end_;
    auto step = [&](std::uint32_t code, std::size_t i) {
      const std::uint32_t k = cls[v[i]];
      return code < dense_end ? dense[code + k] : sparse_step(code, k);
    };
    std::size_t i = 0;
    std::uint32_t code = 0;
    if (n >= kSplitMin && n >= 4 * static_cast<std::size_t>(max_len_)) {
      // Two independent walks, interleaved so their load chains overlap (the loop is bound by
      // load latency, not bandwidth): A over [0, mid), B over [mid - max_len + 1, n). A match
      // ending before mid is found by A; one ending at or after mid starts at or after B's
      // start, so B finds it. Prefix matches (start 0) can only end before mid, suffix matches
      // only at n - 1: every mode stays exact. A predicate may be reported twice (harmless).
      const std::size_t mid = n / 2, b_start = mid - (max_len_ - 1), steps = mid;
      std::uint32_t code_b = 0;
      std::size_t j = b_start;
      for (; i < steps; ++i, ++j) {
        std::uint32_t ta = step(code, i), tb = step(code_b, j);
        code = ta & kStateMask;
        code_b = tb & kStateMask;
        if (ta & kReports) report(code, i, n, on_match);
        if (tb & kReports) report(code_b, j, n, on_match);
      }
      i = j;  // B finishes alone
      code = code_b;
    }
    for (; i < n; ++i) {
      std::uint32_t t = step(code, i);
      code = t & kStateMask;
      if (t & kReports) report(code, i, n, on_match);
    }
  }

  struct Pattern {
    std::uint32_t pred;
    std::uint32_t length;
    Mode mode;
  };
  // What a state reports: its own literals (outputs_[out_begin, out_end)) and, through dict,
  // the next state on its failure chain that ends a literal (0 = none). Indexed by the state's
  // BFS number; touched only when a transition carries kReports.
  struct Report {
    std::uint32_t dict = 0;
    std::uint32_t out_begin = 0, out_end = 0;
  };
  // A state without a dense row: its children (one inline, several in edge_cls_/edge_to_ sorted
  // by byte class) and its failure state's code. Numbered in depth-first order, so a chain of
  // single-child states (most of a long literal) sits in consecutive 12-byte records and a walk
  // down it touches a few cache lines, not one 600-byte row per byte.
  struct Sparse {
    std::uint32_t fail;  // the failure state's code (no flag)
    std::uint32_t kid;   // nkids == 1: the child's code with its flag; else first edge
    std::uint16_t nkids;
    std::uint16_t cls;  // nkids == 1: the child's byte class
  };
  // A transition is the target's code, with kReports set when that state (or a state on its
  // failure chain) ends a literal: the scan loop touches nothing else on most bytes. Dense
  // states have codes r * classes_ (the offset of row r, so the next row is one add away);
  // sparse states have dense_end_ + their depth-first number. build() refuses automata whose
  // codes could overflow.
  static constexpr std::uint32_t kReports = 0x80000000u, kStateMask = 0x7FFFFFFFu;

  template <class Fn>
  void report(std::uint32_t code, std::size_t i, std::size_t n, Fn& on_match) const {
    std::uint32_t s =
        code < dense_end_ ? dense_node_[code / classes_] : sparse_node_[code - dense_end_];
    for (std::uint32_t o = reports_[s].out_begin != reports_[s].out_end ? s : reports_[s].dict;
         o != 0; o = reports_[o].dict) {
      for (std::uint32_t k = reports_[o].out_begin; k < reports_[o].out_end; ++k) {
        const Pattern& p = patterns_[outputs_[k]];
        std::size_t start = i + 1 - p.length;
        bool ok = p.mode == Mode::kContains || (p.mode == Mode::kPrefix && start == 0) ||
                  (p.mode == Mode::kSuffix && i + 1 == n) ||
                  (p.mode == Mode::kEq && start == 0 && i + 1 == n);
        if (ok) on_match(p.pred);
      }
    }
  }
  // Hashed verification (chosen in build): a candidate position i is checked by hashing the
  // value's bytes [i, i + L) for each literal length L and probing a table of the literals,
  // instead of walking the trie. For IOC lists: Hashes carries 5,701 SigmaHQ literals of four
  // lengths (MD5=, SHA1=, SHA256=, IMPHASH= and the digest) behind four 4-byte prefixes, so
  // every value is a candidate at its start and the walk went ~70 levels down cold trie nodes
  // (~1,000 cycles a scan, on a field whose values are all unique).
  static std::uint64_t load8(const unsigned char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  // Of n >= 8 bytes, lower-cased (the literals are folded): words, the last one overlapping.
  static std::uint64_t folded_hash(const unsigned char* p, std::size_t n) {
    std::uint64_t h = n * 0x9E3779B97F4A7C15ull;
    auto mix = [&h](std::uint64_t w) {
      h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    };
    for (std::size_t i = 0; i + 8 < n; i += 8) mix(text::lower_ascii8(load8(p + i)));
    mix(text::lower_ascii8(load8(p + n - 8)));
    return h;
  }
  static bool folded_equal(const unsigned char* v, const unsigned char* lit, std::size_t n) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (text::lower_ascii8(load8(v + i)) != load8(lit + i)) return false;
    return text::lower_ascii8(load8(v + n - 8)) == load8(lit + n - 8);
  }
  // The lengths (bits over hashed_lengths_) of the literals that start with the 4 folded bytes
  // x; 0 when none does (the filter's hash bit was a collision).
  std::uint32_t hashed_lengths_of(std::uint32_t x) const {
    const std::uint32_t mask = static_cast<std::uint32_t>(hashed_prefixes_.size() - 1);
    for (std::uint32_t slot = (x * kFilterMul) >> 16 & mask;; slot = (slot + 1) & mask) {
      const HashedPrefix& e = hashed_prefixes_[slot];
      if (e.lengths == 0 || e.prefix == x) return e.lengths;
    }
  }
  struct HashedKey {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0, length = 0;  // the folded literal, in hashed_bytes_
    std::uint32_t out_begin = 0, out_end = 0;  // its patterns, in hashed_out_
  };
  // False when the budget ran out (each hash charges its length: a hostile image's long
  // literals must not make a dense value quadratic); the caller then runs full_scan.
  template <class Fn>
  bool hashed_verify(const unsigned char* v, std::size_t i, std::size_t n, std::size_t& budget,
                     Fn& on_match) const {
    const std::size_t mask = hashed_table_.size() - 1;
    std::uint32_t x;
    std::memcpy(&x, v + i, 4);  // (a candidate has 4 bytes: the filter read them)
    // Only the lengths of literals with these first 4 bytes: Hashes' IOC literals behind
    // "md5=" all have one length, so a candidate costs one hash and one probe, not four.
    for (std::uint32_t bits = hashed_lengths_of(static_cast<std::uint32_t>(text::lower_ascii8(x))); bits != 0;
         bits &= bits - 1) {
      const std::uint32_t len = hashed_lengths_[__builtin_ctz(bits)];  // ascending
      if (len > n - i) return true;
      if (budget < len) return false;
      budget -= len;
      const std::uint64_t h = folded_hash(v + i, len);
      for (std::size_t slot = h & mask;; slot = (slot + 1) & mask) {
        const std::uint32_t k = hashed_table_[slot];
        if (k == 0) break;
        const HashedKey& key = hashed_keys_[k - 1];
        if (key.hash != h || key.length != len ||
            !folded_equal(v + i, reinterpret_cast<const unsigned char*>(hashed_bytes_.data()) + key.offset, len))
          continue;
        report_key(key, i, n, on_match);
        break;
      }
    }
    return true;
  }
  // The patterns of a literal found at v[i, i + length) that hold there.
  template <class Fn>
  void report_key(const HashedKey& key, std::size_t i, std::size_t n, Fn& on_match) const {
    const std::size_t len = key.length;
    for (std::uint32_t o = key.out_begin; o < key.out_end; ++o) {
      const Pattern& p = patterns_[hashed_out_[o]];
      const bool ok = p.mode == Mode::kContains || (p.mode == Mode::kPrefix && i == 0) ||
                      (p.mode == Mode::kSuffix && i + len == n) || (p.mode == Mode::kEq && i == 0 && len == n);
      if (ok) on_match(p.pred);
    }
  }
  // A hashed index has no automaton: Hashes' 5,701 SigmaHQ IOC literals made one of 238,268
  // states, built in 43-63 ms (two timed loads) of the all-Windows image's 0.12-0.21 s load, for
  // the rare value the filter gives up on. This scan takes its place, in O(n x lengths) whatever v holds: per literal length
  // (at most kMaxHashedLengths), a polynomial hash of the folded window modulo 2^61 - 1 rolls
  // along v; where the window's 4 folded bytes start a literal of that length, the hash is
  // looked up in rolling_table_, and an equal hash is compared byte by byte, at most once per
  // literal at interior positions (they can only satisfy `contains`), so a value made of one
  // literal repeated pays its length once.
  template <class Fn>
  void rolling_scan(const unsigned char* v, std::size_t n, Fn& on_match) const {
    std::size_t nl = 0;  // the lengths that fit in v (ascending)
    while (nl < hashed_lengths_.size() && hashed_lengths_[nl] <= n) ++nl;
    if (nl == 0) return;
    std::uint64_t h[kMaxHashedLengths];
    for (std::size_t j = 0; j < nl; ++j) h[j] = roll_hash(v, hashed_lengths_[j]);
    // Literals already verified at an interior position: on the stack for up to 8,192 literals
    // (Hashes has 5,701), so the fallback allocates nothing per value in practice.
    const std::size_t words = (hashed_keys_.size() + 63) / 64;
    std::uint64_t local[128];
    std::vector<std::uint64_t> heap;
    std::uint64_t* seen = local;
    if (words <= 128) std::fill_n(local, words, 0);
    else seen = (heap.assign(words, 0), heap.data());
    const std::size_t mask = rolling_table_.size() - 1;
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(hashed_bytes_.data());
    for (std::size_t i = 0; i + hashed_lengths_[0] <= n; ++i) {
      std::uint32_t x;
      std::memcpy(&x, v + i, 4);  // (every hashed literal has kHashedMinLength >= 4 bytes)
      const std::uint32_t fits = (1u << nl) - 1;  // (nl <= kMaxHashedLengths)
      for (std::uint32_t bits = hashed_lengths_of(static_cast<std::uint32_t>(text::lower_ascii8(x))) & fits;
           bits != 0; bits &= bits - 1) {
        const std::size_t j = static_cast<std::size_t>(__builtin_ctz(bits));
        const std::uint32_t len = hashed_lengths_[j];
        if (i + len > n) break;  // (ascending: the longer ones do not fit either)
        const bool interior = i != 0 && i + len != n;
        for (std::size_t slot = roll_slot(h[j]) & mask;; slot = (slot + 1) & mask) {
          const std::uint32_t k = rolling_table_[slot];
          if (k == 0) break;
          const HashedKey& key = hashed_keys_[k - 1];
          if (rolling_hash_[k - 1] != h[j] || key.length != len) continue;
          if (interior && ((seen[(k - 1) / 64] >> ((k - 1) % 64)) & 1)) break;
          if (!folded_equal(v + i, bytes + key.offset, len)) continue;
          if (interior) seen[(k - 1) / 64] |= std::uint64_t{1} << ((k - 1) % 64);
          report_key(key, i, n, on_match);
          break;
        }
      }
      for (std::size_t j = 0; j < nl; ++j)
        if (i + hashed_lengths_[j] < n) h[j] = roll_step(h[j], v[i], v[i + hashed_lengths_[j]], rolling_pow_[j]);
    }
  }
  template <class Fn>
  void full_scan(const unsigned char* v, std::size_t n, Fn& on_match) const {
    if (hashed_) rolling_scan(v, n, on_match);
    else automaton_scan(v, n, on_match);
  }
  // The rolling hash: sum of folded byte * kRollBase^(len - 1 - position), modulo 2^61 - 1 (a
  // prime: unlike a hash modulo 2^64, no Thue-Morse value makes many windows collide).
  static constexpr std::uint64_t kRollMod = (std::uint64_t{1} << 61) - 1;
  static constexpr std::uint64_t kRollBase = 0x1F3D5B79A1C3E5ull % kRollMod;
  static std::uint64_t roll_mul(std::uint64_t a, std::uint64_t b) {
    const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
    const std::uint64_t r = (static_cast<std::uint64_t>(p) & kRollMod) + static_cast<std::uint64_t>(p >> 61);
    return r >= kRollMod ? r - kRollMod : r;
  }
  static std::uint64_t roll_add(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t r = a + b;
    return r >= kRollMod ? r - kRollMod : r;
  }
  static std::uint64_t fold_byte(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? c | 0x20u : c;
  }
  static std::uint64_t roll_hash(const unsigned char* p, std::size_t len) {
    std::uint64_t h = 0;
    for (std::size_t k = 0; k < len; ++k) h = roll_add(roll_mul(h, kRollBase), fold_byte(p[k]));
    return h;
  }
  // The window one byte on: drop `out` (weighted kRollBase^(len - 1): `top`), add `in`.
  static std::uint64_t roll_step(std::uint64_t h, unsigned char out, unsigned char in, std::uint64_t top) {
    h = roll_add(h, kRollMod - roll_mul(fold_byte(out), top));
    return roll_add(roll_mul(h, kRollBase), fold_byte(in));
  }
  static std::size_t roll_slot(std::uint64_t h) { return static_cast<std::size_t>((h ^ (h >> 29)) * 0x9E3779B97F4A7C15ull >> 20); }
  std::vector<std::uint64_t> rolling_hash_;    // per key: roll_hash of its bytes
  std::vector<std::uint32_t> rolling_table_;   // open addressing by roll_slot: key index + 1
  std::vector<std::uint64_t> rolling_pow_;     // per hashed length L: kRollBase^(L - 1)
  bool hashed_ = false;
  std::vector<std::uint32_t> hashed_lengths_;  // distinct literal lengths, ascending
  // Folded 4-byte prefix -> the lengths of the literals starting with it (bit j: length
  // hashed_lengths_[j]); open addressing, at most half full, lengths == 0 marks an empty slot.
  struct HashedPrefix {
    std::uint32_t prefix = 0, lengths = 0;
  };
  std::vector<HashedPrefix> hashed_prefixes_;
  std::vector<HashedKey> hashed_keys_;         // one per distinct literal
  std::vector<std::uint32_t> hashed_table_;    // open addressing: key index + 1, 0 = empty
  std::vector<std::uint32_t> hashed_out_;
  std::string hashed_bytes_;
  static constexpr std::size_t kHashedMinLiterals = 256;  // below this the trie is warm enough
  static constexpr std::size_t kHashedMinLength = 8;      // folded_hash reads 8-byte words
  // The part of the filter decision that depends only on the literals' lengths and number, and
  // that adding literals never reverses: the filter reads 4 bytes per position, so every
  // literal needs 4; past kMaxFilterLiterals only hashed verification (every literal at least
  // kHashedMinLength) keeps the filter's bits sparse. build() also needs folded ASCII and, past
  // kMaxFilterLiterals, few lengths and prefixes; filter_ruled_out() uses this part alone.
  bool lengths_allow_filter() const {
    bool under4 = false, unhashable = false;
    for (std::string_view lit : literals_) {
      under4 |= !lit.empty() && lit.size() < 4;
      unhashable |= !lit.empty() && lit.size() < kHashedMinLength;
    }
    return !under4 && (literals_.size() <= kMaxFilterLiterals || !unhashable);
  }
  static constexpr std::size_t kMaxHashedLengths = 8;     // hashes per candidate at most

  // A sparse state follows its own edge on class k, else its failure link, until a state with
  // that child or a dense row (the root always has one) is reached.
  std::uint32_t sparse_step(std::uint32_t code, std::uint32_t k) const {
    for (;;) {
      const Sparse& n = sparse_[code - dense_end_];
      if (n.nkids == 1) {
        if (n.cls == k) return n.kid;
      } else {
        for (std::uint32_t e = n.kid, end = n.kid + n.nkids; e < end && edge_cls_[e] <= k; ++e)
          if (edge_cls_[e] == k) return edge_to_[e];
      }
      code = n.fail;
      if (code < dense_end_) return dense_[code + k];
    }
  }

  std::vector<Pattern> patterns_;
  std::vector<std::string_view> literals_;  // build input (views into the image)
  std::vector<std::uint32_t> empty_patterns_;
  std::vector<std::uint32_t> outputs_;
  std::vector<Report> reports_;
  std::vector<Sparse> sparse_;
  std::vector<std::uint16_t> edge_cls_;
  std::vector<std::uint32_t> edge_to_;
  std::vector<std::uint32_t> dense_node_, sparse_node_;  // code -> BFS number, for report()
  // The filter (see scan) and its trie, depth-first: nkids == 1 means the child is the next node;
  // several children are in trie_edge_cls_/trie_edge_to_, sorted by class. trie_out_ lists the
  // literals ending at each node (CSR by trie_out_begin_). root_kid_: the root's child by class.
  struct TrieNode {
    std::uint32_t edges = 0;
    std::uint16_t nkids = 0;
    std::uint16_t cls = 0;
    bool out = false;
  };
  static constexpr std::uint32_t kNoKid = 0xFFFFFFFFu;
  bool has_filter_ = false;
  bool has_simd_ = false;
  // Per literal byte j: the low-nibble table, then the high-nibble one (16 entries, twice: one
  // copy per 128-bit lane of the shuffle).
  std::uint8_t simd_tables_[2 * kSimdBytes][32] = {};
  std::vector<std::uint64_t> filter_;
  unsigned filter_shift_ = 20;
  std::vector<TrieNode> trie_;
  std::vector<std::uint16_t> trie_edge_cls_;
  std::vector<std::uint32_t> trie_edge_to_, trie_out_begin_, trie_out_;
  std::uint32_t root_kid_[257] = {};
  static constexpr std::size_t kMaxDensity = 8;  // one candidate per 8 positions at most
  static constexpr std::size_t kVerifyPerByte = 8;
  static constexpr std::uint8_t kSkipAfterFail = 63;
  static constexpr std::size_t kMaxFilterLiterals = 4096;  // past this the bits fill up
  static_assert(2 * kMaxFilterLiterals <= (1u << 16), "hashed_lengths_of probes with 16 hash bits");
  static constexpr std::size_t kMaxSimdLiterals = 512;     // past a few hundred: little filtered
  // Dense DFA rows over byte classes: every byte that occurs in no literal shares class 0 (it
  // always leads back to the root), the others get one class each. CommandLine's 11,139
  // SigmaHQ Windows literals use 155 distinct bytes, so a row is 624 bytes. Rows go to the
  // states a scan visits most and that branch: the root, depth 1, and states with at least
  // kDenseFanout children, in BFS order within the dense_cells budget; a whole automaton of at
  // most all_dense_cells cells is dense. Giving every state a row (as before) made the
  // all-Windows indexes ~4 MiB each, and a walk down a long literal missed the cache per byte.
  std::vector<std::uint32_t> dense_;
  std::uint32_t dense_end_ = 0;  // dense rows * classes_: codes below it are dense
  std::uint32_t classes_ = 1;
  std::uint16_t class_of_[256] = {};
  bool folds_ascii_ = false;
  static constexpr std::uint32_t kDenseFanout = 3;
  static constexpr std::size_t kSplitMin = 128;  // values shorter than this are walked once
  std::uint32_t max_len_ = 1;                    // longest literal (>= 1)
  std::uint32_t min_len_ = 0xFFFFFFFFu;          // shortest non-empty literal
  static constexpr std::size_t kMaxStates = kStateMask / 257;  // codes fit below kReports
};

}  // namespace sigmatch::vm
