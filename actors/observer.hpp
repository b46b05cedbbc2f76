#pragma once

#include "actors/run_env.hpp"
#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"

#include <caf/all.hpp>

#include <map>
#include <vector>

namespace murmur {

/// Reports of one evaluated round, indexed by agent id.
struct pending_eval {
  std::vector<agent_report> reports;
  std::size_t count = 0;
};

/// Collects the agents' reports without stopping them (the reports carry
/// shared references to the models, not copies), evaluates a round once every
/// agent still alive has reported it, hands the row to the sink, and calls
/// env.on_done when the run is over (last round, or the sink says stop).
struct observer_state {
  static inline const char* name = "observer";
  const run_env* env = nullptr;
  std::map<round_t, pending_eval> rounds;
  std::map<agent_id, round_t> departed; ///< agent -> last round it completed
  std::vector<agent_report> latest;     ///< each agent's last report
  std::map<agent_id, round_t> reported; ///< agent -> last round it reported
  round_t evaluated = 0;                ///< last round handed to the sink
  bool finished = false;
};

caf::behavior observer(caf::stateful_actor<observer_state>* self,
                       const run_env* env);

} // namespace murmur
