#pragma once

#include "actors/build_count.hpp"
#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"
#include "core/run/network_ledger.hpp"
#include "core/run/outcome.hpp"

#include <caf/all.hpp>
#include <tbb/task_arena.h>

#include <chrono>
#include <functional>
#include <vector>

namespace murmur {

/// What every actor of a run shares: the experiment, which clock drives it,
/// when the run started on that clock, and how to report the end.
struct run_env {
  experiment* exp = nullptr;
  metrics_sink* sink = nullptr;
  bool virtual_time = false;
  caf::actor_clock::time_point start;
  /// Called once by the observer when the run is over (core/run/outcome).
  std::function<void(const run_outcome&)> on_done;
  /// Virtual clock: where agents' compute runs (actors/agent_core.hpp).
  tbb::task_arena* compute = nullptr;
  /// The run's network model, and the actor that drives it (none when the
  /// network is instant: senders then deliver at once and only count).
  network_ledger* ledger = nullptr;
  caf::actor network{};
  /// Real clock, one process: counts the agents as they build their state.
  build_count* built = nullptr;

  /// Seconds since the start on the run's clock (simulated or wall).
  double seconds(caf::actor_clock::time_point now) const {
    return std::chrono::duration<double>(now - start).count();
  }

  /// Ends the run: the agents' last reports, completed with the network's
  /// per-agent figures at `now`, go to the sink, then the outcome to whoever
  /// waits for it. Every observer ends a run this way.
  void finish(caf::actor_clock::time_point now,
              std::vector<agent_report>& latest, const run_outcome& end) const {
    ledger->fill_agents(seconds(now), latest);
    sink->on_agents(latest);
    on_done(end);
  }
};

/// A modelled duration as CAF's timespan.
inline caf::timespan to_timespan(double seconds) {
  return std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>(seconds));
}

} // namespace murmur
