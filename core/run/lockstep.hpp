#pragma once

#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"
#include "core/run/network_ledger.hpp"

#include <vector>

namespace murmur {

/// Drives every agent's algorithm round by round with no actors: all agents
/// run a phase in parallel (oneTBB over agents), then all combine. It is the
/// reference the actor runtime must match bit for bit, and the bare loop that
/// `murmur bench` measures the actors against.
///
/// It also keeps modelled time with a barrier per round: every agent starts
/// the round together, its transfers leave after its compute (or with it,
/// when the gradient overlaps the exchange) and share the links in the run's
/// flow model; the round ends when the last transfer and the last compute
/// are over. The actors have no barrier (an agent goes on as soon as its own
/// neighbours are heard from), so their times agree where one bottleneck
/// sets the pace, e.g. a hub's uplink (tested).
class lockstep {
public:
  explicit lockstep(experiment& exp);

  /// One synchronous round for all agents.
  void run_round();

  round_t rounds_done() const { return round_; }

  /// Every agent's report (takes the loss accumulated since the last call).
  std::vector<agent_report> reports();

  const agent_context& agent(agent_id i) const { return slots_[i].ctx; }

  /// Modelled seconds of the rounds so far.
  double seconds() const { return time_; }

  network_ledger& network() { return ledger_; }

private:
  experiment& exp_;
  std::vector<agent_slot> slots_;
  /// With a deadline algorithm only: who misses it, drawn as the trainers
  /// draw it (no clock here: scripted and live injections do not apply).
  std::vector<agent_pace> paces_;
  std::vector<outbox> out_;
  std::vector<inbox> in_;
  std::vector<std::uint64_t> bytes_;
  std::vector<std::uint64_t> messages_;     ///< sent, per sender
  std::vector<std::uint64_t> delivered_;    ///< arrived, per receiver
  std::vector<std::vector<transfer>> wire_; ///< this round's, per agent
  std::vector<double> compute_;             ///< this round's, per agent
  network_ledger ledger_;
  double time_ = 0;
  round_t round_ = 0;

  void advance_time(algorithm::phase phase);
};

} // namespace murmur
