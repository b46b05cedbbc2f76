#pragma once

#include "actors/run_env.hpp"
#include "core/run/experiment.hpp"

#include <caf/all.hpp>

#include <map>
#include <memory>
#include <vector>

namespace murmur {

/// Messages of one round as they arrive, slotted by the sender's position in
/// the graph's in-list.
struct pending_round {
  inbox slots;
  std::size_t filled = 0;
  bool published = false; ///< the own trainer has sent this round
};

/// The communication half of an agent. It sends its trainer's payloads to the
/// out-neighbours' mailers (one shared message for a broadcast, so a model
/// sent to k neighbours is never copied), each arriving when the run's
/// network model says its transfer is over (actors/network); it files what
/// arrives by round and hands the trainer a round's inbox once the trainer has
/// published that round and every in-neighbour has been heard from. Neighbours
/// may run ahead by several rounds on directed graphs, so future rounds are
/// buffered. A neighbour that is gone (killed) counts as lost from the first
/// round it never sent; a message the network loses (network.message_loss)
/// counts as lost from the start, sender and receiver agreeing on which.
struct mailer_state {
  static inline const char* name = "mailer";
  const run_env* env = nullptr;
  agent_id id = 0;
  std::shared_ptr<const std::vector<caf::actor>> directory; ///< all mailers
  caf::actor trainer;
  std::map<round_t, pending_round> rounds;
  std::map<agent_id, round_t> departed; ///< agent -> rounds it did send
  std::uint64_t transfers = 0;          ///< handed to the network so far
};

caf::behavior mailer(caf::stateful_actor<mailer_state>* self,
                     const run_env* env, agent_id id,
                     std::shared_ptr<const std::vector<caf::actor>> directory);

} // namespace murmur
