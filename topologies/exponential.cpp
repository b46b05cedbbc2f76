#include "topologies/detail.hpp"

namespace murmur {

namespace {

using detail::edge_list;

/// Hops 1, 2, 4, ... up to n-1: floor(log2(n-1)) + 1 = ceil(log2 n) of them.
std::vector<std::size_t> power_hops(std::size_t n) {
  std::vector<std::size_t> hops;
  for (std::size_t hop = 1; n > 1 && hop <= n - 1; hop <<= 1)
    hops.push_back(hop);
  return hops;
}

topology make_exponential(std::size_t n, std::uint64_t, const topology_spec&) {
  edge_list edges;
  for (auto hop : power_hops(n))
    for (std::size_t i = 0; i < n; ++i)
      edges.emplace_back(i, (i + hop) % n);
  return detail::single_phase(undirected_graph(n, edges));
}

// Phase k: every agent sends to i + 2^k only, so each round costs one
// message per agent; with uniform weights the ceil(log2 n) phases multiply
// to exact averaging when n is a power of two.
topology make_one_peer_exponential(std::size_t n, std::uint64_t,
                                   const topology_spec&) {
  topology result;
  for (auto hop : power_hops(n)) {
    edge_list edges;
    for (std::size_t i = 0; i < n; ++i)
      edges.emplace_back(i, (i + hop) % n);
    result.phases.push_back(directed_graph(n, edges));
  }
  if (result.phases.empty())
    result.phases.push_back(directed_graph(n, {})); // n == 1
  return result;
}

const bool registered =
  registry<topology_factory>::add(
    "exponential", &make_exponential,
    "static exponential graph: i linked to i +- 2^k mod n, 2^k < n") &&
  registry<topology_factory>::add(
    "one-peer-exponential", &make_one_peer_exponential,
    "time-varying: in phase k of ceil(log2 n), i sends to i + 2^k mod n");

} // namespace

} // namespace murmur
