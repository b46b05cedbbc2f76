#pragma once

#include "core/config/config.hpp"
#include "core/run/metrics.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace murmur {

/// A run's own folder. Results are written into "<name>.incomplete" and the
/// folder is renamed to its final name only when the run has finished, so a
/// crashed or interrupted run never looks complete, and an earlier run's
/// folder is never reused: the name gets a -2, -3, ... suffix instead.
class run_folder {
public:
  run_folder(const std::string& output, const std::string& name);

  const std::filesystem::path& path() const { return working_; }
  const std::filesystem::path& final_path() const { return final_; }

  /// Renames the working folder to the final name.
  void commit();

private:
  std::filesystem::path working_;
  std::filesystem::path final_;
};

/// Writes metrics.csv as rows arrive (flushed, so a killed run keeps what it
/// had), shows progress, tracks time-to-accuracy and the time budget.
class results_writer : public metrics_sink {
public:
  results_writer(const run_config& cfg, const std::filesystem::path& dir,
                 bool show_progress);

  bool on_row(const metrics_row& row) override;
  void on_agents(const std::vector<agent_report>& reports) override;
  void on_event(double time_seconds, const std::string& source,
                const std::string& text, const std::string& result) override;

  /// Writes summary.json (`wall_seconds`: the run's wall time).
  void finish(const std::filesystem::path& dir, double wall_seconds);

  const std::vector<metrics_row>& rows() const { return rows_; }

private:
  void show(const metrics_row& row);
  void write_agent_accuracy(const metrics_row& row);

  const run_config& cfg_;
  std::filesystem::path dir_;
  std::ofstream csv_;
  std::ofstream agent_csv_; ///< agent_accuracy.csv, opened at the first row
                            ///< that evaluates agents' own models
  std::ofstream events_;
  bool progress_;
  bool interactive_;
  std::vector<metrics_row> rows_;
  std::optional<metrics_row> reached_target_;
  bool out_of_time_ = false;
  bool host_lost_ = false; ///< a "hosts" event with result "stop" came in
  std::chrono::steady_clock::time_point started_ =
    std::chrono::steady_clock::now();
  std::vector<agent_report> agents_;
};

/// Writes text to `path` via a temporary file and a rename, so the file is
/// either absent or complete.
void write_file_atomically(const std::filesystem::path& path,
                           const std::string& text);

/// Peak resident set size of this process, in MiB.
double peak_rss_mib();

} // namespace murmur
