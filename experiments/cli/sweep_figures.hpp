#pragma once

#include "experiments/cli/sweep_outcome.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace murmur {

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

/// Draws the reported runs' mean ± std curves of the average model's
/// accuracy and of the selection metric's column, one method per line,
/// against rounds, local steps, bytes sent and clock seconds (the
/// equal-budget views; a view that is the rounds view scaled is left out)
/// into the sweep's plots/; writes the markdown that shows them to `md` and
/// a failed rendering to `log`.
void draw_curves(std::ostream& md, const sweep_outcome& sweep,
                 std::ostream& log);

/// Draws, per tuned key that is the only numeric axis of its methods, the
/// tuning score against the key's values, one method per line.
void draw_tuning(std::ostream& md, const sweep_outcome& sweep,
                 std::ostream& log);

} // namespace murmur
