#pragma once

#include "actors/agent_core.hpp"
#include "core/run/experiment.hpp"
#include "core/time/pace.hpp"

#include <caf/all.hpp>

#include <memory>
#include <optional>

namespace murmur {

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
struct trainer_state : agent_core {
  static inline const char* name = "trainer";
  round_t round = 0;     ///< rounds completed
  round_t published = 0; ///< rounds whose messages went out
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  bool computed = false;        ///< this round's compute is done
  std::optional<inbox> arrived; ///< this round's inbox, once here
  bool stalled = false;         ///< paused at a round boundary
  double round_start = 0;
  double round_compute = 0; ///< modelled seconds of this round's compute
  double idle = 0;
};

caf::behavior trainer(caf::stateful_actor<trainer_state>* self,
                      const run_env* env, agent_id id, caf::actor mailer,
                      caf::actor observer);

} // namespace murmur
