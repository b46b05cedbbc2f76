#pragma once

#include "core/experiment.hpp"
#include "core/metrics.hpp"

namespace murmur {

/// Runs the experiment's agents as CAF actors (a trainer and a mailer per
/// agent, one observer) on `threads` scheduler threads until the last round
/// or until the sink asks to stop. Returns the rounds completed at the last
/// evaluation. Throws std::runtime_error if an actor fails.
round_t run_actors(experiment& exp, metrics_sink& sink, int threads);

} // namespace murmur
