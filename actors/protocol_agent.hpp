#pragma once

#include "actors/agent_core.hpp"
#include "actors/run_env.hpp"
#include "core/algorithms/protocol.hpp"

#include <caf/all.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace murmur {

/// One agent of an event-driven protocol (Plexus, FL): a thin driver of the
/// protocol's state machine (core/algorithms/protocol.hpp) over the run's
/// clock.
///
///   start --> node.start (e.g. round 1's sample trains)
///   protocol::message --(modelled link delay)--> node.receive
///   protocol::timer   --(own delayed message)--> node.expire
///   effects: sends (delayed by the cost model), timers, training
///     training(k): local_steps minibatches from the received model with a
///     fresh momentum (oneTBB task under the virtual clock) ... k done
///     --> node.trained (ignored if a newer model cancelled it)
///   churn(up/down) at the availability's interval edges --> node.join /
///     node.leave; offline, every message that arrives is lost
///   eval tick every run.eval_seconds --> report (bytes, compute, online)
///
/// The agent that aggregates a round hands the result to the observer
/// (lineage), which evaluates the newest model of the global lineage.
struct protocol_agent_state : agent_core {
  static inline const char* name = "protocol_agent";
  std::unique_ptr<protocol::node> node;
  std::shared_ptr<const std::vector<caf::actor>> directory;
  std::uint64_t bytes = 0;      ///< sent, at wire size
  std::uint64_t transfers = 0;  ///< handed to the network so far
  std::uint64_t training = 0;   ///< token of the training in flight (0: none)
  std::uint64_t trainings = 0;  ///< tokens handed out
  double train_end = 0;         ///< when the training in flight completes
  round_t reported = 0;         ///< evaluation ticks reported
  double loss_sum = 0;          ///< training losses since the last report,
  std::uint64_t loss_steps = 0; ///< taken when a training completes
  std::uint64_t steps = 0;      ///< local steps so far, at the last one
};

caf::behavior
protocol_agent(caf::stateful_actor<protocol_agent_state>* self,
               const run_env* env, agent_id id,
               std::shared_ptr<const std::vector<caf::actor>> directory,
               caf::actor observer);

} // namespace murmur
