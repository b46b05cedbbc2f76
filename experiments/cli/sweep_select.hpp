#pragma once

#include "experiments/cli/run_metrics.hpp"
#include "experiments/cli/sweep_spec.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace murmur {

/// The best of a method's grid points by their tuning scores under `m`
/// (accuracies highest, losses lowest; the first in grid order on a tie).
/// NaN (a failed or diverged run) never wins; none when every score is NaN.
std::optional<std::size_t> best_point(run_metric m,
                                      const std::vector<double>& scores);

/// One line per numeric axis of `method` whose value at `point` is the
/// smallest or largest the axis tries: the best may lie beyond the grid.
std::vector<std::string> edge_warnings(const method_spec& method,
                                       const grid_point& point);

} // namespace murmur
