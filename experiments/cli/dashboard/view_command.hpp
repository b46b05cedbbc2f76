#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace murmur::dashboard {

struct view_options {
  std::string listen = "127.0.0.1:0"; ///< "[HOST:]PORT"
  /// Accept run folders still called "<name>.incomplete" (marked).
  bool allow_incomplete = false;
};

/// `murmur view RUN...`: serves the dashboard's page read-only over finished
/// run folders (curves of every run side by side, their events, the first
/// run's graph and agents), printing its address to `out`, until `wait`
/// returns (SIGINT/SIGTERM for the command line). Reads and checks every
/// folder before binding: throws input_error naming the folder or file.
void view_command(const std::vector<std::string>& folders,
                  const view_options& opts, std::ostream& out,
                  const std::function<void()>& wait);

} // namespace murmur::dashboard
