#pragma once

#include "experiments/cli/run_record.hpp"
#include "experiments/cli/sweep_spec.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <ostream>
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

/// A sweep's results, as the report files show them.
struct sweep_outcome {
  const sweep_spec* spec = nullptr;
  std::filesystem::path file; ///< the sweep file
  std::filesystem::path dir;  ///< the sweep's folder
  std::vector<method_outcome> methods;
  std::vector<std::string> failures; ///< failed runs, one line each
};

/// The mean over runs of column `y` against the mean of column `x`, row by
/// row up to the shortest run, with the standard deviation of `y` as the
/// spread.
struct mean_curve {
  std::vector<double> x, y, spread;
};
mean_curve mean_over_runs(const std::vector<run_record>& runs,
                          const std::string& x, const std::string& y);

/// Whether every curve's x is the same multiple of its rounds at every row:
/// then a plot against x shows nothing a plot against rounds does not.
bool same_view_as_rounds(const std::vector<mean_curve>& against_x,
                         const std::vector<mean_curve>& against_rounds);

/// The main table (per method: chosen values, seeds, metrics as mean ± std
/// over the reported seeds) followed by each metric's convention in words.
void print_results(std::ostream& out, const sweep_outcome& sweep);

/// Writes into the sweep's folder: grid.csv (every tuning run and its
/// score), chosen.csv (each method's values and whether they sit on the
/// grid's edge), the figures (plots/, when gnuplot is there; notes go to
/// `log`) and report.md, which holds all of it.
void write_sweep_report(const sweep_outcome& sweep, std::ostream& log);

} // namespace murmur
