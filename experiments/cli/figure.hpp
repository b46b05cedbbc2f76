#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace murmur {

/// One line of a figure: y against x, with an optional shaded band of
/// y ± spread (e.g. the standard deviation over seeds).
struct curve {
  std::string title; ///< legend entry
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> spread; ///< empty, or one half-width per point
};

/// One panel: its x axis and its curves (colours follow curve order, so the
/// same curve index has the same colour in every panel).
struct panel {
  std::string xlabel;
  std::vector<curve> curves;
  bool legend = true;
  bool log_x = false;
  bool points = false; ///< mark each point (a few grid values, not a curve)
};

/// Panels side by side under one title, sharing the y label.
struct figure {
  std::string title;
  std::string ylabel;
  std::vector<panel> panels;
};

/// The gnuplot script that draws `fig` (data inline) into `image`, with the
/// terminal that `output`'s extension names (.png: pngcairo, .svg: svg);
/// throws input_error for another extension.
std::string gnuplot_script(const figure& fig,
                           const std::filesystem::path& output,
                           const std::string& image);

/// Whether gnuplot is on the PATH.
bool gnuplot_available();

/// Renders `fig` through a pipe to gnuplot into a temporary file beside
/// `output` that is renamed to it only when gnuplot succeeded, so a failure
/// never leaves a partial image. Throws input_error when gnuplot is missing
/// or the folder does not exist, runtime_error when gnuplot fails.
void render_figure(const figure& fig, const std::filesystem::path& output);

} // namespace murmur
