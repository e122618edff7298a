// literal_index.cpp — Aho-Corasick construction (see literal_index.hpp): a trie renumbered in
// BFS order with sorted sparse edges, BFS failure links, dictionary-suffix links so a scan
// visits only nodes that report something, and dense byte-class rows for the shallow states.
#include "runtime/vm/literal_index.hpp"

#include <algorithm>
#include <map>

namespace sigmatch::vm {

void LiteralIndex::add(std::string_view literal, Mode mode, std::uint32_t pred) {
  std::uint32_t id = static_cast<std::uint32_t>(patterns_.size());
  patterns_.push_back({pred, static_cast<std::uint32_t>(literal.size()), mode});
  literals_.push_back(literal);
  if (literal.empty()) empty_patterns_.push_back(id);
}

bool LiteralIndex::build() {
  std::size_t bound = 1;  // trie nodes <= 1 + total literal bytes
  for (std::string_view lit : literals_) bound += lit.size();
  if (bound > kMaxStates) {
    literals_.clear();
    return false;
  }
  // 1. Trie with map children (build only), outputs per node, in insertion numbering.
  std::vector<std::map<unsigned char, std::uint32_t>> kids(1);
  std::vector<std::vector<std::uint32_t>> outs(1);
  bool used[256] = {};
  for (std::uint32_t id = 0; id < patterns_.size(); ++id) {
    std::string_view lit = literals_[id];
    if (lit.empty()) continue;
    std::uint32_t s = 0;
    for (unsigned char c : lit) {
      used[c] = true;
      auto it = kids[s].find(c);
      if (it == kids[s].end()) {
        std::uint32_t n = static_cast<std::uint32_t>(kids.size());
        kids[s][c] = n;
        kids.emplace_back();
        outs.emplace_back();
        s = n;
      } else {
        s = it->second;
      }
    }
    outs[s].push_back(id);
  }
  // 2. Renumber in BFS order (shallow states first: they get the dense rows, and a failure
  // link always points to a lower number).
  std::vector<std::uint32_t> order{0}, renum(kids.size());
  for (std::size_t qi = 0; qi < order.size(); ++qi)
    for (auto [c, t] : kids[order[qi]]) order.push_back(t);
  for (std::uint32_t i = 0; i < order.size(); ++i) renum[order[i]] = i;
  // 3. Flatten: nodes, sorted edges, outputs.
  nodes_.assign(kids.size(), Node{});
  edges_.clear();
  outputs_.clear();
  for (std::uint32_t s = 0; s < order.size(); ++s) {
    std::uint32_t old = order[s];
    nodes_[s].edge_begin = static_cast<std::uint32_t>(edges_.size());
    for (auto [c, t] : kids[old]) edges_.push_back({c, renum[t]});
    nodes_[s].edge_end = static_cast<std::uint32_t>(edges_.size());
    nodes_[s].out_begin = static_cast<std::uint32_t>(outputs_.size());
    outputs_.insert(outputs_.end(), outs[old].begin(), outs[old].end());
    nodes_[s].out_end = static_cast<std::uint32_t>(outputs_.size());
    nodes_[s].out = !outs[old].empty();
  }
  kids.clear();
  outs.clear();
  // 4. Byte classes.
  classes_ = 1;
  for (int c = 0; c < 256; ++c) class_of_[c] = used[c] ? static_cast<std::uint16_t>(classes_++) : 0;
  std::vector<unsigned char> class_byte(classes_, 0);  // one representative byte per class
  for (int c = 0; c < 256; ++c) class_byte[class_of_[c]] = static_cast<unsigned char>(c);
  // 5. Failure and dictionary links, in BFS order. The goto function of the failure state is
  // needed while building: `go` walks failure links (every state's link is already set, as it
  // is shallower).
  auto go = [&](std::uint32_t s, unsigned char c) {
    for (;;) {
      std::uint32_t t = child(s, c);
      if (t != kNone) return t;
      if (s == 0) return 0u;
      s = nodes_[s].fail;
    }
  };
  for (std::uint32_t s = 0; s < nodes_.size(); ++s)
    for (std::uint32_t e = nodes_[s].edge_begin; e < nodes_[s].edge_end; ++e) {
      std::uint32_t t = edges_[e].to;
      std::uint32_t f = s == 0 ? 0 : go(nodes_[s].fail, edges_[e].c);
      nodes_[t].fail = f;
      nodes_[t].dict = nodes_[f].out ? f : nodes_[f].dict;
    }
  // 6. Dense rows for the shallowest states within the cell budget (always the root).
  dense_states_ = static_cast<std::uint32_t>(
      std::max<std::size_t>(1, std::min<std::size_t>(nodes_.size(), kMaxDenseCells / classes_)));
  dense_.assign(static_cast<std::size_t>(dense_states_) * classes_, 0);  // class 0: root, no report
  for (std::uint32_t s = 0; s < dense_states_; ++s)
    for (std::uint32_t k = 1; k < classes_; ++k) {
      unsigned char c = class_byte[k];
      std::uint32_t t = child(s, c);
      // A state's failure target is shallower, so its row is already filled.
      dense_[static_cast<std::size_t>(s) * classes_ + k] =
          t != kNone ? with_flag(t) : s == 0 ? 0 : dense_[static_cast<std::size_t>(nodes_[s].fail) * classes_ + k];
    }
  literals_.clear();
  literals_.shrink_to_fit();
  return true;
}

}  // namespace sigmatch::vm
