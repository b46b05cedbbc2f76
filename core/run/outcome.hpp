#pragma once

#include "core/base/schema.hpp"
#include "core/base/types.hpp"

#include <optional>
#include <string>

namespace murmur {

struct experiment;
struct metrics_row;

/// Why a run ended.
enum class stop_reason {
  rounds,      ///< its last round (synchronous runs)
  time_budget, ///< run.time_budget on its clock
  target,      ///< run.target_accuracy reached, with run.stop_at_target
  diverged,    ///< a non-finite loss
  lost_host,   ///< a host was lost under hosts.on_loss = stop
};

inline const enum_names<stop_reason>& names_of(stop_reason) {
  static const enum_names<stop_reason> n{
    {"rounds", stop_reason::rounds},
    {"time_budget", stop_reason::time_budget},
    {"target", stop_reason::target},
    {"diverged", stop_reason::diverged},
    {"lost_host", stop_reason::lost_host}};
  return n;
}

/// How a run ended: why, and the rounds completed at its last evaluation.
struct run_outcome {
  stop_reason why = stop_reason::rounds;
  round_t last_round = 0;
  std::string detail; ///< one line for the user when it did not end well

  /// Rounds, time budget and target are how runs are meant to end; a
  /// diverged run or a lost host are not (the program exits non-zero).
  bool expected() const {
    return why != stop_reason::diverged && why != stop_reason::lost_host;
  }
};

/// The one rule for when a run stops after an evaluated row, shared by the
/// observers of every kind of run and the lock-step loop: its last round
/// (runs by rounds), its time budget, its target (run.stop_at_target), or a
/// non-finite loss. Empty: go on.
std::optional<run_outcome> stop_after(const experiment& exp,
                                      const metrics_row& row);

} // namespace murmur
