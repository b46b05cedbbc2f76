#include "topologies/detail.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <unordered_set>

namespace murmur {

namespace {

using detail::edge_list;
using detail::to_text;
using detail::unit_uniform;

/// Draws per family before giving up on a connected graph.
constexpr std::uint64_t max_draws = 100;

/// Calls draw(rng&) -> optional<topology> with the generators of draws
/// 0, 1, ... and returns the first connected result, if any.
template<class Draw>
std::optional<topology> first_connected(std::uint64_t seed, Draw draw) {
  for (std::uint64_t attempt = 0; attempt < max_draws; ++attempt) {
    auto gen = detail::topology_rng(seed, attempt);
    auto result = draw(gen);
    if (result && is_connected(result->phases.front()))
      return result;
  }
  return std::nullopt;
}

std::string agents_text(std::size_t n) {
  return std::to_string(n) + " agents";
}

// -- erdos-renyi --------------------------------------------------------------

/// G(n, p) in O(n + m) by jumping geometrically over absent edges
/// (Batagelj & Brandes 2005) rather than testing all n^2/2 pairs.
edge_list gnp_edges(std::size_t n, double p, rng& gen) {
  edge_list edges;
  auto log_q = std::log1p(-p);
  auto pairs = static_cast<double>(n) * n;
  std::size_t v = 1;
  double w = -1;
  while (v < n) {
    auto skip = p >= 1 ? 0 : std::floor(std::log1p(-unit_uniform(gen)) / log_q);
    if (skip > pairs)
      break;
    w += 1 + skip;
    while (w >= v && v < n) {
      w -= v;
      ++v;
    }
    if (v < n)
      edges.emplace_back(v, static_cast<agent_id>(w));
  }
  return edges;
}

topology make_erdos_renyi(std::size_t n, std::uint64_t seed,
                          const topology_spec& spec) {
  auto p = spec.probability;
  if (!(p > 0 && p <= 1))
    throw input_error("topology.probability: must be in (0, 1], got " +
                      to_text(p));
  auto result = first_connected(seed, [&](rng& gen) {
    return std::optional{
      detail::single_phase(undirected_graph(n, gnp_edges(n, p, gen)))};
  });
  if (!result)
    throw input_error("topology.probability: " + to_text(p) +
                      " too small for " + agents_text(n) +
                      " to be connected; raise it (ln(n)/n = " +
                      to_text(std::log(n) / n, 2) + " is the threshold)");
  return *result;
}

// -- random-geometric ---------------------------------------------------------

using point = std::array<double, 2>;

/// Pairs within `radius`, sweeping points in x order so only the strip
/// x_b - x_a <= radius is compared.
edge_list within_radius(const std::vector<point>& pts, double radius) {
  std::vector<agent_id> order(pts.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](agent_id a, agent_id b) { return pts[a][0] < pts[b][0]; });
  edge_list edges;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& a = pts[order[i]];
    for (auto j = i + 1; j < order.size(); ++j) {
      const auto& b = pts[order[j]];
      auto dx = b[0] - a[0];
      if (dx > radius)
        break;
      auto dy = b[1] - a[1];
      if (dx * dx + dy * dy <= radius * radius)
        edges.emplace_back(order[i], order[j]);
    }
  }
  return edges;
}

topology draw_geometric(std::size_t n, double radius, rng& gen) {
  topology result;
  result.positions.resize(n);
  for (auto& pt : result.positions) {
    pt[0] = unit_uniform(gen);
    pt[1] = unit_uniform(gen);
  }
  auto edges = within_radius(result.positions, radius);
  result.phases.push_back(undirected_graph(n, edges));
  return result;
}

topology make_random_geometric(std::size_t n, std::uint64_t seed,
                               const topology_spec& spec) {
  auto r = spec.radius;
  if (!(r > 0 && std::isfinite(r)))
    throw input_error("topology.radius: must be > 0, got " + to_text(r));
  auto result = first_connected(
    seed, [&](rng& gen) { return std::optional{draw_geometric(n, r, gen)}; });
  if (!result)
    throw input_error(
      "topology.radius: " + to_text(r) + " too small for " + agents_text(n) +
      " to be connected; raise it " + "(sqrt(ln(n)/(pi n)) = " +
      to_text(std::sqrt(std::log(n) / (std::acos(-1.0) * n)), 2) +
      " is the threshold)");
  return *result;
}

// -- random-regular -----------------------------------------------------------

/// Pairs one random pair of free stubs that forms a new, non-loop edge;
/// false when many tries found none (the pairing is stuck).
bool pair_one(std::vector<agent_id>& stubs,
              std::unordered_set<std::uint64_t>& seen, std::size_t n,
              edge_list& edges, rng& gen) {
  for (int tries = 0; tries < 1000; ++tries) {
    auto a = detail::uniform_index(gen, stubs.size());
    auto b = detail::uniform_index(gen, stubs.size());
    auto u = std::min(stubs[a], stubs[b]);
    auto v = std::max(stubs[a], stubs[b]);
    if (u == v || !seen.insert(std::uint64_t{u} * n + v).second)
      continue;
    edges.emplace_back(u, v);
    for (auto k : {std::max(a, b), std::min(a, b)}) {
      stubs[k] = stubs.back();
      stubs.pop_back();
    }
    return true;
  }
  return false;
}

/// A simple k-regular graph by the pairing model, pairing stubs one valid
/// pair at a time (Steger & Wormald 1999) so that, unlike rejecting whole
/// pairings, it stays fast for k beyond 3 or 4.
std::optional<edge_list> regular_edges(std::size_t n, std::size_t k, rng& gen) {
  for (int restart = 0; restart < 100; ++restart) {
    std::vector<agent_id> stubs;
    for (std::size_t i = 0; i < n; ++i)
      stubs.insert(stubs.end(), k, static_cast<agent_id>(i));
    std::unordered_set<std::uint64_t> seen;
    edge_list edges;
    while (!stubs.empty() && pair_one(stubs, seen, n, edges, gen))
      continue;
    if (stubs.empty())
      return edges;
  }
  return std::nullopt;
}

edge_list complement(std::size_t n, const edge_list& edges) {
  auto g = undirected_graph(n, edges);
  edge_list result;
  for (std::size_t i = 0; i < n; ++i)
    for (auto j = i + 1; j < n; ++j)
      if (!std::binary_search(g.out[i].begin(), g.out[i].end(), j))
        result.emplace_back(i, j);
  return result;
}

/// Dense degrees are drawn as the complement of an (n-1-k)-regular graph,
/// where stub pairing rarely gets stuck.
std::optional<topology> draw_regular(std::size_t n, std::size_t k, rng& gen) {
  auto dense_side = 2 * k > n - 1;
  auto edges = regular_edges(n, dense_side ? n - 1 - k : k, gen);
  if (!edges)
    return std::nullopt;
  if (dense_side)
    *edges = complement(n, *edges);
  return detail::single_phase(undirected_graph(n, *edges));
}

void check_degree(std::size_t n, int k) {
  auto prefix = "topology.degree: " + std::to_string(k);
  if (k < 1 || static_cast<std::size_t>(k) >= n)
    throw input_error(prefix + " must be in [1, run.agents - 1] = [1, " +
                      std::to_string(n - 1) + "]; lower it");
  if (n * k % 2 != 0)
    throw input_error(prefix + "-regular graph on " + agents_text(n) +
                      " is impossible (n * degree is odd); use an even "
                      "degree");
  if (k == 1 && n > 2)
    throw input_error(prefix + " cannot connect " + agents_text(n) +
                      "; use >= 2");
}

topology make_random_regular(std::size_t n, std::uint64_t seed,
                             const topology_spec& spec) {
  if (n == 1)
    return detail::single_phase(undirected_graph(1, {}));
  check_degree(n, spec.degree);
  auto k = static_cast<std::size_t>(spec.degree);
  auto result =
    first_connected(seed, [&](rng& gen) { return draw_regular(n, k, gen); });
  if (!result)
    throw input_error("topology.degree: found no connected " +
                      std::to_string(k) + "-regular graph on " +
                      agents_text(n) + " in " + std::to_string(max_draws) +
                      " draws; raise it");
  return *result;
}

const bool registered =
  registry<topology_factory>::add(
    "erdos-renyi", &make_erdos_renyi,
    "G(n, topology.probability), redrawn until connected") &&
  registry<topology_factory>::add(
    "random-geometric", &make_random_geometric,
    "uniform points in the unit square linked within topology.radius, "
    "redrawn until connected") &&
  registry<topology_factory>::add(
    "random-regular", &make_random_regular,
    "random topology.degree-regular graph, redrawn until connected");

} // namespace

} // namespace murmur
