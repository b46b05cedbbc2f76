#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace murmur {

struct plot_options {
  std::string output; ///< .png (gnuplot pngcairo) or .svg
  std::string x;      ///< "round" | "time"; empty = both, two panels
  std::string y = "test_accuracy"; ///< any metrics.csv column
  std::string title;               ///< optional, above the plot
};

/// The gnuplot script that draws `folders` (their metrics.csv, data inline)
/// into `image`. Validates everything first: throws input_error naming the
/// missing folder, missing metrics.csv or unknown column.
std::string gnuplot_script(const std::vector<std::string>& folders,
                           const plot_options& opts, const std::string& image);

/// `murmur plot`: one line per run (legend = run folder name), y against
/// rounds and against time_seconds side by side, or against one of them with
/// opts.x. Renders through a pipe to gnuplot into a temporary file that is
/// renamed to opts.output only when gnuplot succeeded, so a failure never
/// leaves a partial image.
void plot_command(const std::vector<std::string>& folders,
                  const plot_options& opts, std::ostream& out);

} // namespace murmur
