// literal_index.cpp — Aho-Corasick construction (see literal_index.hpp): a trie with sorted
// sparse edges, a dense root row (every failed step ends there), BFS failure links and
// dictionary-suffix links so a scan visits only nodes that report something.
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

void LiteralIndex::build() {
  // 1. Trie with map children (build only), outputs per node.
  std::vector<std::map<unsigned char, std::uint32_t>> kids(1);
  std::vector<std::vector<std::uint32_t>> outs(1);
  for (std::uint32_t id = 0; id < patterns_.size(); ++id) {
    std::string_view lit = literals_[id];
    if (lit.empty()) continue;
    std::uint32_t s = 0;
    for (unsigned char c : lit) {
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
  // 2. Flatten: nodes, sorted edges, outputs.
  nodes_.assign(kids.size(), Node{});
  edges_.clear();
  outputs_.clear();
  for (std::uint32_t s = 0; s < kids.size(); ++s) {
    nodes_[s].edge_begin = static_cast<std::uint32_t>(edges_.size());
    for (auto [c, t] : kids[s]) edges_.push_back({c, t});
    nodes_[s].edge_end = static_cast<std::uint32_t>(edges_.size());
    nodes_[s].out_begin = static_cast<std::uint32_t>(outputs_.size());
    outputs_.insert(outputs_.end(), outs[s].begin(), outs[s].end());
    nodes_[s].out_end = static_cast<std::uint32_t>(outputs_.size());
    nodes_[s].out = !outs[s].empty();
  }
  for (int c = 0; c < 256; ++c) {
    auto it = kids[0].find(static_cast<unsigned char>(c));
    root_[c] = it == kids[0].end() ? 0 : it->second;
  }
  // 3. BFS failure and dictionary links.
  std::vector<std::uint32_t> queue;
  for (auto [c, t] : kids[0]) {
    nodes_[t].fail = 0;
    queue.push_back(t);
  }
  for (std::size_t qi = 0; qi < queue.size(); ++qi) {
    std::uint32_t s = queue[qi];
    for (auto [c, t] : kids[s]) {
      std::uint32_t f = nodes_[s].fail;
      nodes_[t].fail = step(f, c);
      std::uint32_t ft = nodes_[t].fail;
      nodes_[t].dict = nodes_[ft].out ? ft : nodes_[ft].dict;
      queue.push_back(t);
    }
  }
  if (nodes_.size() <= kMaxDenseStates) {
    std::vector<std::uint32_t> dense(nodes_.size() * 256);
    // BFS order guarantees a state's failure target is filled before the state itself.
    for (int c = 0; c < 256; ++c) dense[c] = root_[c];
    for (std::uint32_t s : queue)
      for (int c = 0; c < 256; ++c) {
        std::uint32_t t = child(s, static_cast<unsigned char>(c));
        dense[(static_cast<std::size_t>(s) << 8) | c] =
            t != 0xFFFFFFFFu ? t : dense[(static_cast<std::size_t>(nodes_[s].fail) << 8) | c];
      }
    dense_ = std::move(dense);
  }
  literals_.clear();
  literals_.shrink_to_fit();
}

}  // namespace sigmatch::vm
