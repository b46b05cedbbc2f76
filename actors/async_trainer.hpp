#pragma once

#include "actors/run_env.hpp"
#include "actors/trainer.hpp"
#include "core/base/rng.hpp"
#include "core/run/experiment.hpp"
#include "core/time/pace.hpp"

#include <caf/all.hpp>

#include <optional>

namespace murmur {

/// The compute half of an agent of an asynchronous algorithm (DRACO, the
/// round-based gossip baselines): it runs the agent's computation clock and
/// never waits for anyone.
///
///   start --> cycle(k): drain the mailer's buffer --> combine (mixing)
///      ^          --> before_send (local step; oneTBB task under the
///      |              virtual clock) ... Exp(compute_rate) x speed x pace
///      |              (with a period: local_steps x step_seconds)
///      |          --> computed(k): publish the snapshot to the mailer
///      |              (send_clock::after_compute: and have it sent now)
///      +------------- cycle(k+1) (unless paused) <-------+
///                     (with a period: one period after cycle(k) began)
///
///   compute_start::on_receipt: a cycle whose drain finds nothing ends at
///   once, and the mailer wakes the trainer (fetch) when a model arrives.
///
///   eval tick every run.eval_seconds (own delayed message, independent of
///   the cycle): report the last published snapshot and the mailer's
///   counters to the observer as "round" j, the tick index.
///
///   churn(false): the cycle in flight is abandoned (its unused compute
///   refunded), the mailer goes quiet, reports carry no model. churn(true):
///   the agent first fetches the current model, adopting the first one its
///   mailer receives (polling every 1/comm_rate s), then cycles again.
///
/// Only the actor thread touches the agent's bookkeeping while a task runs:
/// reports use the published snapshot and the counts taken at the last
/// completion, never the model being stepped.
struct async_trainer_state : agent_core {
  static inline const char* name = "async_trainer";
  round_t cycle = 0;    ///< compute cycles completed
  round_t reported = 0; ///< evaluation ticks reported
  blob snapshot;        ///< the last published model
  std::uint64_t steps = 0;
  double loss_sum = 0; ///< since the last report
  std::uint64_t loss_steps = 0;
  bool running = false; ///< a cycle is in flight
  /// A fixed-period round start is scheduled: commands must not start it
  /// early.
  bool round_pending = false;
  double cycle_compute = 0;
  double cycle_start = 0;  ///< when the cycle in flight began (seconds)
  double charged_last = 0; ///< compute charged for the cycle in flight
  bool offline = false;    ///< churn: neither computing nor communicating
  bool rejoining = false;  ///< back online: adopt an arriving model first
  rng clock_gen;
  const async_schedule* schedule = nullptr; ///< the run's
};

caf::behavior async_trainer(caf::stateful_actor<async_trainer_state>* self,
                            const run_env* env, agent_id id, caf::actor mailer,
                            caf::actor observer);

} // namespace murmur
