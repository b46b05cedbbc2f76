#pragma once

// Asynchronous algorithms (DRACO: Jeong & Kountouris, arXiv 2406.13533): the
// arrival buffer a receiver keeps between its mixing steps, and row-stochastic
// weights over whatever arrived. Plain C++, no actors: the actors in
// actors/async_*.cpp only drive these.

#include "core/algorithms/kinds.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace murmur {

/// A receiver's buffer of models heard since its last mixing step: at most
/// one message per sender (the newest by send time), at most `capacity`
/// senders (later senders are dropped while it is full), never a message
/// older than tau_max (checked on arrival and again when drained).
class arrival_buffer {
public:
  enum class verdict {
    accepted, ///< a new sender, kept
    replaced, ///< newer than the kept message of the same sender
    older,    ///< not newer than what the sender already has here
    stale,    ///< older than tau_max on arrival
    full,     ///< a new sender while the buffer holds capacity senders
  };

  arrival_buffer(std::size_t capacity, double tau_max)
    : capacity_(capacity), tau_max_(tau_max) {}

  /// Files a message sent at `sent_at` that arrives at `now` (seconds on the
  /// run's clock). Messages that went stale meanwhile are evicted first.
  verdict offer(agent_id from, double sent_at, double now, payload msg);

  /// Everything still fresh at `now`, ordered by sender id (so results do
  /// not depend on arrival order); empties the buffer.
  inbox drain(double now);

  std::size_t size() const { return entries_.size(); }

private:
  struct entry {
    agent_id from;
    double sent_at;
    payload msg;
  };
  bool stale(double sent_at, double now) const {
    return tau_max_ > 0 && now - sent_at > tau_max_;
  }
  void evict_stale(double now);

  std::size_t capacity_;
  double tau_max_;
  std::vector<entry> entries_;
};

/// Rayleigh-fading outage probability of one delivery over `distance`:
/// 1 - exp(-threshold * distance^path_loss / mean_snr).
double rayleigh_outage(double distance, double threshold, double path_loss,
                       double mean_snr);

/// Probability that a delivery from `from` to `to` is lost: the schedule's
/// erasure, or its Rayleigh outage at the distance between the agents'
/// positions in `comm` (which must then have positions).
double delivery_loss(const async_schedule& s, const topology& comm,
                     agent_id from, agent_id to);

/// Row-stochastic weights of one mixing step over an inbox: uniform
/// 1/(1+m) over the agent itself and the m distinct senders whose message
/// arrived. Lost messages (null data) get 0; when a sender appears more than
/// once, its last entry counts and the earlier ones get 0. `weights` is
/// aligned with the inbox, so mix_into applies the row as it is.
mixing_row row_stochastic_weights(const inbox& in);

/// What the asynchronous gossip algorithms (DRACO, Gossip Learning, D-PSGD
/// with fixed rounds) share: each compute cycle trains local_steps
/// minibatches and publishes the model. They differ in how they combine what
/// arrived.
class stepping_gossip : public algorithm {
public:
  explicit stepping_gossip(unsigned local_steps) : local_steps_(local_steps) {}

  void before_send(agent_context& ctx, round_t, const neighbourhood&) override {
    for (unsigned s = 0; s < local_steps_; ++s)
      ctx.local_step();
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return {{payload{ctx.shared_model()}}, false};
  }

  unsigned gradients_in_round(round_t) const override { return local_steps_; }

protected:
  unsigned local_steps_;
};

/// Options of round-based gossip on the asynchronous runtime (Gossip
/// Learning, D-PSGD with fixed rounds).
struct round_options {
  double period = 60;
  std::uint64_t local_steps = 5;
};

const schema<round_options>& round_schema();

/// How one round-based gossip algorithm paces its agents (the policy; the
/// asynchronous trainer and mailer are the mechanism).
struct round_pacing {
  std::size_t fanout = 0; ///< receivers per send, 0 = every out-neighbour
  send_clock sends = send_clock::after_compute;
  compute_start computes = compute_start::back_to_back;
};

/// The schedule of round-based gossip: rounds of `period` seconds charging
/// only their local steps, sends and compute cycles as `pacing` says.
async_schedule fixed_rounds(const round_options& o, const round_pacing& pacing);

/// The factory of a round-based gossip algorithm `Algorithm` (constructed
/// from its local steps) over any connected graph.
template <class Algorithm>
asynchronous_factory round_gossip_factory(std::string name,
                                          round_pacing pacing) {
  asynchronous_factory f;
  f.options = declared_options(round_schema(), name);
  f.plan = [name, pacing](const toml::table& resolved, const run_shape& run) {
    auto o = parse_options(round_schema(), resolved);
    auto steps = static_cast<unsigned>(o.local_steps);
    return asynchronous_plan{
      connected(run, name), fixed_rounds(o, pacing),
      [steps](agent_id) { return std::make_unique<Algorithm>(steps); }};
  };
  return f;
}

} // namespace murmur
