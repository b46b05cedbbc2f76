#include "topologies/topology.hpp"

#include "core/base/error.hpp"
#include "core/base/memory.hpp"
#include "core/base/registry.hpp"

namespace murmur {

const schema<topology_spec>& topology_schema() {
  static const auto s = [] {
    using C = topology_spec;
    schema<C> s;
    s.add<std::string>(
      "topology.kind", [](C& c) -> std::string& { return c.kind; },
      "communication graph: " + registry<topology_factory>::joined_names());
    s.add<int>(
      "topology.degree", [](C& c) -> int& { return c.degree; },
      "random-regular: degree k", at_least(1));
    s.add<double>(
      "topology.probability", [](C& c) -> double& { return c.probability; },
      "erdos-renyi: edge probability, in (0, 1]", in_range(0, 1, true));
    s.add<double>(
      "topology.radius", [](C& c) -> double& { return c.radius; },
      "random-geometric: range in the unit square", positive());
    s.add<int>(
      "topology.rows", [](C& c) -> int& { return c.rows; },
      "torus: rows (0 = most square)", at_least(0));
    return s;
  }();
  return s;
}

topology make_topology(std::size_t n, std::uint64_t seed,
                       const topology_spec& spec) {
  if (n < 1)
    throw input_error("run.agents: must be >= 1");
  const auto& entry =
    registry<topology_factory>::get(spec.kind, "topology.kind");
  // Neighbour lists and mixing weights, both directions: a few hundred
  // bytes per agent for sparse graphs, n^2 entries for the complete one.
  auto agents = static_cast<double>(n);
  double edges = spec.kind == "complete" ? agents * agents : 16 * agents;
  require_memory(static_cast<std::uint64_t>(256 * agents + 24 * edges),
                 "run.agents = " + std::to_string(n) + " on topology '" +
                   spec.kind + "'");
  auto result = entry.make(n, seed, spec);
  result.name = spec.kind;
  return result;
}

} // namespace murmur
