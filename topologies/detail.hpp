#pragma once

#include "core/base/error.hpp"
#include "core/base/registry.hpp"
#include "core/base/rng.hpp"
#include "topologies/topology.hpp"

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

/// Helpers shared by the topology families; not part of the public API.
namespace murmur::detail {

using edge_list = std::vector<std::pair<agent_id, agent_id>>;

/// A topology with one phase (a static graph).
inline topology single_phase(graph g) {
  topology result;
  result.phases.push_back(std::move(g));
  return result;
}

/// The generator for draw number `attempt` of a randomised family, so a
/// redraw is a fresh, reproducible stream rather than a continuation.
inline rng topology_rng(std::uint64_t seed, std::uint64_t attempt) {
  return rng{derive_seed(seed, stream::topology, attempt)};
}

// std:: distributions differ between standard libraries; these two do not,
// so a seed gives the same graph with libstdc++ and libc++.

/// Uniform double in [0, 1) from the top 53 bits.
inline double unit_uniform(rng& gen) {
  return static_cast<double>(gen() >> 11) * 0x1.0p-53;
}

/// Uniform integer in [0, bound) by rejection (bound > 0).
inline std::uint64_t uniform_index(rng& gen, std::uint64_t bound) {
  auto limit = rng::max() - rng::max() % bound;
  std::uint64_t x;
  do
    x = gen();
  while (x >= limit);
  return x % bound;
}

/// A number for an error message: config values as the user would write
/// them, hints with fewer digits.
inline std::string to_text(double x, int digits = 6) {
  std::ostringstream out;
  out.precision(digits);
  out << x;
  return out.str();
}

} // namespace murmur::detail
