#pragma once

#include "core/config/config.hpp"
#include "core/run/metrics.hpp"

#include <filesystem>
#include <vector>

namespace murmur {

struct run_outcome {
  std::filesystem::path folder;
  std::vector<metrics_row> rows;
};

/// Builds the experiment (all input errors surface here, before any folder
/// exists), then runs it with the configured engine, writing config.toml,
/// metrics.csv and summary.json into a fresh run folder.
run_outcome run_experiment(run_config cfg, bool show_progress);

/// run.threads, with 0 resolved to the machine's hardware threads.
int resolved_threads(const run_config& cfg);

} // namespace murmur
