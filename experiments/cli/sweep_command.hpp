#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace murmur {

struct sweep_options {
  std::string file;              ///< the sweep file (TOML)
  std::vector<std::string> sets; ///< --set: keys for every run
  std::string output;   ///< the sweep's folder; overrides the file's output
  std::size_t jobs = 1; ///< runs at a time
  /// The murmur binary the runs execute (`program run CONFIG`); empty =
  /// this process's own binary.
  std::string program;
};

/// Declares `murmur sweep` and its options on `app`.
CLI::App* add_sweep_command(CLI::App& app, sweep_options& opts);

/// `murmur sweep`: tunes every method's grid on the tuning seed, runs the
/// reported seeds at each method's best point, and writes the report into
/// the sweep's folder; prints the results table to `out` and progress and
/// warnings to `log`. Returns the exit code: 0, 1 when a run failed or a
/// method could not be tuned, 130 when interrupted. Bad sweep files throw
/// input_error before anything runs.
int sweep_command(const sweep_options& opts, std::ostream& out,
                  std::ostream& log);

} // namespace murmur
