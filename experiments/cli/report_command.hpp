#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace murmur {

/// A finished run as read back from its folder: metrics.csv by column name
/// and config.toml flattened to dotted keys. Nothing here depends on the
/// binary, so tests build run folders by hand and read them with this.
struct run_record {
  std::filesystem::path folder;
  std::string name; ///< the folder's last component (legends, tables)
  /// metrics.csv, one vector per column, keyed by the header's names.
  std::map<std::string, std::vector<double>> columns;
  /// config.toml as `key = value` text per dotted key ("optimizer.lr" ->
  /// "0.1", "topology.kind" -> "'ring'"), as `murmur keys` shows them.
  std::map<std::string, std::string> config;

  std::size_t rows() const;
  /// A column by name; throws input_error naming it and the known columns.
  const std::vector<double>& column(const std::string& name) const;
};

/// Reads `folder`/metrics.csv and, when `with_config`, `folder`/config.toml.
/// Throws input_error with one line naming the missing folder or file, the
/// malformed line, or the missing column.
run_record read_run(const std::filesystem::path& folder,
                    bool with_config = true);

/// Mean and sample standard deviation (n - 1; 0 for a single value).
struct mean_std {
  double mean = 0;
  double std = 0;
  std::size_t count = 0;
};

mean_std summarize(const std::vector<double>& values);

struct report_options {
  std::size_t last = 5; ///< evaluations averaged for the min-agent accuracy
  double target = 0;    ///< accuracy of the average model; 0 = no column
  /// More metrics.csv columns shown by their final value (e.g. test_loss,
  /// messages_delivered).
  std::vector<std::string> also;
};

/// Config keys ignored when grouping: they name or place a run, or set how
/// many threads compute it, and never change its numbers.
const std::vector<std::string>& ungrouped_keys();

/// Runs that share their resolved config except the seed (and the keys of
/// ungrouped_keys()), with statistics over those runs.
struct run_group {
  std::map<std::string, std::string> config; ///< the first run's, minus seed
  std::vector<std::string> runs;             ///< folder names
  std::vector<std::string> seeds;
  mean_std final_accuracy; ///< test_accuracy of the average model, last row
  mean_std min_agent;      ///< per run: mean of the last K min_agent_accuracy
  mean_std target_round;   ///< over the runs that reached the target
  mean_std target_seconds; ///< same runs, time_seconds
  std::size_t reached = 0; ///< runs that reached the target
  std::vector<mean_std> also; ///< final values of report_options::also
};

/// Groups runs (in order of first appearance) and aggregates them.
std::vector<run_group> aggregate_runs(const std::vector<run_record>& runs,
                                      const report_options& opts);

/// Keys whose value differs between groups (keys missing from a group, such
/// as another algorithm's options, are skipped for that group), in config
/// order; these label the table's rows.
std::vector<std::string> varying_keys(const std::vector<run_group>& groups);

/// Prints the groups as a markdown table, accuracies in percent.
void print_report(std::ostream& out, const std::vector<run_group>& groups,
                  const report_options& opts);

/// `murmur report`: reads the folders, aggregates, prints.
void report_command(const std::vector<std::string>& folders,
                    const report_options& opts, std::ostream& out);

} // namespace murmur
