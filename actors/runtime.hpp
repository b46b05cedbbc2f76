#pragma once

#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"

namespace murmur {

/// Runs the experiment's agents as CAF actors (a trainer and a mailer per
/// agent, an observer, a straggler controller) until the last round or until
/// the sink asks to stop. Returns the rounds completed at the last
/// evaluation. Throws std::runtime_error if an actor fails or a virtual run
/// stalls.
///
/// clock.kind = "real": CAF's work-stealing scheduler on `threads` workers;
/// live commands from the console / control port when configured.
/// clock.kind = "virtual": CAF's test coordinator drives the same actors in
/// (time, sequence) order on one thread, compute runs as oneTBB tasks.
round_t run_actors(experiment& exp, metrics_sink& sink, int threads);

/// oneTBB's thread budget for a run on `threads` threads (for a caller's
/// tbb::global_control, the lowest of which wins): under the virtual clock
/// one more, the event thread, which waits while `threads` threads compute.
std::size_t tbb_threads(const run_config& cfg, int threads);

} // namespace murmur
