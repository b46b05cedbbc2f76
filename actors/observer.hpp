#pragma once

#include "core/experiment.hpp"
#include "core/metrics.hpp"

#include <caf/all.hpp>

#include <chrono>
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
/// agent has reported it, hands the row to the sink, and tells the launcher
/// when the run is over (last round, or the sink says stop).
struct observer_state {
  static inline const char* name = "observer";
  experiment* exp = nullptr;
  metrics_sink* sink = nullptr;
  caf::actor launcher;
  std::chrono::steady_clock::time_point started;
  std::map<round_t, pending_eval> rounds;
  bool finished = false;
};

caf::behavior observer(caf::stateful_actor<observer_state>* self,
                       experiment* exp, metrics_sink* sink,
                       caf::actor launcher);

} // namespace murmur
