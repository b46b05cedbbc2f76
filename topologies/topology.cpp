#include "topologies/topology.hpp"

#include "core/base/error.hpp"
#include "core/base/registry.hpp"

namespace murmur {

topology make_topology(std::size_t n, std::uint64_t seed,
                       const topology_spec& spec) {
  if (n < 1)
    throw input_error("run.agents: must be >= 1");
  const auto& entry =
    registry<topology_factory>::get(spec.kind, "topology.kind");
  auto result = entry.make(n, seed, spec);
  result.name = spec.kind;
  return result;
}

} // namespace murmur
