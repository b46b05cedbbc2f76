#pragma once

#include "core/config/config.hpp"
#include "experiments/cli/run_metrics.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace murmur {

/// One tuned key and the values its grid tries, each as TOML text
/// ("0.1", "'chain'", "[100]").
struct grid_axis {
  std::string key;
  std::vector<std::string> values;
};

/// One point of a grid: a value per axis, in axis order.
struct grid_point {
  std::vector<std::pair<std::string, std::string>> values; ///< key, TOML text
};

/// A method of the comparison: a name and the keys that make it (e.g.
/// algorithm.name = "relaysgd", algorithm.tree = "chain"), with its own
/// tuning grid.
struct method_spec {
  std::string name;
  std::vector<std::string> sets; ///< "key=value", values as TOML text
  /// The sweep's [grid] with the method's own grid on top (a key in both
  /// takes the method's values).
  std::vector<grid_axis> grid;
};

/// A sweep file: methods tuned on one seed, then compared on others.
struct sweep_spec {
  /// Run config every run starts from; in the file relative to the file's
  /// folder, after load_sweep() a path that works from here ("" = the
  /// defaults).
  std::string base;
  /// For every run: the sweep file's `set`, then the command line's --set.
  std::vector<std::string> sets;
  std::uint64_t tuning_seed = 0;
  std::vector<int> seeds{1, 2, 3}; ///< reported seeds, never tuning_seed
  run_metric select = run_metric::test_accuracy;
  std::uint64_t last = 5; ///< evaluations averaged (selection and table)
  double target = 0;      ///< average-model accuracy for to-target columns
  std::string output;     ///< folder of the sweep ("" = runs/<file stem>)
  std::vector<method_spec> methods;
};

/// The sweep file's scalar keys (base, tuning_seed, seeds, select, last,
/// target, output); `set`, `grid` and `[[method]]` are tables of run keys.
const schema<sweep_spec>& sweep_schema();

/// Reads and checks a sweep file; `cli_sets` are --set overrides for every
/// run. Every run config of the sweep is resolved once here, so a bad key
/// or value stops the sweep before anything runs. Throws input_error with
/// one line naming the file and the field.
sweep_spec load_sweep(const std::filesystem::path& file,
                      const std::vector<std::string>& cli_sets);

/// Every point of a method's grid (the cartesian product of its axes, the
/// last axis fastest); one empty point when the method has no grid.
std::vector<grid_point> grid_points(const method_spec& method);

/// "lr0.1-momentum0.9": the point as part of a folder name (an axis by its
/// last key component unless two axes share it).
std::string point_label(const method_spec& method, const grid_point& point);

/// The run folder name of a method's point at a seed:
/// "<method>-<label>-s<seed>".
std::string run_name(const method_spec& method, const grid_point& point,
                     std::uint64_t seed);

/// The resolved config of one run: the base, the sweep's sets, the
/// method's, the point's, then the seed and the run's name and output
/// folder. Throws input_error naming the method for a bad key.
run_config resolve_run(const sweep_spec& spec, const method_spec& method,
                       const grid_point& point, std::uint64_t seed,
                       const std::filesystem::path& runs);

} // namespace murmur
