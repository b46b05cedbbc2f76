#pragma once

#include "core/algorithms/agent_context.hpp"
#include "core/base/schema.hpp"
#include "topologies/topology.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace murmur {

/// What one message between agents carries: a model-sized vector shared
/// read-only by everyone who holds it, plus a small integer (RelaySum's
/// counters; 1 otherwise).
struct payload {
  blob data;
  std::int64_t count = 1;
};

/// A message an agent received this round. `msg.data` is null when the
/// message was lost (dropped by the network, or its sender is gone): the slot
/// stays, so algorithms see exactly who was not heard from.
struct received {
  agent_id from = 0;
  payload msg;
};

/// Messages of one round, in the order of the graph's in-list: combining them
/// in this order makes results independent of arrival order.
using inbox = std::vector<received>;

/// Bytes a payload occupies on the wire (its serialized size), the figure
/// metrics count for every message sent.
inline std::uint64_t wire_bytes(const payload& p) {
  // Header (sender, round, send time, counter, length) plus the raw floats;
  // the actor layer's serializer writes exactly this (checked in tests).
  constexpr std::uint64_t header = 4 + 8 + 8 + 8 + 8;
  return header + sizeof(float) * static_cast<std::uint64_t>(p.data->size());
}

/// One transfer the network times: `bytes` over the link from the sender to
/// `to`, paying `hops` link latencies first; when its last byte lands, the
/// round's messages to the out-neighbours at positions `carries` (of the
/// out-list) are delivered. It lets a collective charge what it really
/// moves (ring All-Reduce: 2(n-1)/n model sizes to one neighbour) while the
/// algorithm still combines whole models. With per-neighbour payloads a
/// transfer carries at most one message.
struct transfer {
  agent_id to = 0;
  std::uint64_t bytes = 0;
  std::uint32_t hops = 1;
  std::vector<std::uint32_t> carries;
};

/// What an agent sends this round: one payload for every out-neighbour, or one
/// per out-neighbour in the graph's out-list order; `wire` names the
/// transfers when they are not one per out-neighbour at the payload's size
/// (empty: they are; see planned_transfers in core/algorithms/transfers.hpp).
struct outbox {
  std::vector<payload> items;
  bool per_neighbour = false;
  std::vector<transfer> wire{};
};

/// An agent's view of the communication graph in one round.
struct neighbourhood {
  const std::vector<agent_id>* in = nullptr;
  const std::vector<agent_id>* out = nullptr;
  const mixing_row* weights = nullptr; ///< row of W for this agent
};

/// One decentralized-learning algorithm for one agent: a policy the runtime
/// calls at fixed points of every synchronous round
///
///   before_send -> publish -> (messages travel) while_waiting -> combine
///
/// Loops, clocks, metrics and message plumbing are shared; an algorithm only
/// says what to compute, what to send and how to combine what arrived. The
/// same object is driven by actors (actors/trainer) and by the actor-free
/// lock-step reference loop (core/run/lockstep), which must agree bit for bit.
class algorithm {
public:
  virtual ~algorithm() = default;

  /// Work done before this round's messages leave (e.g. a local step).
  virtual void before_send(agent_context&, round_t, const neighbourhood&) {}

  /// This round's outgoing messages.
  virtual outbox publish(agent_context& ctx, round_t k,
                         const neighbourhood& hood) = 0;

  /// Work that overlaps the exchange (e.g. the gradient at the sent model).
  virtual void while_waiting(agent_context&, round_t, const neighbourhood&) {}

  /// Folds what arrived into the agent's state; ends the round.
  virtual void combine(agent_context& ctx, round_t k, const neighbourhood& hood,
                       const inbox& in) = 0;

  /// Where the round's gradient work happens, so the clock charges its
  /// modelled duration there: before the messages leave (the round lasts
  /// compute + communication) or overlapping the exchange (max of both).
  enum class phase { before_send, while_waiting };
  virtual phase compute_phase() const { return phase::before_send; }

  /// Minibatch gradients in round k, each charged cost.step_seconds.
  virtual unsigned gradients_in_round(round_t) const { return 1; }

  /// Seconds a round's compute may take (0 = no limit): an agent whose
  /// modelled compute would outlast it is a straggler that round (GOCO). It
  /// is told before before_send, skips its step and still publishes; the
  /// round charges it only the deadline, so no one waits for it.
  virtual double deadline() const { return 0; }
  virtual void missed_deadline(round_t) {}
};

/// How a delivery of an asynchronous broadcast is lost.
enum class channel_model { erasure, rayleigh };

inline const enum_names<channel_model>& names_of(channel_model) {
  static const enum_names<channel_model> n{
    {"erasure", channel_model::erasure}, {"rayleigh", channel_model::rayleigh}};
  return n;
}

/// What makes an asynchronous agent's mailer send its latest model.
enum class send_clock {
  /// A Poisson process at comm_rate, independent of the compute (DRACO).
  poisson,
  /// The end of each compute cycle: the freshly trained model leaves at once
  /// (D-PSGD with fixed rounds).
  after_compute,
  /// Every `period` seconds from the start, restarted when the agent comes
  /// back online (Gossip Learning's round timer).
  periodic,
};

/// What starts an asynchronous agent's compute cycle.
enum class compute_start {
  /// The end of the previous cycle: cycles run back to back.
  back_to_back,
  /// The arrival of models: merge what arrived, then train (Gossip
  /// Learning); an idle agent that hears nothing does not train.
  on_receipt,
};

/// How an asynchronous algorithm's agents compute and communicate. By
/// default the trainer's computation clock and the mailer's communication
/// clock are independent Poisson processes with their own random streams;
/// `sends` and `computes` tie them together for the round-based baselines.
struct async_schedule {
  /// Local steps per second at speed 1: a cycle of local_steps steps lasts
  /// the sum of that many Exp(compute_rate) draws, scaled by the agent's
  /// relative speed from the cost model (cost.step_seconds(i) /
  /// cost.step_seconds) and then by its pace.
  double compute_rate = 10;
  double comm_rate = 10; ///< broadcasts per second (Poisson)
  std::uint64_t psi = 0; ///< buffer capacity (senders), 0 = unlimited
  double tau_max = 0;    ///< staleness limit in seconds, 0 = none
  double erasure = 0;    ///< erasure: each delivery lost independently
  /// rayleigh: block fading, a delivery over distance d is lost with
  /// P_out = 1 - exp(-theta d^alpha / mean_snr) (positions from the
  /// random-geometric topology).
  channel_model channel = channel_model::erasure;
  double snr_threshold = 1; ///< theta (linear)
  double path_loss = 3;     ///< alpha
  double mean_snr = 1;      ///< mean SNR at distance 1 (linear)
  /// Optimizer steps per compute cycle (sets the lr schedule's horizon).
  std::uint64_t local_steps = 1;
  /// Receivers per broadcast: 0 = every out-neighbour, k = k of them drawn
  /// at random each time (Gossip Learning sends to one peer).
  std::size_t fanout = 0;
  /// > 0: a cycle is a training of the local steps' modelled compute
  /// (local_steps x cost.step_seconds(i), through the pace) instead of
  /// Exp(compute_rate) draws; back to back, cycles begin `period` seconds
  /// apart (rounds); the periodic send clock ticks every `period`.
  double period = 0;
  send_clock sends = send_clock::poisson;
  compute_start computes = compute_start::back_to_back;
};

} // namespace murmur
