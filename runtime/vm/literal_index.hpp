// literal_index.hpp — one Aho-Corasick automaton per field over the case-folded literals of
// that field's eq/prefix/suffix/contains predicates, built when a program is loaded. One scan
// of a (folded) field value decides every literal predicate on that field at once, instead of
// one substring search per predicate: with thousands of rules, CommandLine alone carries
// thousands of literals. Tested by tests/unit/vm_test.cpp and every e2e/differential case.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace sigmatch::vm {

class LiteralIndex {
 public:
  enum class Mode : std::uint8_t { kEq, kPrefix, kSuffix, kContains };
  void add(std::string_view literal, Mode mode, std::uint32_t pred);
  // False (and nothing built) when the automaton could exceed kMaxStates: the caller then leaves
  // the field's predicates unindexed (evaluated one by one).
  bool build();
  bool empty() const { return patterns_.empty(); }
  // A byte that occurs in no literal (it resets every match), or -1; valid after build().
  int unused_byte() const {
    for (int c = 0; c < 256; ++c)
      if (class_of_[c] == 0) return c;
    return -1;
  }
  std::size_t size() const { return patterns_.size(); }

  // Calls on_match(pred) for every predicate whose literal matches `value` in its mode (a
  // predicate may be reported more than once).
  template <class Fn>
  void scan(std::string_view value, Fn&& on_match) const {
    // The loop runs on transition codes (state * classes_, see kReports): the next row is one
    // add away, so each byte costs one dependent load. Locals keep the loads out of the chain.
    const std::size_t n = value.size();
    const unsigned char* v = reinterpret_cast<const unsigned char*>(value.data());
    const std::uint32_t* dense = dense_.data();
    const std::uint16_t* cls = class_of_;
    const std::uint32_t dense_end = dense_states_ * classes_;
    auto step = [&](std::uint32_t code, std::size_t i) {
      return code < dense_end ? dense[code + cls[v[i]]] : sparse_step(code, v[i]);
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
        if (ta & kReports) report(code / classes_, i, n, on_match);
        if (tb & kReports) report(code_b / classes_, j, n, on_match);
      }
      i = j;  // B finishes alone
      code = code_b;
    }
    for (; i < n; ++i) {
      std::uint32_t t = step(code, i);
      code = t & kStateMask;
      if (t & kReports) report(code / classes_, i, n, on_match);
    }
    // The empty literal matches at position 0 (eq "" only for an empty value).
    for (std::uint32_t k : empty_patterns_) {
      const Pattern& p = patterns_[k];
      if (p.mode != Mode::kEq || n == 0) on_match(p.pred);
    }
  }

 private:
  struct Pattern {
    std::uint32_t pred;
    std::uint32_t length;
    Mode mode;
  };
  struct Node {
    std::uint32_t fail = 0;
    std::uint32_t dict = 0;  // next node on the fail chain that has outputs (0 = none)
    std::uint32_t edge_begin = 0, edge_end = 0;
    std::uint32_t out_begin = 0, out_end = 0;
    bool out = false;
  };
  struct Edge {
    unsigned char c;
    std::uint32_t to;
  };
  // A transition is the target's code (state * classes_: the offset of its dense row), with
  // kReports set when that state (or a state on its failure chain) ends a literal: the scan loop
  // touches nothing else on most bytes. build() refuses automata whose codes could overflow.
  static constexpr std::uint32_t kReports = 0x80000000u, kStateMask = 0x7FFFFFFFu;

  template <class Fn>
  void report(std::uint32_t s, std::size_t i, std::size_t n, Fn& on_match) const {
    for (std::uint32_t o = nodes_[s].out ? s : nodes_[s].dict; o != 0; o = nodes_[o].dict) {
      for (std::uint32_t k = nodes_[o].out_begin; k < nodes_[o].out_end; ++k) {
        const Pattern& p = patterns_[outputs_[k]];
        std::size_t start = i + 1 - p.length;
        bool ok = p.mode == Mode::kContains || (p.mode == Mode::kPrefix && start == 0) ||
                  (p.mode == Mode::kSuffix && i + 1 == n) ||
                  (p.mode == Mode::kEq && start == 0 && i + 1 == n);
        if (ok) on_match(p.pred);
      }
    }
  }
  std::uint32_t child(std::uint32_t s, unsigned char c) const {
    for (std::uint32_t e = nodes_[s].edge_begin; e < nodes_[s].edge_end; ++e)
      if (edges_[e].c == c) return edges_[e].to;
    return kNone;
  }
  std::uint32_t with_flag(std::uint32_t t) const {
    return (t * classes_) | ((nodes_[t].out || nodes_[t].dict != 0) ? kReports : 0);
  }
  // Deep states (past the dense budget) walk sparse edges and failure links until a state with
  // a dense row, or a child, is found. States are numbered in BFS order, so failure links only
  // lead to lower numbers and the root (state 0) always has a row.
  std::uint32_t sparse_step(std::uint32_t code, unsigned char c) const {
    std::uint32_t s = code / classes_;
    for (;;) {
      if (s < dense_states_) return dense_[s * classes_ + class_of_[c]];
      std::uint32_t t = child(s, c);
      if (t != kNone) return with_flag(t);
      s = nodes_[s].fail;
    }
  }
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  std::vector<Pattern> patterns_;
  std::vector<std::string_view> literals_;  // build input (views into the image)
  std::vector<std::uint32_t> empty_patterns_;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<std::uint32_t> outputs_;
  // Dense DFA rows for the first dense_states_ states (the shallow ones, where a scan spends
  // nearly all its time), over byte classes: every byte that occurs in no literal shares class
  // 0 (it always leads back to the root), the others get one class each. CommandLine's 11,139
  // SigmaHQ Windows literals use 155 distinct bytes, so a row is 624 bytes instead of 1 KiB.
  std::vector<std::uint32_t> dense_;
  std::uint32_t dense_states_ = 0;
  std::uint32_t classes_ = 1;
  std::uint16_t class_of_[256] = {};
  static constexpr std::size_t kMaxDenseCells = 1u << 20;  // 4 MiB of rows per index at most
  static constexpr std::size_t kSplitMin = 128;  // values shorter than this are walked once
  std::uint32_t max_len_ = 1;                   // longest literal (>= 1)
  static constexpr std::size_t kMaxStates = kStateMask / 257;  // codes fit below kReports
};

}  // namespace sigmatch::vm
