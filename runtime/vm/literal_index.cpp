// literal_index.cpp — Aho-Corasick construction (see literal_index.hpp): a trie renumbered in
// BFS order with sorted sparse edges, BFS failure links, dictionary-suffix links so a scan
// visits only nodes that report something, and dense byte-class rows for the shallow states.
#include "runtime/vm/literal_index.hpp"

#include <algorithm>

namespace sigmatch::vm {

void LiteralIndex::add(std::string_view literal, Mode mode, std::uint32_t pred) {
  std::uint32_t id = static_cast<std::uint32_t>(patterns_.size());
  patterns_.push_back({pred, static_cast<std::uint32_t>(literal.size()), mode});
  literals_.push_back(literal);
  if (literal.empty()) empty_patterns_.push_back(id);
}

bool LiteralIndex::build() {
  std::size_t bound = 1;  // trie nodes <= 1 + total literal bytes
  for (std::string_view lit : literals_) {
    bound += lit.size();
    max_len_ = std::max<std::uint32_t>(max_len_, static_cast<std::uint32_t>(std::min<std::size_t>(lit.size(), 1u << 30)));
  }
  if (bound > kMaxStates) {
    literals_.clear();
    return false;
  }
  // 1. Trie from the literals in sorted order: each literal reuses the path of its longest
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
  bool used[256] = {};
  std::string_view prev;
  for (std::uint32_t id : ids) {
    std::string_view lit = literals_[id];
    std::size_t k = 0;
    while (k < lit.size() && k < prev.size() && lit[k] == prev[k]) ++k;
    path.resize(k + 1);
    for (std::size_t d = k; d < lit.size(); ++d) {
      unsigned char c = static_cast<unsigned char>(lit[d]);
      used[c] = true;
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
  // 2. Renumber in BFS order (shallow states first: they get the dense rows, and a failure
  // link always points to a lower number).
  std::vector<std::uint32_t> order{0}, renum(count);
  order.reserve(count);
  for (std::size_t qi = 0; qi < order.size(); ++qi)
    for (std::uint32_t k = kid_begin[order[qi]]; k < kid_begin[order[qi] + 1]; ++k) order.push_back(kids[k]);
  for (std::uint32_t i = 0; i < order.size(); ++i) renum[order[i]] = i;
  // 3. Flatten: nodes, sorted edges, outputs.
  for (auto& e : ends) e.first = renum[e.first];
  std::sort(ends.begin(), ends.end());
  nodes_.assign(count, Node{});
  edges_.clear();
  edges_.reserve(count);
  outputs_.clear();
  outputs_.reserve(ends.size());
  std::size_t e = 0;
  for (std::uint32_t s = 0; s < count; ++s) {
    std::uint32_t old = order[s];
    nodes_[s].edge_begin = static_cast<std::uint32_t>(edges_.size());
    for (std::uint32_t k = kid_begin[old]; k < kid_begin[old + 1]; ++k) edges_.push_back({via[kids[k]], renum[kids[k]]});
    nodes_[s].edge_end = static_cast<std::uint32_t>(edges_.size());
    nodes_[s].out_begin = static_cast<std::uint32_t>(outputs_.size());
    for (; e < ends.size() && ends[e].first == s; ++e) outputs_.push_back(ends[e].second);
    nodes_[s].out_end = static_cast<std::uint32_t>(outputs_.size());
    nodes_[s].out = nodes_[s].out_end != nodes_[s].out_begin;
  }
  // 4. Byte classes.
  classes_ = 1;
  for (int c = 0; c < 256; ++c) class_of_[c] = used[c] ? static_cast<std::uint16_t>(classes_++) : 0;
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
  for (std::uint32_t s = 0; s < dense_states_; ++s) {
    std::uint32_t* row = dense_.data() + static_cast<std::size_t>(s) * classes_;
    // A state goes where its failure state goes, except on its own edges. The failure state is
    // shallower, so its row is complete: copy it, then overwrite the children.
    if (s != 0) std::copy_n(dense_.data() + static_cast<std::size_t>(nodes_[s].fail) * classes_, classes_, row);
    for (std::uint32_t e = nodes_[s].edge_begin; e < nodes_[s].edge_end; ++e)
      row[class_of_[edges_[e].c]] = with_flag(edges_[e].to);
  }
  literals_.clear();
  literals_.shrink_to_fit();
  return true;
}

}  // namespace sigmatch::vm
