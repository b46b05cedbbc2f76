#pragma once

// Asynchronous algorithms (DRACO, ALGORITHMS.md section 6): the arrival
// buffer a receiver keeps between its mixing steps, and row-stochastic
// weights over whatever arrived. Plain C++, no actors: the actors in
// actors/async_*.cpp only drive these.

#include "core/algorithm.hpp"

#include <cstddef>
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

/// The schedule of round-based gossip on the asynchronous runtime (Gossip
/// Learning, D-PSGD with fixed rounds): a compute round every `period`
/// seconds charging only its local steps, and a Poisson send clock at one
/// send per period to `fanout` random out-neighbours (0 = all).
async_schedule fixed_rounds(double period, unsigned local_steps,
                            std::size_t fanout);

} // namespace murmur
