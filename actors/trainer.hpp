#pragma once

#include "actors/run_env.hpp"
#include "core/experiment.hpp"
#include "core/pace.hpp"

#include <caf/all.hpp>
#include <tbb/task_group.h>

#include <memory>
#include <optional>

namespace murmur {

/// Compute work handed to oneTBB under the virtual clock, where all actors
/// share one thread: many agents' steps then overlap in wall time while the
/// event order stays fixed. Waits for stragglers when the trainer goes away.
struct compute_tasks {
  std::unique_ptr<tbb::task_group> group = std::make_unique<tbb::task_group>();
  ~compute_tasks() { group->wait(); }
};

/// The compute half of an agent. It owns the model, optimizer, data stream,
/// algorithm instance and pace (straggling); every round it runs the
/// algorithm's compute, charges its modelled duration on the run's clock,
/// hands the payloads to its mailer and combines the inbox the mailer returns.
///
///   begin_round --(compute: before_send | while_waiting)--> computed(k)
///        ^                                                      |
///        |            inbox(k) ---------------------------> combine
///        +-------------- next round (unless paused) <-----------+
///
/// Under the virtual clock the compute runs as a oneTBB task from the start
/// of the phase until its modelled completion event; under the real clock it
/// runs inline and the modelled duration (if longer) is slept for real.
struct trainer_state {
  static inline const char* name = "trainer";
  const run_env* env = nullptr;
  std::optional<agent_slot> slot;
  std::optional<agent_pace> pace;
  caf::actor mailer;
  caf::actor observer;
  round_t round = 0;     ///< rounds completed
  round_t published = 0; ///< rounds whose messages went out
  std::uint64_t bytes_sent = 0;
  bool computed = false;        ///< this round's compute is done
  std::optional<inbox> arrived; ///< this round's inbox, once here
  bool stalled = false;         ///< paused at a round boundary
  double round_start = 0;
  double round_compute = 0; ///< modelled seconds of this round's compute
  double measured = 0;      ///< real clock: wall seconds of the compute
  double busy = 0;
  double idle = 0;
  compute_tasks tasks; ///< last: destroyed (and waited for) first
};

caf::behavior trainer(caf::stateful_actor<trainer_state>* self,
                      const run_env* env, agent_id id, caf::actor mailer,
                      caf::actor observer);

} // namespace murmur
