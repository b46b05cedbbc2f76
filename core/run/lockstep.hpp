#pragma once

#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"

#include <vector>

namespace murmur {

/// Drives every agent's algorithm round by round with no actors: all agents
/// run a phase in parallel (oneTBB over agents), then all combine. It is the
/// reference the actor runtime must match bit for bit, and the bare loop that
/// `murmur bench` measures the actors against.
class lockstep {
public:
  explicit lockstep(experiment& exp);

  /// One synchronous round for all agents.
  void run_round();

  round_t rounds_done() const { return round_; }

  /// Every agent's report (takes the loss accumulated since the last call).
  std::vector<agent_report> reports();

  const agent_context& agent(agent_id i) const { return slots_[i].ctx; }

private:
  experiment& exp_;
  std::vector<agent_slot> slots_;
  /// With a deadline algorithm only: who misses it, drawn as the trainers
  /// draw it (no clock here: scripted and live injections do not apply).
  std::vector<agent_pace> paces_;
  std::vector<outbox> out_;
  std::vector<inbox> in_;
  std::vector<std::uint64_t> bytes_;
  std::vector<std::uint64_t> messages_;
  round_t round_ = 0;
};

} // namespace murmur
