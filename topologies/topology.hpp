#pragma once

#include "core/base/schema.hpp"
#include "topologies/graph.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

struct topology_spec {
  std::string kind = "ring"; ///< a name in the topology registry
  int degree = 4;            ///< random-regular: k
  double probability = 0.1;  ///< erdos-renyi: edge probability
  double radius = 0.3;       ///< random-geometric: range in the unit square
  int rows = 0;              ///< torus: rows (0 = as square as possible)
};

/// The topology.* keys.
const schema<topology_spec>& topology_schema();

/// A sequence of graphs used round-robin (round r uses phases[r % size]);
/// static topologies have one phase. Pure function of (n, seed, spec).
struct topology {
  std::string name;
  std::vector<graph> phases;
  std::vector<std::array<double, 2>> positions; ///< random-geometric only

  const graph& at(round_t r) const { return phases[r % phases.size()]; }
  std::size_t size() const { return phases.front().size(); }
  bool time_varying() const { return phases.size() > 1; }
};

using topology_factory = topology (*)(std::size_t n, std::uint64_t seed,
                                      const topology_spec& spec);

/// Looks `spec.kind` up in the registry; throws input_error for an unknown
/// name or invalid parameters (naming the field, e.g. "topology.probability").
topology make_topology(std::size_t n, std::uint64_t seed,
                       const topology_spec& spec);

/// Trees for RelaySum, all as undirected graphs on 0..n-1.
graph bfs_spanning_tree(const graph& g, agent_id root = 0);
graph chain_tree(std::size_t n);
/// RelaySGD numbering: neighbours(0) = {1}; for w >= 1,
/// neighbours(w) = {w/2} U ({2w, 2w+1} within [0, n)).
graph binary_tree(std::size_t n);
/// The same tree with every label k mapped to n-1-k (second of double trees).
graph mirrored_binary_tree(std::size_t n);

} // namespace murmur
