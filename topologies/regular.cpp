#include "topologies/detail.hpp"

#include <cmath>
#include <string>

namespace murmur {

namespace {

using detail::edge_list;
using detail::single_phase;

topology make_ring(std::size_t n, std::uint64_t, const topology_spec&) {
  edge_list edges;
  for (std::size_t i = 0; n > 1 && i < n; ++i)
    edges.emplace_back(i, (i + 1) % n);
  return single_phase(undirected_graph(n, edges));
}

topology make_chain(std::size_t n, std::uint64_t, const topology_spec&) {
  return single_phase(chain_tree(n));
}

topology make_star(std::size_t n, std::uint64_t, const topology_spec&) {
  edge_list edges;
  for (std::size_t i = 1; i < n; ++i)
    edges.emplace_back(0, i);
  return single_phase(undirected_graph(n, edges));
}

topology make_complete(std::size_t n, std::uint64_t, const topology_spec&) {
  edge_list edges;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      edges.emplace_back(i, j);
  return single_phase(undirected_graph(n, edges));
}

/// spec.rows if it divides n, else the largest divisor <= sqrt(n).
std::size_t torus_rows(std::size_t n, const topology_spec& spec) {
  if (spec.rows < 0 || (spec.rows > 0 && n % spec.rows != 0))
    throw input_error("topology.rows: " + std::to_string(spec.rows) +
                      " does not divide " + std::to_string(n) +
                      " agents; use a divisor of run.agents, or 0 for the "
                      "most square grid");
  if (spec.rows > 0)
    return static_cast<std::size_t>(spec.rows);
  auto rows = static_cast<std::size_t>(std::sqrt(static_cast<double>(n)));
  while (rows * rows > n)
    --rows; // guard against sqrt rounding up
  while (n % rows != 0)
    --rows;
  if (rows == 1 && n > 3)
    throw input_error("topology.kind: a torus of " + std::to_string(n) +
                      " agents has no grid but 1 x " + std::to_string(n) +
                      " (" + std::to_string(n) +
                      " is prime), which is a ring; use topology.kind = "
                      "\"ring\", or a number of agents with a divisor");
  return rows;
}

// Small sides fold onto themselves (1 row is a ring, 2 rows give degree 3);
// undirected_graph drops the resulting self loops and duplicates.
topology make_torus(std::size_t n, std::uint64_t, const topology_spec& spec) {
  auto rows = torus_rows(n, spec);
  auto cols = n / rows;
  auto id = [&](std::size_t r, std::size_t c) {
    return static_cast<agent_id>((r % rows) * cols + c % cols);
  };
  edge_list edges;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      edges.emplace_back(id(r, c), id(r + 1, c));
      edges.emplace_back(id(r, c), id(r, c + 1));
    }
  return single_phase(undirected_graph(n, edges));
}

topology make_hypercube(std::size_t n, std::uint64_t, const topology_spec&) {
  if ((n & (n - 1)) != 0)
    throw input_error("run.agents: topology.kind 'hypercube' needs a power of "
                      "two, got " +
                      std::to_string(n) +
                      "; change run.agents or topology.kind");
  edge_list edges;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t bit = 1; bit < n; bit <<= 1)
      edges.emplace_back(i, i ^ bit);
  return single_phase(undirected_graph(n, edges));
}

const bool registered =
  registry<topology_factory>::add("ring", &make_ring,
                                  "cycle 0-1-...-(n-1)-0") &&
  registry<topology_factory>::add("chain", &make_chain, "path 0-1-...-(n-1)") &&
  registry<topology_factory>::add("star", &make_star,
                                  "agent 0 linked to every other agent") &&
  registry<topology_factory>::add("complete", &make_complete,
                                  "every pair of agents linked") &&
  registry<topology_factory>::add(
    "torus", &make_torus,
    "2-D wrap-around grid, topology.rows x (n / rows); rows = 0 picks the "
    "most square grid") &&
  registry<topology_factory>::add(
    "hypercube", &make_hypercube,
    "log2(n)-dimensional hypercube; n must be a power of two");

} // namespace

} // namespace murmur
