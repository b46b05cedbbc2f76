#pragma once

#include "core/base/schema.hpp"
#include "experiments/cli/run_record.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace murmur {

/// Mean and sample standard deviation (n - 1; 0 for a single value).
struct mean_std {
  double mean = 0;
  double std = 0;
  std::size_t count = 0;
};

mean_std summarize(const std::vector<double>& values);

/// The mean of the last k values (all of them when there are fewer), NaN
/// values skipped; NaN when nothing is left.
double last_k_mean(const std::vector<double>& values, std::size_t k);

/// One run's min-over-agents accuracy as the RelaySGD tables report it
/// (Vogels et al., NeurIPS 2021, Table 2; epfml/relaysgd
/// paper-figures/table_2_cifar_results.ipynb): each evaluated agent's own
/// model's test accuracy averaged over the last k evaluations, then the
/// minimum over agents. A run without per-agent accuracies (agent_accuracy
/// .csv) falls back to the mean over the last k evaluations of the
/// per-evaluation minimum, which is never above it (a mean of minima is at
/// most the minimum of means); `per_agent` says which one this is.
struct min_agent_value {
  double value = 0;
  bool per_agent = false;
};

min_agent_value min_agent_accuracy(const run_record& run, std::size_t k);

/// The first row at which the average model's test accuracy reaches
/// `target`, if any.
std::optional<std::size_t> first_row_reaching(const run_record& run,
                                              double target);

/// A metric that ranks runs: what a sweep's tuning maximises (accuracies)
/// or minimises (losses), over a run's last k evaluations.
enum class run_metric {
  test_accuracy,       ///< average model
  min_agent_accuracy,  ///< min over agents of each agent's mean
  mean_agent_accuracy, ///< mean over agents and evaluations
  test_loss,           ///< average model
  train_loss,          ///< mean minibatch loss of the agents
};

inline const enum_names<run_metric>& names_of(run_metric) {
  static const enum_names<run_metric> n{
    {"test-accuracy", run_metric::test_accuracy},
    {"min-agent-accuracy", run_metric::min_agent_accuracy},
    {"mean-agent-accuracy", run_metric::mean_agent_accuracy},
    {"test-loss", run_metric::test_loss},
    {"train-loss", run_metric::train_loss}};
  return n;
}

/// The metrics.csv column the metric reads at each evaluation
/// (min_agent_accuracy: the per-evaluation minimum).
std::string per_evaluation_column(run_metric m);

/// Accuracies are maximised, losses minimised.
bool higher_is_better(run_metric m);

/// The metric of one run over its last k evaluations.
double metric_value(const run_record& run, run_metric m, std::size_t k);

/// Whether a is better than b under m; NaN is worse than any number.
bool better(run_metric m, double a, double b);

/// A short column header: "min-agent acc., last 5 evals (%)".
std::string metric_header(run_metric m, std::size_t k);

/// The metric's definition in words, for a report.
std::string metric_convention(run_metric m, std::size_t k);

} // namespace murmur
