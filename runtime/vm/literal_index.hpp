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
  void build();
  bool empty() const { return patterns_.empty(); }
  std::size_t size() const { return patterns_.size(); }

  // Calls on_match(pred) for every predicate whose literal matches `value` in its mode (a
  // predicate may be reported more than once).
  template <class Fn>
  void scan(std::string_view value, Fn&& on_match) const {
    std::uint32_t s = 0;
    const std::size_t n = value.size();
    for (std::size_t i = 0; i < n; ++i) {
      unsigned char c = static_cast<unsigned char>(value[i]);
      s = step(s, c);
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

  std::uint32_t child(std::uint32_t s, unsigned char c) const {
    if (s == 0) return root_[c];
    for (std::uint32_t e = nodes_[s].edge_begin; e < nodes_[s].edge_end; ++e)
      if (edges_[e].c == c) return edges_[e].to;
    return 0xFFFFFFFFu;
  }
  std::uint32_t step(std::uint32_t s, unsigned char c) const {
    if (!dense_.empty()) return dense_[(static_cast<std::size_t>(s) << 8) | c];
    for (;;) {
      std::uint32_t t = child(s, c);
      if (t != 0xFFFFFFFFu) return t;
      s = nodes_[s].fail;
    }
  }

  std::vector<Pattern> patterns_;
  std::vector<std::string_view> literals_;  // build input (views into the image)
  std::vector<std::uint32_t> empty_patterns_;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<std::uint32_t> outputs_;
  std::uint32_t root_[256] = {};
  // Full DFA transition table (state * 256 + byte) when the automaton is small enough: one
  // load per input byte instead of walking failure links.
  std::vector<std::uint32_t> dense_;
  static constexpr std::size_t kMaxDenseStates = 8192;
};

}  // namespace sigmatch::vm
