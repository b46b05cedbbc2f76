#pragma once

// Plexus (de Vos et al., arXiv 2302.13837; sacs-epfl/plexus): decentralized
// learning with client sampling. One global model lineage moves through a
// pipeline of samples: the s agents of sample k train it, send it under index
// k+1 to the aggregator chosen from sample k+1's candidates, which averages
// once it holds floor(s * sf) models and hands the average to the available
// agents of sample k+1.
//
// This file is the protocol of one agent as a pure state machine, free of
// actors and clocks (a protocol::node): events go in (a message, a timer
// expiring, training done, the agent leaving or joining), effects come out
// (messages to send, timers to arm, training to start, rounds completed).
// actors/protocol_agent drives it over CAF's clocks; tests drive it over a
// small event queue.

#include "core/algorithms/protocol.hpp"
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

/// The population is known out of band at start, as in the authors' code.
using view_entry = protocol::membership;
using view = protocol::view;
using message = protocol::message;
using timer = protocol::timer;
using effects = protocol::effects;
using protocol::wire_bytes;

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

/// The unweighted mean of the models.
blob average(const std::vector<blob>& models);

/// Plexus's message types (message::what).
enum class kind : std::uint8_t {
  ping,       ///< are you online? (ref = request id)
  pong,       ///< yes (ref echoed)
  trained,    ///< trainer -> aggregator: model trained in round-1
  aggregated, ///< aggregator -> sample `round`: the average
  ack,        ///< aggregator -> trainer: flag = aggregated or not
  membership, ///< flag = join (held back) or leave (ref = index)
};

/// Plexus's timers (timer::what).
enum class timer_kind : std::uint8_t {
  ping,        ///< ref = request id, peer = who did not answer
  aggregation, ///< ref = the round being aggregated
};

inline std::uint8_t code(kind k) {
  return static_cast<std::uint8_t>(k);
}
inline std::uint8_t code(timer_kind k) {
  return static_cast<std::uint8_t>(k);
}

/// One agent's side of the protocol.
class node : public protocol::node {
public:
  /// `who`: every agent's upload bandwidth (bytes/s, 0 = unknown) and who is
  /// online at time 0 (the others start as LEAVE in every view).
  node(agent_id id, const options& opts, const protocol::population& who);

  /// Time 0: trains round 1 from `initial` if in the bootstrap sample.
  void start(blob initial, effects& out) override;
  void receive(const message& m, effects& out) override;
  void expire(const timer& t, effects& out) override;
  /// Training of round k finished with `model`; ignored when cancelled.
  void trained(round_t k, blob model, effects& out) override;
  /// The agent goes offline: it tells a few peers and fails its open
  /// aggregations over (AggAck false), then forgets all ongoing work.
  void leave(effects& out) override;
  /// The agent comes back: it advertises a join and waits to be sampled.
  void join(effects& out) override;

  agent_id id() const { return id_; }
  bool online() const override { return online_; }
  round_t round() const override { return round_; }
  /// Aggregating while it holds models of a round not yet completed, else
  /// training while a training is under way.
  protocol::role current_role() const override;
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
  std::shared_ptr<const std::vector<double>> bandwidth_;
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
