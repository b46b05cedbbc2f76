#pragma once

#include "actors/run_env.hpp"
#include "core/run/experiment.hpp"
#include "core/run/held_models.hpp"
#include "core/run/metrics.hpp"

#include <caf/all.hpp>

#include <map>
#include <vector>

namespace murmur {

/// Reports of one evaluated round, indexed by agent id.
struct pending_eval {
  std::vector<agent_report> reports;
  std::size_t count = 0;
  /// Across hosts: the nodes' model holders (actors/model_holder.hpp) that
  /// keep this round's models, each with the agents whose models it keeps.
  std::map<caf::actor, std::vector<agent_id>> holders;
};

/// Collects the agents' reports without stopping them (the reports carry
/// shared references to the models, not copies), evaluates a round once every
/// agent still alive has reported it, hands the row to the sink, and calls
/// env.on_done when the run is over (last round, or the sink says stop).
/// Across hosts the models stay on the nodes: the observer asks each node's
/// holder for the parts of the evaluation that need them (summary, sum,
/// distances to the average: core/run/held_models.hpp), one round at a
/// time. A holder that does not answer within ten times hosts.wait, or
/// whose node is lost meanwhile, is dropped from that round (logged): the
/// round is then evaluated without its agents' models.
struct observer_state {
  static inline const char* name = "observer";
  const run_env* env = nullptr;
  std::map<round_t, pending_eval> rounds;
  std::map<agent_id, round_t> departed; ///< agent -> last round it completed
  std::vector<agent_report> latest;     ///< each agent's last report
  std::map<agent_id, round_t> reported; ///< agent -> last round it reported
  round_t evaluated = 0;                ///< last round handed to the sink
  bool handed_any = false;              ///< whether `evaluated` is one
  bool finished = false;
  /// Across hosts: the holders are being asked for the oldest round's
  /// parts, gathered here; answers to an earlier attempt (before a holder
  /// was dropped) are ignored.
  bool asking = false;
  round_t asked = 0; ///< the round being asked about, while asking
  std::uint64_t attempt = 0;
  std::size_t waiting = 0; ///< holders yet to answer this step
  round_parts parts;
};

caf::behavior observer(caf::stateful_actor<observer_state>* self,
                       const run_env* env);

} // namespace murmur
