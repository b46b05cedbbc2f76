#pragma once

#include "actors/run_env.hpp"
#include "core/run/metrics.hpp"

#include <caf/all.hpp>

#include <map>
#include <vector>

namespace murmur {

/// The observer of an event-driven protocol (Plexus, FL). There is one
/// global model lineage, so it evaluates the newest aggregated model (handed
/// over by whichever agent aggregated it) rather than an average of the
/// agents' models; the agents' tick reports add bytes, compute and who is
/// online. A row is written once every agent has reported the tick.
struct lineage_observer_state {
  static inline const char* name = "lineage_observer";
  const run_env* env = nullptr;
  round_t newest = 0; ///< rounds aggregated so far
  blob model;         ///< the newest aggregated model
  std::map<round_t, std::vector<agent_report>> ticks;
  std::map<round_t, std::size_t> counts;
  std::vector<std::uint64_t> steps; ///< each agent's steps at its last row
  std::vector<bool> lost;           ///< agents lost with their host
  std::size_t present = 0;          ///< agents that still report
  std::vector<agent_report> latest; ///< each agent's last report
  bool finished = false;
};

caf::behavior
lineage_observer(caf::stateful_actor<lineage_observer_state>* self,
                 const run_env* env);

} // namespace murmur
