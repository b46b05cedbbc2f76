#include "core/run/outcome.hpp"

#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"

#include <cmath>

namespace murmur {

std::optional<run_outcome> stop_after(const experiment& exp,
                                      const metrics_row& row) {
  auto& run = exp.cfg.run;
  auto stop = [&](stop_reason why, std::string detail = {}) {
    return std::optional<run_outcome>{
      run_outcome{why, row.round, std::move(detail)}};
  };
  if (!std::isfinite(row.train_loss) || !std::isfinite(row.test_loss))
    return stop(stop_reason::diverged,
                "training diverged at round " + std::to_string(row.round) +
                  " (train loss " + show_number(row.train_loss) +
                  ", test loss " + show_number(row.test_loss) +
                  "); lower optimizer.lr (now " +
                  show_number(exp.cfg.optimizer.lr) + ")");
  if (run.stop_at_target && run.target_accuracy > 0 &&
      row.test_accuracy >= run.target_accuracy)
    return stop(stop_reason::target);
  if (run.time_budget > 0 && row.time_seconds >= run.time_budget)
    return stop(stop_reason::time_budget);
  if (!exp.runs_by_time() && row.round >= run.rounds)
    return stop(stop_reason::rounds);
  return std::nullopt;
}

} // namespace murmur
