#pragma once

#include "experiments/cli/run_metrics.hpp"
#include "experiments/cli/run_record.hpp"

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace murmur {

struct report_options {
  std::size_t last = 5; ///< evaluations averaged for the min-agent accuracy
  double target = 0;    ///< accuracy of the average model; 0 = no column
  /// More metrics.csv columns shown by their final value (e.g. test_loss,
  /// messages_delivered).
  std::vector<std::string> also;
  /// Accept run folders still called "<name>.incomplete" (marked).
  bool allow_incomplete = false;
};

/// Config keys ignored when grouping: they name or place a run, or set how
/// many threads compute it, and never change its numbers.
const std::vector<std::string>& ungrouped_keys();

/// Runs that share their resolved config except the seed (and the keys of
/// ungrouped_keys()), with statistics over those runs.
struct run_group {
  std::map<std::string, std::string> config; ///< the first run's, minus seed
  std::vector<std::string> runs;             ///< folder names
  std::vector<std::string> seeds;            ///< "2*" for an incomplete run
  mean_std final_accuracy; ///< test_accuracy of the average model, last row
  /// Per run: min over agents of each agent's mean over the last K
  /// evaluations (min_agent_accuracy()).
  mean_std min_agent;
  /// Runs whose min-agent value is the fallback (no agent_accuracy.csv).
  std::size_t min_agent_fallbacks = 0;
  std::size_t incomplete = 0; ///< runs still called "<name>.incomplete"
  mean_std target_round;      ///< over the runs that reached the target
  mean_std target_seconds;    ///< same runs, time_seconds
  std::size_t reached = 0;    ///< runs that reached the target
  std::vector<mean_std> also; ///< final values of report_options::also
};

/// Groups runs (in order of first appearance) and aggregates them.
std::vector<run_group> aggregate_runs(const std::vector<run_record>& runs,
                                      const report_options& opts);

/// Keys whose value differs between groups (keys missing from a group, such
/// as another algorithm's options, are skipped for that group), in config
/// order; these label the table's rows.
std::vector<std::string> varying_keys(const std::vector<run_group>& groups);

/// Prints the groups as a markdown table, accuracies in percent, followed by
/// each column's convention in words.
void print_report(std::ostream& out, const std::vector<run_group>& groups,
                  const report_options& opts);

/// `murmur report`: reads the folders, aggregates, prints.
void report_command(const std::vector<std::string>& folders,
                    const report_options& opts, std::ostream& out);

} // namespace murmur
