#pragma once

#include "actors/messages.hpp"
#include "actors/run_env.hpp"
#include "core/run/network_ledger.hpp"

#include <caf/all.hpp>

#include <limits>
#include <memory>
#include <vector>

namespace murmur {

/// A transfer the network carries, under the id of its flow.
struct carried_transfer {
  flow_id id = 0; ///< 0: no flow (flow ids are never 0)
  transfer_request request;
};

/// The network of a run as an actor: it owns the driving of the run's flow
/// model (env.ledger). Senders hand it their transfers; it starts those of
/// one instant together, in the canonical order (sender, receiver, sender's
/// sequence) rather than the order they arrived in, schedules a wake-up at
/// the model's next event on the run's clock (virtual: an event; real: a
/// sleep) and, when a transfer's last byte lands, delivers its message to
/// its receivers' actors. Same calls at the same virtual times, same
/// deliveries at the same times, whatever the thread count.
///
///   transfer --> batch --(flush, same instant)--> flows started
///                                   wake at next event <--+
///   wake --> advance --> deliver completed messages ------+
///   leave(i) --> i's uploads and downloads cancelled, never delivered;
///                each sender refunded the bytes that never left; until
///                join(i), transfers to i fail at once (fully refunded)
struct network_state {
  static inline const char* name = "network";
  const run_env* env = nullptr;
  std::shared_ptr<const std::vector<caf::actor>> directory; ///< by agent
  std::vector<transfer_request> batch; ///< asked at this instant
  /// By flow_network::place of their flows: one lookup per completion,
  /// without hashing or allocating a node per transfer.
  std::vector<carried_transfer> in_flight;
  std::vector<bool> offline; ///< by agent, as its leave/join said
  double wake_at = std::numeric_limits<double>::infinity();
  std::uint64_t wake_token = 0; ///< only the latest wake-up counts
};

caf::behavior network(caf::stateful_actor<network_state>* self,
                      const run_env* env,
                      std::shared_ptr<const std::vector<caf::actor>> directory);

/// Sends `r.msg` to the actors of the agents in `r.deliver` (from `all`)
/// once a transfer of `r.bytes` from `r.from` to `r.to` is over: through the
/// run's network actor, or at once when the network is instant (no
/// latency, every link unlimited), where only the bytes are counted.
template <class Self>
void send_transfer(Self* self, const run_env& env,
                   const std::vector<caf::actor>& all, transfer_request r) {
  if (!env.network) {
    env.ledger->count_instant(r.from, r.to, r.bytes);
    for (auto j : r.deliver)
      self->send(all[j], r.msg);
    return;
  }
  self->send(env.network, transfer_atom::value, std::move(r));
}

/// Tells the run's network that agent `id` went offline, so that the
/// transfers it sends or receives stop (nothing to stop on an instant
/// network, where transfers take no time).
template <class Self>
void leave_network(Self* self, const run_env& env, agent_id id) {
  if (env.network)
    self->send(env.network, leave_atom::value, id);
}

/// Tells the run's network that agent `id` is back online: transfers to it
/// go through again.
template <class Self>
void join_network(Self* self, const run_env& env, agent_id id) {
  if (env.network)
    self->send(env.network, join_atom::value, id);
}

} // namespace murmur
