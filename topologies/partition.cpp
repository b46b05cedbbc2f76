#include "topologies/partition.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <set>

namespace murmur {

namespace {

constexpr auto unassigned = std::numeric_limits<std::size_t>::max();

/// Passes of boundary swaps, candidates per side tried for each swap, and
/// swaps per pass: enough to settle the graphs murmur builds (ring, torus,
/// random, up to 10^4 vertices) in well under a second.
constexpr int refine_passes = 20;
constexpr std::size_t swap_candidates = 32;
constexpr std::size_t max_swaps_per_pass = 64;

using adjacency = std::vector<std::vector<agent_id>>;

/// Every edge of every phase, either direction, once per vertex pair.
adjacency undirected_union(const std::vector<graph>& phases) {
  adjacency adj(phases.front().size());
  for (auto& g : phases)
    for (std::size_t i = 0; i < g.size(); ++i)
      for (auto j : g.out[i]) {
        adj[i].push_back(j);
        adj[j].push_back(static_cast<agent_id>(i));
      }
  for (auto& list : adj) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return adj;
}

/// Where the next part starts: with nothing assigned yet, the vertex
/// farthest (in hops) from vertex 0, a periphery (an end of a chain);
/// afterwards the free vertex nearest the assigned ones, so parts are laid
/// side by side (consecutive arcs of a ring, strips of a grid) rather than
/// scattered, which would leave free vertices split between gaps. The lowest
/// id among ties; the lowest free id in a component nothing reaches.
std::size_t next_seed(const adjacency& adj,
                      const std::vector<std::size_t>& part) {
  std::vector<std::size_t> dist(adj.size(), unassigned);
  std::deque<std::size_t> queue;
  for (std::size_t v = 0; v < adj.size(); ++v)
    if (part[v] != unassigned) {
      dist[v] = 0;
      queue.push_back(v);
    }
  bool first = queue.empty();
  if (first) {
    dist[0] = 0;
    queue.push_back(0);
  }
  while (!queue.empty()) {
    auto v = queue.front();
    queue.pop_front();
    for (auto w : adj[v])
      if (dist[w] == unassigned) {
        dist[w] = dist[v] + 1;
        queue.push_back(w);
      }
  }
  std::size_t best = unassigned;
  for (std::size_t v = 0; v < adj.size(); ++v) {
    if (part[v] != unassigned)
      continue;
    if (dist[v] == unassigned)
      return v; // another component: start it there
    if (best == unassigned ||
        (first ? dist[v] > dist[best] : dist[v] < dist[best]))
      best = v;
  }
  return best;
}

/// Grows each part from next_seed(), always taking the free vertex with the
/// most neighbours already inside it.
std::vector<std::size_t> grow_parts(const adjacency& adj,
                                    const std::vector<std::size_t>& sizes) {
  std::vector<std::size_t> part(adj.size(), unassigned);
  for (std::size_t p = 0; p < sizes.size(); ++p) {
    std::vector<std::size_t> inside(adj.size(), 0);
    std::set<std::pair<std::size_t, std::size_t>> frontier; // (-links, v)
    auto take = [&](std::size_t v) {
      part[v] = p;
      for (auto w : adj[v]) {
        if (part[w] != unassigned)
          continue;
        frontier.erase({unassigned - inside[w], w});
        frontier.insert({unassigned - ++inside[w], w});
      }
    };
    for (std::size_t got = 0; got < sizes[p]; ++got) {
      if (frontier.empty()) {
        take(next_seed(adj, part));
        continue;
      }
      auto v = frontier.begin()->second;
      frontier.erase(frontier.begin());
      take(v);
    }
  }
  return part;
}

bool adjacent(const adjacency& adj, std::size_t u, std::size_t v) {
  return std::binary_search(adj[u].begin(), adj[u].end(),
                            static_cast<agent_id>(v));
}

/// Kernighan-Lin swaps between two parts. `links[v][q]` counts v's
/// neighbours in part q and is kept current. Returns whether any swap
/// helped.
class swapper {
public:
  swapper(const adjacency& adj, std::vector<std::size_t>& part,
          std::size_t parts)
    : adj_(adj), part_(part), links_(adj.size(), std::vector<long>(parts, 0)) {
    for (std::size_t v = 0; v < adj.size(); ++v)
      for (auto w : adj[v])
        ++links_[v][part[w]];
  }

  /// One Kernighan-Lin pass between parts a and b: swaps the best pair of
  /// unlocked boundary vertices again and again, even when a swap cuts more
  /// (that is how it climbs out of a local minimum), then keeps the swaps up
  /// to the point where the total saving peaked and undoes the rest.
  /// Returns whether the pass cut fewer edges.
  bool pass(std::size_t a, std::size_t b) {
    std::vector<bool> locked(adj_.size(), false);
    auto in_a = members(a);
    auto in_b = members(b);
    std::vector<std::pair<std::size_t, std::size_t>> swaps;
    long total = 0;
    long best_total = 0;
    std::size_t keep = 0;
    while (swaps.size() < max_swaps_per_pass) {
      auto from_a = candidates(in_a, b, locked);
      auto from_b = candidates(in_b, a, locked);
      if (from_a.empty() || from_b.empty())
        break;
      long best = std::numeric_limits<long>::min();
      std::pair<std::size_t, std::size_t> pick;
      for (auto u : from_a)
        for (auto v : from_b) {
          long gain = gain_of(u, b) + gain_of(v, a) -
                      2 * static_cast<long>(adjacent(adj_, u, v));
          if (gain > best) {
            best = gain;
            pick = {u, v};
          }
        }
      move(pick.first, b);
      move(pick.second, a);
      std::replace(in_a.begin(), in_a.end(), pick.first, pick.second);
      std::replace(in_b.begin(), in_b.end(), pick.second, pick.first);
      locked[pick.first] = locked[pick.second] = true;
      swaps.push_back(pick);
      total += best;
      if (total > best_total) {
        best_total = total;
        keep = swaps.size();
      }
    }
    for (auto i = swaps.size(); i-- > keep;) {
      move(swaps[i].first, a);
      move(swaps[i].second, b);
    }
    return best_total > 0;
  }

private:
  /// Cut edges saved by moving v (alone) to part `to`.
  long gain_of(std::size_t v, std::size_t to) const {
    return links_[v][to] - links_[v][part_[v]];
  }

  std::vector<std::size_t> members(std::size_t p) const {
    std::vector<std::size_t> out;
    for (std::size_t v = 0; v < adj_.size(); ++v)
      if (part_[v] == p)
        out.push_back(v);
    return out;
  }

  /// The unlocked vertices among `from` with the best gains towards `to`.
  std::vector<std::size_t> candidates(const std::vector<std::size_t>& from,
                                      std::size_t to,
                                      const std::vector<bool>& locked) const {
    std::vector<std::size_t> out;
    for (auto v : from)
      if (!locked[v] && links_[v][to] > 0)
        out.push_back(v);
    auto keep = std::min(out.size(), swap_candidates);
    std::partial_sort(out.begin(), out.begin() + static_cast<long>(keep),
                      out.end(), [&](std::size_t x, std::size_t y) {
                        auto gx = gain_of(x, to);
                        auto gy = gain_of(y, to);
                        return gx != gy ? gx > gy : x < y;
                      });
    out.resize(keep);
    return out;
  }

  void move(std::size_t v, std::size_t to) {
    for (auto w : adj_[v]) {
      --links_[w][part_[v]];
      ++links_[w][to];
    }
    part_[v] = to;
  }

  const adjacency& adj_;
  std::vector<std::size_t>& part_;
  std::vector<std::vector<long>> links_;
};

std::vector<std::size_t> grown_and_refined(const adjacency& adj,
                                           std::size_t parts) {
  auto part = grow_parts(adj, balanced_sizes(adj.size(), parts));
  swapper swaps{adj, part, parts};
  for (int round = 0; round < refine_passes; ++round) {
    bool improved = false;
    for (std::size_t a = 0; a < parts; ++a)
      for (std::size_t b = a + 1; b < parts; ++b)
        improved = swaps.pass(a, b) || improved;
    if (!improved)
      break;
  }
  return part;
}

} // namespace

std::vector<std::size_t> balanced_sizes(std::size_t n, std::size_t parts) {
  std::vector<std::size_t> sizes(parts, n / parts);
  for (std::size_t p = 0; p < n % parts; ++p)
    ++sizes[p];
  return sizes;
}

std::vector<std::size_t> block_partition(std::size_t n, std::size_t parts) {
  std::vector<std::size_t> part;
  auto sizes = balanced_sizes(n, parts);
  for (std::size_t p = 0; p < parts; ++p)
    part.insert(part.end(), sizes[p], p);
  return part;
}

std::size_t cut_edges(const std::vector<graph>& phases,
                      const std::vector<std::size_t>& part) {
  auto adj = undirected_union(phases);
  std::size_t cut = 0;
  for (std::size_t v = 0; v < adj.size(); ++v)
    for (auto w : adj[v])
      cut += w > v && part[w] != part[v];
  return cut;
}

std::vector<std::size_t> partition_graph(const std::vector<graph>& phases,
                                         std::size_t parts) {
  auto n = phases.front().size();
  auto blocks = block_partition(n, parts);
  if (parts <= 1 || parts >= n)
    return blocks;
  auto grown = grown_and_refined(undirected_union(phases), parts);
  return cut_edges(phases, grown) < cut_edges(phases, blocks) ? grown : blocks;
}

} // namespace murmur
