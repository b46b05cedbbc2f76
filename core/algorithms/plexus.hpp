#pragma once

// Plexus (ALGORITHMS.md section 4): decentralized learning with client
// sampling. One global model lineage moves through a pipeline of samples:
// the s agents of sample k train it, send it under index k+1 to the
// aggregator chosen from sample k+1's candidates, which averages once it
// holds floor(s * sf) models and hands the average to the available agents
// of sample k+1.
//
// This file is the protocol of one agent as a pure state machine, free of
// actors and clocks: events go in (a message, a timer expiring, training
// done, the agent leaving or joining), effects come out (messages to send,
// timers to arm, training to start, rounds completed). actors/plexus_agent
// drives it over CAF's clocks; tests drive it over a small event queue.

#include "core/algorithms/agent_context.hpp"
#include "core/base/rng.hpp"
#include "core/base/types.hpp"
#include "core/time/link_model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace murmur::plexus {

struct options {
  std::size_t sample_size = 10;     ///< s
  double success_fraction = 1;      ///< sf: aggregate at floor(s * sf) models
  std::size_t aggregators = 1;      ///< a
  double aggregation_timeout = 300; ///< seconds after the first model
  double ping_timeout = 5;          ///< seconds
  round_t inactivity = 1000;        ///< rounds without news before a peer
                                    ///< leaves the active set
  std::size_t local_steps = 5;      ///< minibatches per training round
  /// The FL baseline: every round is aggregated by agent `fixed_id` (no
  /// hash sampling of aggregators, no failover).
  bool fixed_aggregator = false;
  agent_id fixed_id = 0; ///< set from the link model (central_agent)
};

/// What an agent knows about one peer: the last round it was heard of, and
/// its newest membership event (the higher index wins).
struct view_entry {
  round_t last_active = 0;
  std::uint64_t index = 0;
  bool joined = true;
};

/// An agent's view of the whole population, indexed by agent id (the
/// population is known out of band at start, as in the authors' code).
using view = std::vector<view_entry>;

/// Folds one peer's entry into `v`: the later activity, and the membership
/// event with the higher index.
void merge(view_entry& mine, const view_entry& theirs);
void merge(view& mine, const view& theirs);

/// Peers whose last membership event is a join and that were heard of in the
/// last `inactivity` rounds before `round`, ascending by id.
std::vector<agent_id> active_peers(const view& v, round_t round,
                                   round_t inactivity);

/// The sampler's hash of (agent, sample index): splitmix64 of the id mixed
/// with splitmix64 of the round (rng.hpp's derive_seed, seed 0). A 64-bit
/// mixer instead of the authors' MD5 of the public key: same role (an order
/// every agent derives alone), no crypto dependency, identical on every host.
std::uint64_t sample_key(agent_id id, round_t k);

/// Candidates of sample k: `peers` ordered by sample_key ascending (ties,
/// which need a 64-bit collision, by id). Same view, same order everywhere.
std::vector<agent_id> candidates(round_t k, std::vector<agent_id> peers);

/// Where the models of round k-1 go: the first s candidates of sample k,
/// re-sorted by known upload bandwidth descending (stable, so unknown or
/// equal bandwidths keep the hash order).
std::vector<agent_id> aggregator_order(round_t k,
                                       const std::vector<agent_id>& peers,
                                       std::size_t s,
                                       const std::vector<double>& bandwidth);

/// Round 1's sample: min(s, #online) online agents drawn at random from the
/// seed, ascending by id. Every agent computes the same set.
std::vector<agent_id> bootstrap_sample(const std::vector<bool>& online,
                                       std::size_t s, std::uint64_t seed);

/// The FL baseline's aggregator: the agent with the lowest median latency
/// to all others under the link model (lowest id on ties).
agent_id central_agent(const link_model& links, std::size_t agents);

/// The unweighted mean of the models (ALGORITHMS.md 4.6.4).
blob average(const std::vector<blob>& models);

enum class kind : std::uint8_t {
  ping,       ///< are you online? (ref = request id)
  pong,       ///< yes (ref echoed)
  trained,    ///< trainer -> aggregator: model trained in round-1
  aggregated, ///< aggregator -> sample `round`: the average
  ack,        ///< aggregator -> trainer: flag = aggregated or not
  membership, ///< flag = join (held back) or leave (ref = index)
};

/// Every message of the protocol. Model transfers carry the sender's view.
struct message {
  kind what = kind::ping;
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

enum class timer_kind : std::uint8_t {
  ping,        ///< ref = request id, peer = who did not answer
  aggregation, ///< ref = the round being aggregated
};

struct timer {
  timer_kind what = timer_kind::ping;
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
  /// Rounds this agent aggregated, with the resulting model.
  std::vector<std::pair<round_t, blob>> aggregated;
};

/// One agent's side of the protocol.
class node {
public:
  /// `bandwidth`: every agent's upload bandwidth (bytes/s, 0 = unknown),
  /// shared by the run; `online`: who is online at time 0 (the others start
  /// as LEAVE in every view).
  node(agent_id id, const options& opts, const std::vector<double>* bandwidth,
       const std::vector<bool>& online, std::uint64_t seed);

  /// Time 0: trains round 1 from `initial` if in the bootstrap sample.
  void start(blob initial, effects& out);
  void receive(const message& m, effects& out);
  void expire(const timer& t, effects& out);
  /// Training of round k finished with `model`; ignored when cancelled.
  void trained(round_t k, blob model, effects& out);
  /// The agent goes offline: it tells a few peers and fails its open
  /// aggregations over (AggAck false), then forgets all ongoing work.
  void leave(effects& out);
  /// The agent comes back: it advertises a join and waits to be sampled.
  void join(effects& out);

  agent_id id() const { return id_; }
  bool online() const { return online_; }
  round_t round() const { return round_; }
  std::optional<round_t> training() const { return training_; }
  const view& peers() const { return view_; }
  /// Models held for aggregating round k.
  std::size_t buffered(round_t k) const {
    auto it = buffers_.find(k);
    return it == buffers_.end() ? 0 : it->second.size();
  }
  /// Trained models that arrived for a round already aggregated (dropped).
  std::uint64_t stale_models() const { return stale_; }

private:
  enum class purpose : std::uint8_t { aggregators, sample };
  struct ping_request {
    purpose what;
    round_t round;
    std::vector<agent_id> order;
    std::size_t next = 0;
    std::size_t want;
    std::vector<agent_id> found;
    std::set<agent_id> waiting;
    blob model;
  };
  struct outgoing {
    round_t round;
    blob model;
    std::set<agent_id> awaiting;    ///< aggregators not yet acknowledged
    std::vector<agent_id> failover; ///< untried candidates, in order
  };

  std::vector<agent_id> active(round_t round) const;
  void heard(agent_id from, round_t round);
  void send(agent_id to, message m, effects& out);
  void send_model(agent_id to, kind what, round_t k, blob model, effects& out);
  void find(purpose what, round_t k, std::vector<agent_id> order,
            std::size_t want, blob model, effects& out);
  void top_up(std::uint64_t ref, effects& out);
  void found(std::uint64_t ref, effects& out);
  void on_aggregated(const message& m, effects& out);
  void on_trained(const message& m, effects& out);
  void on_ack(const message& m, effects& out);
  void on_membership(const message& m, effects& out);
  void complete(round_t k, effects& out);
  void advertise(bool join, effects& out);

  agent_id id_;
  options opts_;
  const std::vector<double>* bandwidth_;
  std::vector<bool> online_at_start_;
  std::uint64_t seed_;
  rng gen_;
  bool online_;
  view view_;
  std::map<agent_id, view_entry> pending_joins_;
  round_t round_ = 0;               ///< train_round_estimate
  round_t started_ = 0;             ///< newest round trained
  std::optional<round_t> training_; ///< round being trained now
  std::optional<outgoing> sending_; ///< trained model awaiting its ack
  std::map<round_t, std::map<agent_id, blob>> buffers_;
  std::set<round_t> completed_;
  std::map<std::uint64_t, ping_request> pings_;
  std::uint64_t next_ref_ = 1;
  std::uint64_t stale_ = 0;
};

} // namespace murmur::plexus
