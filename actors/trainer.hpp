#pragma once

#include "core/experiment.hpp"

#include <caf/all.hpp>

#include <optional>

namespace murmur {

/// The compute half of an agent. It owns the model, optimizer, data stream
/// and algorithm instance; every round it runs the algorithm's compute steps,
/// hands the outgoing payloads to its mailer, and combines the inbox the
/// mailer returns. It never waits on anything but its own mailbox.
///
///   start -> [before_send, publish -> mailer, while_waiting]
///         -> inbox(k) -> [combine, report?] -> next round ... -> idle
struct trainer_state {
  static inline const char* name = "trainer";
  experiment* exp = nullptr;
  std::optional<agent_slot> slot;
  caf::actor mailer;
  caf::actor observer;
  round_t round = 0; ///< rounds completed
  std::uint64_t bytes_sent = 0;
};

caf::behavior trainer(caf::stateful_actor<trainer_state>* self, experiment* exp,
                      agent_id id, caf::actor mailer, caf::actor observer);

} // namespace murmur
