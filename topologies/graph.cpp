#include "topologies/graph.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace murmur {

namespace {

using edge_list = std::vector<std::pair<agent_id, agent_id>>;
using adjacency = std::vector<std::vector<agent_id>>;

void check_endpoints(std::size_t n, agent_id u, agent_id v) {
  if (u >= n || v >= n)
    throw std::out_of_range("graph: edge (" + std::to_string(u) + ", " +
                            std::to_string(v) + ") outside 0.." +
                            std::to_string(n) + "-1");
}

void sort_unique(adjacency& lists) {
  for (auto& list : lists) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
}

/// Breadth-first search along `adj`, reusing its buffers across sources so
/// that the all-sources diameter costs O(n (n + m)) and no allocations.
class bfs {
public:
  explicit bfs(const adjacency& adj)
    : adj_(adj), dist_(adj.size()), queue_(adj.size()) {
    // nop
  }

  /// Returns how many agents `source` reaches and the farthest one's hops.
  std::pair<std::size_t, std::uint32_t> run(agent_id source) {
    std::fill(dist_.begin(), dist_.end(), unreached);
    dist_[source] = 0;
    queue_[0] = source;
    std::size_t head = 0;
    std::size_t tail = 1;
    while (head < tail) {
      auto u = queue_[head++];
      for (auto v : adj_[u])
        if (dist_[v] == unreached) {
          dist_[v] = dist_[u] + 1;
          queue_[tail++] = v;
        }
    }
    // BFS dequeues in order of distance, so the last one is the farthest.
    return {tail, dist_[queue_[tail - 1]]};
  }

private:
  static constexpr auto unreached = std::numeric_limits<std::uint32_t>::max();
  const adjacency& adj_;
  std::vector<std::uint32_t> dist_;
  std::vector<agent_id> queue_;
};

bool reaches_all(const adjacency& adj) {
  return bfs{adj}.run(0).first == adj.size();
}

} // namespace

graph directed_graph(std::size_t n, const edge_list& edges) {
  graph g;
  g.in.resize(n);
  g.out.resize(n);
  for (auto [u, v] : edges) {
    check_endpoints(n, u, v);
    if (u == v)
      continue;
    g.out[u].push_back(v);
    g.in[v].push_back(u);
  }
  sort_unique(g.in);
  sort_unique(g.out);
  return g;
}

graph undirected_graph(std::size_t n, const edge_list& edges) {
  edge_list both;
  both.reserve(2 * edges.size());
  for (auto [u, v] : edges) {
    both.emplace_back(u, v);
    both.emplace_back(v, u);
  }
  return directed_graph(n, both);
}

mixing metropolis_hastings(const graph& g) {
  if (!g.is_undirected())
    throw std::invalid_argument("metropolis_hastings: graph is directed");
  mixing w(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    auto deg_i = g.in[i].size();
    for (auto j : g.in[i]) {
      auto weight = 1.0 / (std::max(deg_i, g.in[j].size()) + 1);
      w[i].weights.push_back(weight);
      w[i].self -= weight;
    }
  }
  return w;
}

mixing uniform_weights(const graph& g) {
  mixing w(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    auto share = 1.0 / (g.in[i].size() + 1);
    w[i].self = share;
    w[i].weights.assign(g.in[i].size(), share);
  }
  return w;
}

Eigen::MatrixXd dense(const graph& g, const mixing& w) {
  auto n = static_cast<Eigen::Index>(g.size());
  Eigen::MatrixXd result = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    result(i, i) = w[i].self;
    const auto& in = g.in[i];
    for (std::size_t k = 0; k < in.size(); ++k)
      result(i, in[k]) = w[i].weights[k];
  }
  return result;
}

bool is_connected(const graph& g) {
  if (g.size() <= 1)
    return true;
  // Strong connectivity: 0 reaches everyone and everyone reaches 0.
  return reaches_all(g.out) && (g.is_undirected() || reaches_all(g.in));
}

std::size_t diameter(const graph& g) {
  bfs search{g.out};
  std::size_t result = 0;
  for (std::size_t s = 0; s < g.size(); ++s) {
    auto [reached, far] = search.run(static_cast<agent_id>(s));
    if (reached != g.size())
      throw std::invalid_argument("diameter: graph is not connected");
    result = std::max<std::size_t>(result, far);
  }
  return result;
}

std::size_t max_degree(const graph& g) {
  std::size_t result = 0;
  for (const auto& list : g.out)
    result = std::max(result, list.size());
  return result;
}

double mean_degree(const graph& g) {
  if (g.size() == 0)
    return 0;
  std::size_t total = 0;
  for (const auto& list : g.out)
    total += list.size();
  return static_cast<double>(total) / g.size();
}

} // namespace murmur
