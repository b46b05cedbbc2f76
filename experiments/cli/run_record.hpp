#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace murmur {

/// A run as read back from its folder: metrics.csv by column name, the
/// agents' own accuracies when the run wrote them, and config.toml flattened
/// to dotted keys. Nothing here depends on the binary, so tests build run
/// folders by hand and read them with this.
struct run_record {
  std::filesystem::path folder;
  std::string name; ///< the folder's last component (legends, tables)
  /// The folder still ends in ".incomplete": the run was interrupted or is
  /// still running, so its last row is not the configured end.
  bool incomplete = false;
  /// metrics.csv, one vector per column, keyed by the header's names.
  std::map<std::string, std::vector<double>> columns;
  /// agent_accuracy.csv: per evaluated agent, its own model's test accuracy
  /// at each evaluation (NaN while it had no model). Empty when the run has
  /// no such file (runs from before it existed; Plexus, whose agents share
  /// one model).
  std::vector<std::vector<double>> agent_accuracy;
  /// config.toml as `key = value` text per dotted key ("optimizer.lr" ->
  /// "0.1", "topology.kind" -> "'ring'"), as `murmur keys` shows them.
  std::map<std::string, std::string> config;

  std::size_t rows() const;
  /// A column by name; throws input_error naming it and the known columns.
  const std::vector<double>& column(const std::string& name) const;
};

/// Reads `folder`/metrics.csv, agent_accuracy.csv when present and, when
/// `with_config`, `folder`/config.toml. Throws input_error with one line
/// naming the missing folder or file, the malformed line, or the missing
/// column.
run_record read_run(const std::filesystem::path& folder,
                    bool with_config = true);

/// Whether a folder is a run still called "<name>.incomplete".
bool is_incomplete_folder(const std::filesystem::path& folder);

/// Refuses folders still called "<name>.incomplete" unless `allowed`, with
/// one line naming the first and the flag that accepts them; `command` names
/// the caller ("report", "plot").
void refuse_incomplete(const std::vector<std::string>& folders, bool allowed,
                       const std::string& command);

} // namespace murmur
