#pragma once

#include "topologies/topology.hpp"

#include <ostream>

namespace murmur {

/// `murmur topology`: degree, diameter, connectivity and spectral gap (of
/// the Metropolis-Hastings or, for directed phases, uniform weights).
void describe_topology(std::size_t agents, std::uint64_t seed,
                       const topology_spec& spec, std::ostream& out);

} // namespace murmur
