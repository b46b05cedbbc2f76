#pragma once

#include "experiments/cli/figure.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace murmur {

struct plot_options {
  std::string output; ///< .png (gnuplot pngcairo) or .svg
  std::string x;      ///< "round" | "time"; empty = both, two panels
  std::string y = "test_accuracy"; ///< any metrics.csv column
  std::string title;               ///< optional, above the plot
  /// Accept run folders still called "<name>.incomplete" (marked in the
  /// legend).
  bool allow_incomplete = false;
};

/// The figure of `folders`: one line per run (legend = run folder name),
/// y against rounds and against time_seconds side by side, or against one
/// of them or another metrics.csv column with opts.x. Validates everything
/// first: throws input_error naming the missing folder, missing metrics.csv,
/// unknown column or incomplete run.
figure runs_figure(const std::vector<std::string>& folders,
                   const plot_options& opts);

/// The gnuplot script of runs_figure() into `image`.
std::string gnuplot_script(const std::vector<std::string>& folders,
                           const plot_options& opts, const std::string& image);

/// `murmur plot`: renders runs_figure() into opts.output.
void plot_command(const std::vector<std::string>& folders,
                  const plot_options& opts, std::ostream& out);

} // namespace murmur
