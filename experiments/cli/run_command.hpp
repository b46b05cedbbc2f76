#pragma once

#include "core/config/config.hpp"
#include "core/run/metrics.hpp"
#include "core/run/outcome.hpp"

#include <filesystem>
#include <vector>

namespace murmur {

/// What a finished run leaves: its complete folder, its rows and why it
/// ended.
struct run_result {
  std::filesystem::path folder;
  std::vector<metrics_row> rows;
  run_outcome outcome;
};

/// Builds the experiment and opens what the run listens on (all input
/// errors surface here, before any folder exists), then runs it with the
/// configured engine, writing config.toml, metrics.csv, events.csv,
/// agents.csv and summary.json into a fresh run folder, renamed complete only
/// once everything is on disk. A failure (an actor, a write) throws and
/// leaves the folder named .incomplete.
run_result run_experiment(run_config cfg, bool show_progress);

/// run.threads, with 0 resolved to the machine's hardware threads.
int resolved_threads(const run_config& cfg);

} // namespace murmur
