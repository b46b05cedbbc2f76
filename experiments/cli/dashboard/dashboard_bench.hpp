#pragma once

#include "experiments/cli/bench_command.hpp"

#include <ostream>

namespace murmur::dashboard {

/// `murmur bench dashboard`: the same real-clock D-PSGD run without and with
/// the live dashboard, alternating `repeat` times. The dashboard side has a
/// page open the whole time (a client that takes the snapshot and follows
/// the event stream, as the browser does), so sampling the agents, encoding
/// their states and streaming them are all counted. Prints the best wall
/// time of each side, the overhead in percent, and what the page received.
void bench_dashboard(run_config cfg, const bench_options& opts,
                     std::ostream& out);

} // namespace murmur::dashboard
