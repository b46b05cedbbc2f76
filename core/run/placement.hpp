#pragma once

#include "core/run/experiment.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace murmur {

/// Where the agents of a run across hosts live, and how many edges of the
/// algorithm's graph join agents on different hosts (each such edge carries
/// messages between processes every round).
struct placement {
  std::vector<std::size_t> host_of;          ///< host index of each agent
  std::vector<std::vector<agent_id>> hosted; ///< agents of each host, sorted
  std::size_t cut_edges = 0;
  std::size_t edges = 0; ///< undirected edges of the graph, all phases
  /// For each host k, the hosts j > k holding a graph neighbour of one of
  /// its agents: the pairs of nodes that exchange messages, each listed once.
  std::vector<std::vector<std::size_t>> linked;

  /// "3 of 12 graph edges join different hosts".
  std::string describe() const;
};

/// Places the agents of `exp` on the exp.cfg.hosts.list hosts by
/// hosts.placement (blocks, round-robin, explicit, or graph: the
/// partition of the algorithm's communication graph with the fewest cut
/// edges, topologies/partition.hpp).
placement place_agents(const experiment& exp);

} // namespace murmur
