#pragma once

// Event-driven protocols (Plexus; FL as Plexus with one fixed aggregator):
// algorithms that are not rounds of gossip but a state machine per agent,
// driven by messages, timers and finished training. The state machine is free
// of actors and clocks: events go in, effects come out. actors/protocol_agent
// drives any such machine over CAF's clocks; tests drive them over a small
// event queue.

#include "core/base/types.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace murmur::protocol {

/// What an agent knows about one peer: the last round it was heard of, and
/// its newest membership event (the higher index wins).
struct membership {
  round_t last_active = 0;
  std::uint64_t index = 0;
  bool joined = true;
};

/// An agent's view of the whole population, indexed by agent id.
using view = std::vector<membership>;

/// Every message of a protocol. `what` is the protocol's own message type;
/// model transfers carry the sender's view.
struct message {
  std::uint8_t what = 0;
  agent_id from = 0;
  round_t round = 0;
  std::uint64_t ref = 0;
  bool flag = false;
  blob model;
  view peers;
};

/// Bytes a message occupies on the wire: a 36-byte header, the model's
/// floats and 17 bytes per view entry.
std::uint64_t wire_bytes(const message& m);

/// A timer a protocol arms; `what` is the protocol's own timer type.
struct timer {
  std::uint8_t what = 0;
  std::uint64_t ref = 0;
  agent_id peer = 0;
  double delay = 0; ///< seconds from now
};

/// What one event asks the driver to do.
struct effects {
  struct send {
    agent_id to;
    message msg;
  };
  std::vector<send> sends;
  std::vector<timer> timers;
  /// Start training round `first` from model `second` (a running training
  /// is cancelled first when `cancel` is set).
  std::optional<std::pair<round_t, blob>> train;
  bool cancel = false;
  /// Rounds this agent completed for the whole population (aggregated),
  /// with the resulting model: the global model lineage.
  std::vector<std::pair<round_t, blob>> aggregated;
};

/// An agent's part in the protocol's work right now (live views).
enum class role : std::uint8_t {
  none,
  training,    ///< sampled: training the round's model
  aggregating, ///< collecting the models of a round it aggregates
};

/// One agent's side of a protocol.
class node {
public:
  virtual ~node() = default;

  /// Time 0: `initial` is the common initial model.
  virtual void start(blob initial, effects& out) = 0;
  virtual void receive(const message& m, effects& out) = 0;
  virtual void expire(const timer& t, effects& out) = 0;
  /// Training of round k finished with `model`.
  virtual void trained(round_t k, blob model, effects& out) = 0;
  /// The agent goes offline (churn, or killed).
  virtual void leave(effects& out) = 0;
  /// The agent comes back online.
  virtual void join(effects& out) = 0;

  virtual bool online() const = 0;
  /// The round the agent believes the population is in.
  virtual round_t round() const = 0;
  virtual role current_role() const { return role::none; }
};

/// What every node of a run shares, fixed at its start.
struct population {
  /// Every agent's upload bandwidth in bytes/s (0 = unknown).
  std::shared_ptr<const std::vector<double>> bandwidth;
  /// Who is online at time 0.
  std::vector<bool> online_at_start;
  std::uint64_t seed = 0;
};

} // namespace murmur::protocol
