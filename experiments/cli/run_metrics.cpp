// The numbers a comparison reads from run folders, each defined once so that
// `murmur report` and `murmur sweep` state and compute them the same way.
#include "experiments/cli/run_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace murmur {

namespace {

/// "last 5 evals" or "final" for k = 1.
std::string window(std::size_t k) {
  return k == 1 ? std::string{"final"} : "last " + std::to_string(k) + " evals";
}

/// "the last 5 evaluations" or "the final evaluation", in a sentence.
std::string window_words(std::size_t k) {
  return k == 1
           ? std::string{"at the final evaluation"}
           : "averaged over the last " + std::to_string(k) + " evaluations";
}

} // namespace

mean_std summarize(const std::vector<double>& values) {
  mean_std s;
  s.count = values.size();
  if (values.empty())
    return s;
  double sum = 0;
  for (double v : values)
    sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2)
    return s;
  double sq = 0;
  for (double v : values)
    sq += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(values.size() - 1));
  return s;
}

double last_k_mean(const std::vector<double>& values, std::size_t k) {
  auto n = std::min(k, values.size());
  double sum = 0;
  std::size_t used = 0;
  for (auto i = values.size() - n; i < values.size(); ++i)
    if (!std::isnan(values[i])) {
      sum += values[i];
      ++used;
    }
  return used == 0 ? std::nan("") : sum / static_cast<double>(used);
}

min_agent_value min_agent_accuracy(const run_record& run, std::size_t k) {
  if (run.agent_accuracy.empty())
    return {last_k_mean(run.column("min_agent_accuracy"), k), false};
  double lowest = std::numeric_limits<double>::infinity();
  for (auto& agent : run.agent_accuracy) {
    double mean = last_k_mean(agent, k);
    if (!std::isnan(mean))
      lowest = std::min(lowest, mean);
  }
  return {std::isinf(lowest) ? std::nan("") : lowest, true};
}

std::optional<std::size_t> first_row_reaching(const run_record& run,
                                              double target) {
  auto& acc = run.column("test_accuracy");
  auto hit =
    std::find_if(acc.begin(), acc.end(), [&](double a) { return a >= target; });
  if (hit == acc.end())
    return std::nullopt;
  return static_cast<std::size_t>(hit - acc.begin());
}

std::string per_evaluation_column(run_metric m) {
  switch (m) {
    case run_metric::test_accuracy: return "test_accuracy";
    case run_metric::min_agent_accuracy: return "min_agent_accuracy";
    case run_metric::mean_agent_accuracy: return "mean_agent_accuracy";
    case run_metric::test_loss: return "test_loss";
    case run_metric::train_loss: return "train_loss";
  }
  return "test_accuracy";
}

bool higher_is_better(run_metric m) {
  return m != run_metric::test_loss && m != run_metric::train_loss;
}

double metric_value(const run_record& run, run_metric m, std::size_t k) {
  switch (m) {
    case run_metric::test_accuracy:
      return last_k_mean(run.column("test_accuracy"), k);
    case run_metric::min_agent_accuracy:
      return min_agent_accuracy(run, k).value;
    case run_metric::mean_agent_accuracy:
      return last_k_mean(run.column("mean_agent_accuracy"), k);
    case run_metric::test_loss: return last_k_mean(run.column("test_loss"), k);
    case run_metric::train_loss:
      return last_k_mean(run.column("train_loss"), k);
  }
  return std::nan("");
}

bool better(run_metric m, double a, double b) {
  if (std::isnan(a))
    return false;
  if (std::isnan(b))
    return true;
  return higher_is_better(m) ? a > b : a < b;
}

std::string metric_header(run_metric m, std::size_t k) {
  switch (m) {
    case run_metric::test_accuracy: return "test acc., " + window(k) + " (%)";
    case run_metric::min_agent_accuracy:
      return "min-agent acc., " + window(k) + " (%)";
    case run_metric::mean_agent_accuracy:
      return "mean-agent acc., " + window(k) + " (%)";
    case run_metric::test_loss: return "test loss, " + window(k);
    case run_metric::train_loss: return "train loss, " + window(k);
  }
  return "";
}

std::string metric_convention(run_metric m, std::size_t k) {
  switch (m) {
    case run_metric::test_accuracy:
      return "test accuracy of the average model (the mean of the agents' "
             "models) " +
             window_words(k);
    case run_metric::min_agent_accuracy:
      return "each evaluated agent's own model's test accuracy " +
             window_words(k) +
             ", then the minimum over agents (the RelaySGD tables' "
             "convention)";
    case run_metric::mean_agent_accuracy:
      return "each evaluated agent's own model's test accuracy, averaged "
             "over agents and " +
             (k == 1 ? std::string{"taken at the final evaluation"}
                     : "over the last " + std::to_string(k) + " evaluations");
    case run_metric::test_loss:
      return "test loss of the average model " + window_words(k);
    case run_metric::train_loss:
      return "the agents' mean minibatch training loss " + window_words(k);
  }
  return "";
}

} // namespace murmur
