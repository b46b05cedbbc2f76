#pragma once

#include "actors/live.hpp"
#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"
#include "core/run/outcome.hpp"

namespace murmur {

/// Runs `exp` with its agents on the `murmur node` processes of
/// exp.cfg.hosts (real clock): places the agents, has every node spawn its
/// share, wires all mailers to one directory, keeps the observer (metrics)
/// and the controller (live commands) here, and watches the nodes. A lost
/// node is reported with its agents and handled per hosts.on_loss. Throws
/// std::runtime_error when a node cannot be reached, refuses, or every node
/// is lost.
run_outcome run_across_hosts(experiment& exp, metrics_sink& sink, int threads,
                             live_service* live);

} // namespace murmur
