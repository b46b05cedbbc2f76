#pragma once

#include "actors/live.hpp"
#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"
#include "core/run/outcome.hpp"

namespace murmur {

/// Runs the experiment's agents as CAF actors (per agent the actors of its
/// algorithm's kind, an observer, a straggler controller) until the
/// observer's stop rule ends the run (core/run/outcome.hpp), here or on the
/// `murmur node`s of exp.cfg.hosts. Throws std::runtime_error if an actor
/// fails or a virtual run stalls; every actor is stopped on every path.
///
/// clock.kind = "real": murmur's work-stealing scheduler
/// (actors/work_stealing.hpp) on `threads` workers.
/// clock.kind = "virtual": CAF's test coordinator drives the same actors in
/// (time, sequence) order on one thread, compute runs as oneTBB tasks, and
/// `live`'s pacer (if any) is consulted between events. `live` (already
/// bound, may be null) serves the run while it goes on: console, `murmur
/// ctl`, the dashboard.
run_outcome run_actors(experiment& exp, metrics_sink& sink, int threads,
                       live_service* live = nullptr);

} // namespace murmur
