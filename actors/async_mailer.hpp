#pragma once

#include "actors/messages.hpp"
#include "actors/run_env.hpp"
#include "core/algorithms/async.hpp"
#include "core/base/rng.hpp"

#include <caf/all.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace murmur {

/// The communication half of an agent of an asynchronous algorithm (DRACO,
/// the round-based gossip baselines): it runs the agent's communication
/// clock (send_clock: Poisson, independent of its trainer; periodic; or none,
/// the trainer asking for each send after its compute cycle).
///
///   snapshot --> broadcast(0) --Exp(comm_rate) or period--> broadcast(1)
///               | latest snapshot to every out-neighbour, each delivery
///               | lost with probability `erasure`, else arriving after
///               v the link's modelled time, stamped with the send time
///   exchange  --> arrival_buffer (psi, tau_max, newest per sender)
///   drain     --> the buffer's fresh messages, to the trainer's mixing step
///   churn(up) --> offline: broadcasts skipped, arrivals lost, buffer emptied
///   compute_start::on_receipt: a filed arrival wakes the trainer (fetch)
///
/// A broadcast shares one message among all receivers (no copies). The
/// clock and the channel draw from the agent's own streams
/// (stream::comm_clock, stream::channel), so straggling compute never moves
/// a broadcast.
struct async_mailer_state {
  static inline const char* name = "async_mailer";
  const run_env* env = nullptr;
  agent_id id = 0;
  std::shared_ptr<const std::vector<caf::actor>> directory; ///< all mailers
  std::optional<arrival_buffer> buffer;
  payload latest; ///< the trainer's last published snapshot
  bool started = false;
  bool online = true; ///< churn: offline, nothing is sent or received
  caf::actor trainer; ///< the sender of the snapshots
  round_t broadcasts = 0;
  std::uint64_t clock_epoch = 0; ///< ticks of older epochs are ignored
  comm_stats stats;
  std::uint64_t transfers = 0; ///< handed to the network so far
  rng clock_gen;
  rng channel_gen;
};

caf::behavior
async_mailer(caf::stateful_actor<async_mailer_state>* self, const run_env* env,
             agent_id id,
             std::shared_ptr<const std::vector<caf::actor>> directory);

} // namespace murmur
