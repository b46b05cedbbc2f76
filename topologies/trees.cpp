#include "topologies/detail.hpp"

#include <deque>
#include <stdexcept>

namespace murmur {

using detail::edge_list;

graph bfs_spanning_tree(const graph& g, agent_id root) {
  if (root >= g.size())
    throw std::out_of_range("bfs_spanning_tree: root outside the graph");
  std::vector<bool> seen(g.size());
  std::deque<agent_id> queue{root};
  seen[root] = true;
  edge_list edges;
  while (!queue.empty()) {
    auto u = queue.front();
    queue.pop_front();
    for (auto v : g.out[u])
      if (!seen[v]) {
        seen[v] = true;
        edges.emplace_back(u, v);
        queue.push_back(v);
      }
  }
  if (edges.size() + 1 != g.size())
    throw std::invalid_argument("bfs_spanning_tree: graph is not connected");
  return undirected_graph(g.size(), edges);
}

graph chain_tree(std::size_t n) {
  edge_list edges;
  for (std::size_t i = 1; i < n; ++i)
    edges.emplace_back(i - 1, i);
  return undirected_graph(n, edges);
}

// Every w >= 1 links to its parent w / 2; that gives node 1 the parent 0
// and node 0 no other neighbour, as in RelaySGD's topologies.py.
graph binary_tree(std::size_t n) {
  edge_list edges;
  for (std::size_t w = 1; w < n; ++w)
    edges.emplace_back(w, w / 2);
  return undirected_graph(n, edges);
}

graph mirrored_binary_tree(std::size_t n) {
  edge_list edges;
  for (std::size_t w = 1; w < n; ++w)
    edges.emplace_back(n - 1 - w, n - 1 - w / 2);
  return undirected_graph(n, edges);
}

namespace {

topology make_binary_tree(std::size_t n, std::uint64_t, const topology_spec&) {
  return detail::single_phase(binary_tree(n));
}

const bool registered = registry<topology_factory>::add(
  "binary-tree", &make_binary_tree,
  "RelaySGD binary tree: w links to w / 2, node 0 hangs off node 1");

} // namespace

} // namespace murmur
