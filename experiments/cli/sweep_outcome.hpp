#pragma once

#include "experiments/cli/run_record.hpp"
#include "experiments/cli/sweep_spec.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace murmur {

/// One method of a finished sweep.
struct method_outcome {
  const method_spec* method = nullptr;
  std::vector<grid_point> points;
  /// Per point, its tuning run's folder ("" when it failed); empty when the
  /// grid has a single point and nothing was tuned.
  std::vector<std::string> tuning_runs;
  std::vector<double> scores;        ///< per tuning run; NaN when it failed
  std::optional<std::size_t> chosen; ///< none when no tuning run scored
  std::vector<std::string> warnings; ///< chosen values on a grid's edge
  std::vector<run_record> reported;  ///< the reported seeds that finished
};

/// A sweep's results, as its report shows them.
struct sweep_outcome {
  const sweep_spec* spec = nullptr;
  std::filesystem::path file; ///< the sweep file
  std::filesystem::path dir;  ///< the sweep's folder
  std::vector<method_outcome> methods;
  std::vector<std::string> failures; ///< failed runs, one line each
};

} // namespace murmur
