#pragma once

#include "actors/messages.hpp"
#include "actors/run_env.hpp"

#include <caf/all.hpp>

#include <functional>
#include <vector>

namespace murmur {

/// One agent as a live sample saw it.
struct agent_sample {
  /// Whether the agent answered: one that left the run (killed) is gone; one
  /// silent for 2 s is busy in a long step when it runs in this process,
  /// unreachable (its host lost or frozen) when it runs on a node.
  enum class reach : std::uint8_t { answered, gone, busy, unreachable };
  agent_status status;
  reach reached = reach::answered;
};

/// Receives a sample of every agent, in agent order, with its time on the
/// run's clock.
using sample_handler =
  std::function<void(std::vector<agent_sample>, double seconds)>;

struct live_sampler_state {
  static inline const char* name = "live_sampler";
  std::vector<caf::actor> trainers;
  sample_handler deliver;
  bool sampling = false;
};

/// The source of agents' live states: on each `tick` it asks every trainer
/// for its status and, once all have answered or failed, hands the samples
/// to `deliver` (on this actor's thread: it must be quick). A tick while a
/// sample is under way is dropped, so slow answers never pile requests up.
/// Under the virtual clock requests carry no timeout (a virtual timeout
/// would be an event of the run); otherwise an agent silent for 2 s counts
/// as busy (local) or unreachable (on a node).
///
///   tick --> status? to every trainer --all answered--> deliver(samples)
caf::behavior live_sampler(caf::stateful_actor<live_sampler_state>* self,
                           const run_env* env, std::vector<caf::actor> trainers,
                           sample_handler deliver);

} // namespace murmur
