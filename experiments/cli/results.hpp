#pragma once

#include "core/config/config.hpp"
#include "core/run/metrics.hpp"
#include "core/run/outcome.hpp"
#include "experiments/cli/output_file.hpp"

#include <chrono>
#include <filesystem>
#include <mutex>
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

  /// Syncs the working folder and renames it to the final name (then syncs
  /// the parent), so a folder with the final name is complete on disk.
  void commit();

private:
  std::filesystem::path working_;
  std::filesystem::path final_;
};

/// Writes a run's files as it goes: metrics.csv as rows arrive and
/// events.csv as events happen (each line handed to the kernel, so a killed
/// run keeps what it had), agents.csv at the end; shows progress; tracks
/// time-to-accuracy. Every write is checked: a failure throws naming the
/// file (the runtime then fails the run). Safe to call from several actors.
class results_writer : public metrics_sink {
public:
  results_writer(const run_config& cfg, const std::filesystem::path& dir,
                 bool show_progress);

  void on_row(const metrics_row& row) override;
  void on_agents(const std::vector<agent_report>& reports) override;
  void on_event(double time_seconds, const std::string& source,
                const std::string& text, const std::string& result) override;

  /// Writes summary.json (why the run ended, `wall_seconds`: its wall time)
  /// and syncs every file to the disk.
  void finish(const run_outcome& outcome, double wall_seconds);

  const std::vector<metrics_row>& rows() const { return rows_; }

private:
  void show(const metrics_row& row);
  void write_agent_accuracy(const metrics_row& row);

  std::mutex mtx_;
  const run_config& cfg_;
  std::filesystem::path dir_;
  output_file csv_;
  /// agent_accuracy.csv, opened at the first row that evaluates agents' own
  /// models
  std::optional<output_file> agent_csv_;
  output_file events_;
  bool progress_;
  bool interactive_;
  std::vector<metrics_row> rows_;
  std::optional<metrics_row> reached_target_;
  std::chrono::steady_clock::time_point started_ =
    std::chrono::steady_clock::now();
  std::vector<agent_report> agents_;
};

/// Peak resident set size of this process, in MiB.
double peak_rss_mib();

} // namespace murmur
