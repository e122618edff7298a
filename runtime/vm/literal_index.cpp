// literal_index.cpp — Aho-Corasick construction (see literal_index.hpp): a trie renumbered in
// BFS order, BFS failure links, dictionary-suffix links so a scan visits only states that report
// something, dense byte-class rows for the states a scan visits most, and depth-first sparse
// records for the rest.
#include "runtime/vm/literal_index.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <numeric>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sigmatch::vm {
namespace {
constexpr std::uint32_t kNone = 0xFFFFFFFFu;
}  // namespace

void LiteralIndex::add(std::string_view literal, Mode mode, std::uint32_t pred) {
  std::uint32_t id = static_cast<std::uint32_t>(patterns_.size());
  patterns_.push_back({pred, static_cast<std::uint32_t>(literal.size()), mode});
  literals_.push_back(literal);
  if (literal.empty()) empty_patterns_.push_back(id);
}

bool LiteralIndex::build(std::size_t dense_cells, std::size_t all_dense_cells, bool simd) {
  std::size_t bound = 1;  // trie nodes <= 1 + total literal bytes
  for (std::string_view lit : literals_) {
    bound += lit.size();
    if (!lit.empty())
      min_len_ = std::min<std::uint32_t>(min_len_, static_cast<std::uint32_t>(std::min<std::size_t>(lit.size(), 1u << 30)));
    max_len_ = std::max<std::uint32_t>(
        max_len_, static_cast<std::uint32_t>(std::min<std::size_t>(lit.size(), 1u << 30)));
  }
  if (bound > kMaxStates) {
    literals_.clear();
    return false;
  }
  // 1. Byte classes (every scan maps bytes through them; the hashed decision needs
  // folds_ascii_).
  bool used[256] = {};
  bool any = false;  // a non-empty literal
  for (std::string_view lit : literals_) {
    any |= !lit.empty();
    for (char ch : lit) used[static_cast<unsigned char>(ch)] = true;
  }
  classes_ = 1;
  for (int c = 0; c < 256; ++c) class_of_[c] = used[c] ? static_cast<std::uint16_t>(classes_++) : 0;
  // Folded literals hold no upper-case ASCII, so an upper-case letter can share its lower-case
  // letter's class: the scan then folds ASCII by itself and an ASCII value needs no folded copy
  // (folds_ascii()). A literal with an upper-case letter (only a hand-made image has one) keeps
  // the exact byte classes, and callers fold every value first.
  folds_ascii_ = true;
  for (int c = 'A'; c <= 'Z'; ++c) folds_ascii_ &= !used[c];
  if (folds_ascii_)
    for (int c = 'A'; c <= 'Z'; ++c) class_of_[c] = class_of_[c + 32];
  // 2. The filter, when every literal has 4 bytes or more (and the scan folds ASCII itself, so
  // lower-casing a raw value's bytes is the fold); its trie is built with the automaton.
  // Hashed verification (see hashed_verify) for a large set of long literals of few lengths:
  // its filter is sized by the distinct 4-byte prefixes rather than the literals.
  std::vector<std::uint32_t> prefixes, lengths;
  {
    bool ok = folds_ascii_ && literals_.size() >= kHashedMinLiterals;
    for (std::size_t k = 0; ok && k < literals_.size(); ++k) {
      std::string_view lit = literals_[k];
      if (lit.empty()) continue;
      ok = lit.size() >= kHashedMinLength && lit.size() < (1u << 30);
      if (!ok) break;
      std::uint32_t x;
      std::memcpy(&x, lit.data(), 4);
      prefixes.push_back(x);
      lengths.push_back(static_cast<std::uint32_t>(lit.size()));
    }
    std::sort(prefixes.begin(), prefixes.end());
    prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
    std::sort(lengths.begin(), lengths.end());
    lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
    hashed_ = ok && !lengths.empty() && lengths.size() <= kMaxHashedLengths && prefixes.size() <= kMaxFilterLiterals;
  }
  // (hashed_ implies every literal reaches kHashedMinLength: lengths_allow_filter holds then.)
  has_filter_ = folds_ascii_ && any && lengths_allow_filter() &&
                (hashed_ || literals_.size() <= kMaxFilterLiterals);
  hashed_ = hashed_ && has_filter_;
  // 3. A hashed index gets its tables and no automaton (rolling_scan takes its place); any
  // other the automaton, and the filter's trie when it has a filter.
  if (hashed_)
    build_hashed(lengths, prefixes.size());
  else
    build_automaton(dense_cells, all_dense_cells);
  if (has_filter_) {
    // About 64 bits per literal (2^12 to 2^18 bits, at most 32 KiB): under 2% of the bits set,
    // so false candidates stay well below one in kMaxDensity positions.
    unsigned bits = 12;
    const std::size_t keys = hashed_ ? prefixes.size() : literals_.size();
    while (bits < 18 && (std::size_t{1} << bits) < 64 * keys) ++bits;
    filter_shift_ = 32 - bits;
    filter_.assign((std::size_t{1} << bits) / 64, 0);
    for (std::string_view lit : literals_) {
      if (lit.empty()) continue;
      std::uint32_t x;
      std::memcpy(&x, lit.data(), 4);
      const std::uint32_t h = filter_hash(x);
      filter_[h >> 6] |= std::uint64_t{1} << (h & 63);
    }
    // Past a few hundred literals the nibble tables accept nearly every position (measured:
    // 148 keyword literals let 12% through; Image's 1,947 almost all), so only the hash is used.
    if (simd && literals_.size() <= kMaxSimdLiterals && simd_available()) build_simd_tables();
  }
  literals_.clear();
  literals_.shrink_to_fit();
  return true;
}

// Steps of a non-hashed index: the Aho-Corasick automaton (trie, BFS numbering, failure and
// dictionary links, dense rows and sparse records), then the filter's trie.
void LiteralIndex::build_automaton(std::size_t dense_cells, std::size_t all_dense_cells) {
  // a. Trie from the literals in sorted order: each literal reuses the path of its longest
  // common prefix with the previous one, so building is linear in the literal bytes (no
  // per-node maps: this was most of a program's load time) and every node's children are
  // created in byte order.
  std::vector<std::uint32_t> ids;
  for (std::uint32_t id = 0; id < patterns_.size(); ++id)
    if (!literals_[id].empty()) ids.push_back(id);
  std::stable_sort(ids.begin(), ids.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return literals_[a] < literals_[b]; });
  std::vector<std::uint32_t> parent{0};
  std::vector<unsigned char> via{0};
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ends;  // (node, pattern id)
  std::vector<std::uint32_t> path{0};  // path[d]: the previous literal's node at depth d
  std::string_view prev;
  for (std::uint32_t id : ids) {
    std::string_view lit = literals_[id];
    std::size_t k = 0;
    while (k < lit.size() && k < prev.size() && lit[k] == prev[k]) ++k;
    path.resize(k + 1);
    for (std::size_t d = k; d < lit.size(); ++d) {
      unsigned char c = static_cast<unsigned char>(lit[d]);
      parent.push_back(path[d]);
      via.push_back(c);
      path.push_back(static_cast<std::uint32_t>(parent.size() - 1));
    }
    ends.emplace_back(path[lit.size()], id);
    prev = lit;
  }
  const std::size_t count = parent.size();
  // Children lists (CSR, in creation order: byte order within a parent).
  std::vector<std::uint32_t> kid_begin(count + 1, 0), kids(count > 0 ? count - 1 : 0);
  for (std::size_t n = 1; n < count; ++n) ++kid_begin[parent[n] + 1];
  for (std::size_t n = 0; n < count; ++n) kid_begin[n + 1] += kid_begin[n];
  {
    std::vector<std::uint32_t> fill(kid_begin.begin(), kid_begin.end() - 1);
    for (std::size_t n = 1; n < count; ++n) kids[fill[parent[n]]++] = static_cast<std::uint32_t>(n);
  }
  // b. Renumber in BFS order (shallow states first: they get the dense rows, and a failure
  // link always points to a lower number).
  std::vector<std::uint32_t> order{0}, renum(count);
  order.reserve(count);
  for (std::size_t qi = 0; qi < order.size(); ++qi)
    for (std::uint32_t k = kid_begin[order[qi]]; k < kid_begin[order[qi] + 1]; ++k)
      order.push_back(kids[k]);
  for (std::uint32_t i = 0; i < order.size(); ++i) renum[order[i]] = i;
  // c. Flatten (BFS numbers): children CSR sorted by byte, depth, outputs.
  for (auto& e : ends) e.first = renum[e.first];
  std::sort(ends.begin(), ends.end());
  std::vector<std::uint32_t> kb(count + 1, 0), kid(count > 0 ? count - 1 : 0), depth(count, 0);
  std::vector<unsigned char> kc(kid.size());
  reports_.assign(count, Report{});
  outputs_.clear();
  outputs_.reserve(ends.size());
  std::size_t e = 0;
  for (std::uint32_t s = 0; s < count; ++s) {
    std::uint32_t old = order[s];
    kb[s + 1] = kb[s];
    for (std::uint32_t k = kid_begin[old]; k < kid_begin[old + 1]; ++k) {
      std::uint32_t t = renum[kids[k]];
      kid[kb[s + 1]] = t;
      kc[kb[s + 1]++] = via[kids[k]];
      depth[t] = depth[s] + 1;
    }
    reports_[s].out_begin = static_cast<std::uint32_t>(outputs_.size());
    for (; e < ends.size() && ends[e].first == s; ++e) outputs_.push_back(ends[e].second);
    reports_[s].out_end = static_cast<std::uint32_t>(outputs_.size());
  }
  // The root's children by byte: failure walks end at the root for most bytes, and a linear
  // search of its children there (one per distinct first byte of the literals) was over half of
  // child()'s instructions (callgrind, all-Windows load: 11.5M of 20.1M).
  std::uint32_t root_kid[256];
  std::fill(std::begin(root_kid), std::end(root_kid), kNone);
  if (count > 0)
    for (std::uint32_t k = kb[0]; k < kb[1]; ++k) root_kid[kc[k]] = kid[k];
  auto child = [&](std::uint32_t s, unsigned char c) {
    if (s == 0) return root_kid[c];
    for (std::uint32_t k = kb[s]; k < kb[s + 1]; ++k)
      if (kc[k] == c) return kid[k];
    return kNone;
  };
  auto has_out = [&](std::uint32_t s) { return reports_[s].out_end != reports_[s].out_begin; };
  // Class -> its first byte a literal can hold (257 classes when all bytes occur). Upper-case
  // ASCII shares its letter's class when the index folds, but no literal holds it: skipped, or
  // 'A' would stand for 'a''s class and find no edge.
  unsigned char class_byte[257] = {};
  for (int c = 255; c >= 0; --c)
    if (!(folds_ascii_ && c >= 'A' && c <= 'Z')) class_byte[class_of_[c]] = static_cast<unsigned char>(c);
  // d. Failure and dictionary links, in BFS order: a state's failure state is shallower, so its
  // link is already set when `go` walks it.
  std::vector<std::uint32_t> fail(count, 0);
  auto go = [&](std::uint32_t s, unsigned char c) {
    for (;;) {
      std::uint32_t t = child(s, c);
      if (t != kNone) return t;
      if (s == 0) return 0u;
      s = fail[s];
    }
  };
  for (std::uint32_t s = 0; s < count; ++s)
    for (std::uint32_t k = kb[s]; k < kb[s + 1]; ++k) {
      std::uint32_t t = kid[k];
      std::uint32_t f = s == 0 ? 0 : go(fail[s], kc[k]);
      fail[t] = f;
      reports_[t].dict = has_out(f) ? f : reports_[f].dict;
    }
  // e. Which states get dense rows (BFS order, so shallow states first), then codes: dense
  // states r * classes_ in BFS order, sparse ones dense_end_ + their depth-first number.
  std::vector<std::uint32_t> code(count, 0);
  std::vector<char> dense(count, 0);
  dense_node_.clear();
  const bool all_dense = count * static_cast<std::size_t>(classes_) <= all_dense_cells;
  for (std::uint32_t s = 0; s < count; ++s) {
    bool want = all_dense || s == 0 || depth[s] <= 1 || kb[s + 1] - kb[s] >= kDenseFanout;
    if (!want || (s != 0 && (dense_node_.size() + 1) * classes_ > dense_cells)) continue;
    dense[s] = 1;
    code[s] = static_cast<std::uint32_t>(dense_node_.size()) * classes_;
    dense_node_.push_back(s);
  }
  dense_end_ = static_cast<std::uint32_t>(dense_node_.size()) * classes_;
  sparse_node_.clear();
  {
    std::vector<std::uint32_t> stack{0};
    while (!stack.empty()) {
      std::uint32_t s = stack.back();
      stack.pop_back();
      if (!dense[s]) {
        code[s] = dense_end_ + static_cast<std::uint32_t>(sparse_node_.size());
        sparse_node_.push_back(s);
      }
      for (std::uint32_t k = kb[s + 1]; k-- > kb[s];) stack.push_back(kid[k]);  // byte order
    }
  }
  auto with_flag = [&](std::uint32_t t) {
    return code[t] | ((has_out(t) || reports_[t].dict != 0) ? kReports : 0u);
  };
  // f. Dense rows: a state goes where its failure state goes, except on its own edges. When the
  // failure state has a row (it is shallower: built already) copy it, else walk.
  dense_.assign(dense_end_, 0);  // class 0: the root, no report
  for (std::uint32_t r = 0; r < dense_node_.size(); ++r) {
    std::uint32_t s = dense_node_[r];
    std::uint32_t* row = dense_.data() + static_cast<std::size_t>(r) * classes_;
    if (s != 0 && dense[fail[s]]) {
      std::copy_n(dense_.data() + code[fail[s]], classes_, row);
    } else if (s != 0) {
      for (std::uint32_t k = 1; k < classes_; ++k) row[k] = with_flag(go(fail[s], class_byte[k]));
    }
    for (std::uint32_t k = kb[s]; k < kb[s + 1]; ++k) row[class_of_[kc[k]]] = with_flag(kid[k]);
  }
  // g. Sparse records, in depth-first order.
  sparse_.assign(sparse_node_.size(), Sparse{});
  edge_cls_.clear();
  edge_to_.clear();
  for (std::uint32_t x = 0; x < sparse_node_.size(); ++x) {
    std::uint32_t s = sparse_node_[x];
    Sparse& n = sparse_[x];
    n.fail = code[fail[s]];
    n.nkids = static_cast<std::uint16_t>(kb[s + 1] - kb[s]);
    if (n.nkids == 1) {
      n.kid = with_flag(kid[kb[s]]);
      n.cls = class_of_[kc[kb[s]]];
    } else {
      n.kid = static_cast<std::uint32_t>(edge_cls_.size());
      for (std::uint32_t k = kb[s]; k < kb[s + 1]; ++k) {  // byte order = class order
        edge_cls_.push_back(class_of_[kc[k]]);
        edge_to_.push_back(with_flag(kid[k]));
      }
    }
  }
  if (has_filter_) {  // the filter's depth-first trie (walk)
    std::vector<std::uint32_t> dfs(count, 0), dfs_order;
    dfs_order.reserve(count);
    std::vector<std::uint32_t> stack{0};
    while (!stack.empty()) {
      const std::uint32_t s = stack.back();
      stack.pop_back();
      dfs[s] = static_cast<std::uint32_t>(dfs_order.size());
      dfs_order.push_back(s);
      for (std::uint32_t k = kb[s + 1]; k-- > kb[s];) stack.push_back(kid[k]);  // byte order
    }
    trie_.assign(count, TrieNode{});
    trie_out_begin_.assign(count + 1, 0);
    for (std::uint32_t t = 0; t < count; ++t) {
      const std::uint32_t s = dfs_order[t];
      TrieNode& nd = trie_[t];
      nd.nkids = static_cast<std::uint16_t>(kb[s + 1] - kb[s]);
      if (nd.nkids == 1) {
        nd.cls = class_of_[kc[kb[s]]];
      } else {
        nd.edges = static_cast<std::uint32_t>(trie_edge_cls_.size());
        for (std::uint32_t k = kb[s]; k < kb[s + 1]; ++k) {
          trie_edge_cls_.push_back(class_of_[kc[k]]);
          trie_edge_to_.push_back(dfs[kid[k]]);
        }
      }
      nd.out = has_out(s);
      for (std::uint32_t k = reports_[s].out_begin; k < reports_[s].out_end; ++k)
        trie_out_.push_back(outputs_[k]);
      trie_out_begin_[t + 1] = static_cast<std::uint32_t>(trie_out_.size());
    }
    std::fill(std::begin(root_kid_), std::end(root_kid_), kNoKid);
    for (std::uint32_t k = kb[0]; k < kb[1]; ++k) root_kid_[class_of_[kc[k]]] = dfs[kid[k]];
  }
}

// The table hashed_verify probes: one key per distinct literal (a literal may stand for several
// patterns), open addressing at a load of at most one half.
void LiteralIndex::build_hashed(const std::vector<std::uint32_t>& lengths, std::size_t prefixes) {
  hashed_lengths_ = lengths;
  std::vector<std::uint32_t> ids;
  for (std::uint32_t id = 0; id < patterns_.size(); ++id)
    if (!literals_[id].empty()) ids.push_back(id);
  std::stable_sort(ids.begin(), ids.end(), [&](std::uint32_t a, std::uint32_t b) { return literals_[a] < literals_[b]; });
  for (std::size_t k = 0; k < ids.size(); ++k) {
    std::string_view lit = literals_[ids[k]];
    if (k == 0 || lit != literals_[ids[k - 1]]) {
      HashedKey key;
      key.offset = static_cast<std::uint32_t>(hashed_bytes_.size());
      key.length = static_cast<std::uint32_t>(lit.size());
      key.hash = folded_hash(reinterpret_cast<const unsigned char*>(lit.data()), lit.size());
      key.out_begin = static_cast<std::uint32_t>(hashed_out_.size());
      hashed_bytes_.append(lit);
      hashed_keys_.push_back(key);
    }
    hashed_out_.push_back(ids[k]);
    hashed_keys_.back().out_end = static_cast<std::uint32_t>(hashed_out_.size());
  }
  {
    std::size_t psize = 8;  // (prefixes <= kMaxFilterLiterals: the probe's >> 16 covers it)
    while (psize < 2 * prefixes) psize *= 2;
    hashed_prefixes_.assign(psize, HashedPrefix{});
    const std::uint32_t pmask = static_cast<std::uint32_t>(psize - 1);
    for (const HashedKey& key : hashed_keys_) {
      std::uint32_t x;
      std::memcpy(&x, hashed_bytes_.data() + key.offset, 4);
      const std::uint32_t bit = 1u << (std::lower_bound(lengths.begin(), lengths.end(), key.length) - lengths.begin());
      std::uint32_t slot = (x * kFilterMul) >> 16 & pmask;
      while (hashed_prefixes_[slot].lengths != 0 && hashed_prefixes_[slot].prefix != x) slot = (slot + 1) & pmask;
      hashed_prefixes_[slot].prefix = x;
      hashed_prefixes_[slot].lengths |= bit;
    }
  }
  std::size_t size = 16;
  while (size < 2 * hashed_keys_.size()) size *= 2;
  hashed_table_.assign(size, 0);
  rolling_table_.assign(size, 0);
  rolling_hash_.resize(hashed_keys_.size());
  for (std::uint32_t k = 0; k < hashed_keys_.size(); ++k) {
    std::size_t slot = hashed_keys_[k].hash & (size - 1);
    while (hashed_table_[slot] != 0) slot = (slot + 1) & (size - 1);
    hashed_table_[slot] = k + 1;
    const HashedKey& key = hashed_keys_[k];
    rolling_hash_[k] = roll_hash(reinterpret_cast<const unsigned char*>(hashed_bytes_.data()) + key.offset, key.length);
    slot = roll_slot(rolling_hash_[k]) & (size - 1);
    while (rolling_table_[slot] != 0) slot = (slot + 1) & (size - 1);
    rolling_table_[slot] = k + 1;
  }
  rolling_pow_.clear();
  for (std::uint32_t len : lengths) {  // kRollBase^(len - 1)
    std::uint64_t x = 1;
    for (std::uint32_t k = 1; k < len; ++k) x = roll_mul(x, kRollBase);
    rolling_pow_.push_back(x);
  }
}

void LiteralIndex::build_simd_tables() {
  // Buckets of consecutive literals in byte order: neighbours share leading nibbles, so each
  // bucket's tables stay sparse and false candidates rare.
  std::vector<std::uint32_t> order(literals_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return literals_[a] < literals_[b]; });
  std::size_t nonempty = 0;
  for (std::string_view lit : literals_) nonempty += !lit.empty();
  std::memset(simd_tables_, 0, sizeof simd_tables_);
  std::size_t rank = 0;
  for (std::uint32_t k : order) {
    const std::string_view lit = literals_[k];
    if (lit.empty()) continue;  // reported by report_empty, not by the scan
    const std::uint8_t bucket = static_cast<std::uint8_t>(1u << (rank++ * 8 / nonempty));
    for (std::size_t j = 0; j < kSimdBytes; ++j) {
      // The literal is folded; the value is not: a lower-case letter's bucket is also set for
      // its upper-case high nibble (A-Z share their letters' low nibbles), so simd_masks needs
      // no fold of its own. The few more candidates this admits (a byte of 0x40-0x5F with a
      // letter's low nibble) fail the exact 4-byte test that follows.
      const unsigned char b = static_cast<unsigned char>(lit[j]);
      for (int lane = 0; lane < 2; ++lane) {
        simd_tables_[2 * j][16 * lane + (b & 15)] |= bucket;
        simd_tables_[2 * j + 1][16 * lane + (b >> 4)] |= bucket;
        if (b >= 'a' && b <= 'z') simd_tables_[2 * j + 1][16 * lane + ((b - 32) >> 4)] |= bucket;
      }
    }
  }
  has_simd_ = true;
}

#if defined(__x86_64__)
bool LiteralIndex::simd_available() { return __builtin_cpu_supports("avx2"); }

__attribute__((target("avx2"))) void LiteralIndex::simd_masks(const unsigned char* p, std::size_t blocks,
                                                              std::uint32_t* out) const {
  // One call for a run of blocks: the tables stay in registers (one call per block reloaded
  // them and the constants, and folded each of the 4 loads; the keyword pass, 278 bytes a
  // record, took ~200 cycles that way, rdtsc).
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  __m256i lo_t[kSimdBytes], hi_t[kSimdBytes];
  for (std::size_t j = 0; j < kSimdBytes; ++j) {
    lo_t[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(simd_tables_[2 * j]));
    hi_t[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(simd_tables_[2 * j + 1]));
  }
  for (std::size_t b = 0; b < blocks; ++b, p += 32) {
    __m256i acc = _mm256_set1_epi8(-1);
    for (std::size_t j = 0; j < kSimdBytes; ++j) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + j));
      const __m256i lo = _mm256_and_si256(x, nibble);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
      acc = _mm256_and_si256(acc, _mm256_and_si256(_mm256_shuffle_epi8(lo_t[j], lo), _mm256_shuffle_epi8(hi_t[j], hi)));
    }
    const __m256i none = _mm256_cmpeq_epi8(acc, _mm256_setzero_si256());
    out[b] = ~static_cast<std::uint32_t>(_mm256_movemask_epi8(none));
  }
}
#else
bool LiteralIndex::simd_available() { return false; }
void LiteralIndex::simd_masks(const unsigned char*, std::size_t blocks, std::uint32_t* out) const {
  std::fill_n(out, blocks, ~0u);
}
#endif

}  // namespace sigmatch::vm
