#pragma once

// STOPGAP until algorithm_setup carries the communication topology.
//
// Some defaults depend on the whole communication graph (DeTAG's R and eta
// from the spectral gap, RelaySGD's learning-rate correction from the tree),
// but a factory's `make` sees only the options, and an agent only its own
// neighbourhood. The factory's `communication` does see the graph, so it
// derives the values there and hands them off here; each agent takes them
// over in its first round, after checking that its own neighbour lists are
// the ones in the handed-off graph. Building experiment A, then B with the
// same algorithm on a different graph, then running A, fails loudly in that
// check instead of using B's values.

#include "core/algorithm.hpp"

#include <string>
#include <vector>

namespace murmur {

/// Records `values` derived from `comm` for the agents of `algorithm`.
void hand_off(const std::string& algorithm, const topology& comm,
              std::vector<double> values);

/// The values handed off for the graph `hood` (round 0 of agent `self`)
/// belongs to. Throws std::logic_error when the latest hand-off of
/// `algorithm` was for a different graph.
std::vector<double> take_over(const std::string& algorithm, agent_id self,
                              const neighbourhood& hood);

} // namespace murmur
