#pragma once

// Shared reference problems for algorithm tests: small experiments with a
// closed-form answer, built without data files.

#include "core/config/config.hpp"
#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace murmur::testing {

/// f_i(x) = mean over agent i's rows c of 0.5 ||x - c||^2: the global optimum
/// is the mean of all rows, and the gradient x - mean(c_i) is linear in x.
class quadratic_model : public model {
public:
  explicit quadratic_model(std::size_t d) : d_(d) {}
  std::size_t num_params() const override { return d_; }
  void init(vec_map theta, rng&) const override { theta.setZero(); }
  std::unique_ptr<workspace> make_workspace() const override {
    return std::make_unique<workspace>();
  }
  double loss_and_gradient(const_vec_map theta, const batch_view& b,
                           vec_map grad, workspace&) const override {
    const auto rows = matrix_rows(b);
    auto x = rows.x();
    grad = theta - x.colwise().mean().transpose();
    double loss = 0;
    for (Eigen::Index r = 0; r < x.rows(); ++r)
      loss += 0.5 * (theta - x.row(r).transpose()).squaredNorm();
    return loss / static_cast<double>(x.rows());
  }
  eval_result evaluate(const_vec_map theta,
                       const batch_view& b) const override {
    vec g(theta.size());
    auto ws = make_workspace();
    return {loss_and_gradient(theta, b, {g.data(), g.size()}, *ws), 0};
  }
  double gradient_flops(std::size_t) const override {
    return 0; // no matrix products
  }

private:
  std::size_t d_;
};

/// Keeps every metrics row a run produces, and the agents' last reports.
class row_recorder : public metrics_sink {
public:
  void on_row(const metrics_row& row) override { rows.push_back(row); }
  void on_agents(const std::vector<agent_report>& last) override {
    agents = last;
  }
  std::vector<metrics_row> rows;
  std::vector<agent_report> agents;
};

/// An asynchronous round-based gossip algorithm on the quadratic: 1 s
/// rounds of 2 steps of 0.1 s, 200 s on the virtual clock.
inline std::vector<std::string> round_gossip_sets(const std::string& name,
                                                  const std::string& graph) {
  return {"algorithm.name=" + name,  "algorithm.period=1",
          "algorithm.local_steps=2", "clock.kind=virtual",
          "run.eval_seconds=10",     "run.time_budget=200",
          "optimizer.lr=0.05",       "topology.kind=" + graph,
          "cost.step_seconds=0.1"};
}

/// round_gossip_sets over 6 s with a row every 0.1 s and trainings of
/// 2 x 0.125 s, so that no row falls on the end of a training and the rows
/// show when each send and each step happened.
inline std::vector<std::string> timed_gossip_sets(const std::string& name,
                                                  const std::string& graph) {
  auto s = round_gossip_sets(name, graph);
  s.insert(s.end(), {"cost.step_seconds=0.125", "run.eval_seconds=0.1",
                     "run.time_budget=6"});
  return s;
}

/// How many of the events at first, first + period, first + 2 period, ...
/// happened by time t.
inline std::uint64_t events_by(double t, double first, double period) {
  if (t < first)
    return 0;
  return static_cast<std::uint64_t>(std::floor((t - first) / period + 1e-9)) +
         1;
}

/// Whether t is (to rounding) one of first + k period: a row there may come
/// before or after the event.
inline bool at_event(double t, double first, double period) {
  double k = std::round((t - first) / period);
  return k >= 0 && std::abs(t - (first + k * period)) < 1e-6;
}

constexpr std::size_t quadratic_dim = 5;

/// One distinct centre per agent (row i), deterministic.
inline row_matrix quadratic_centres(std::size_t agents) {
  row_matrix c(static_cast<Eigen::Index>(agents), quadratic_dim);
  for (std::size_t i = 0; i < agents; ++i)
    for (std::size_t j = 0; j < quadratic_dim; ++j)
      c(i, j) = static_cast<float>((i + 1) * (j % 3) + 0.5 * i * i - j) /
                static_cast<float>(agents);
  return c;
}

/// The minimiser of the average of all agents' losses.
inline vec quadratic_optimum(std::size_t agents) {
  return quadratic_centres(agents).colwise().mean().transpose();
}

/// A full experiment on the quadratic: agent i holds centre i (batch = its
/// whole shard, so gradients are exact), x^0 = 0. `sets` are config
/// overrides (algorithm.name, its options, topology.kind, optimizer.lr...).
inline std::unique_ptr<experiment>
quadratic_experiment(std::size_t agents, round_t rounds,
                     std::vector<std::string> sets) {
  sets.push_back("run.agents=" + std::to_string(agents));
  sets.push_back("run.rounds=" + std::to_string(rounds));
  sets.push_back("run.eval_every=" + std::to_string(rounds));
  sets.push_back("run.batch_size=1");
  auto exp = std::make_unique<experiment>();
  exp->cfg = load_config("", sets);
  exp->train.features = quadratic_centres(agents);
  exp->train.labels.assign(agents, 0);
  for (std::size_t i = 0; i <= agents; ++i)
    exp->train.offsets.push_back(i);
  exp->train.num_classes = 1;
  exp->test.features = quadratic_centres(agents);
  exp->test.labels.assign(agents, 0);
  exp->test.num_classes = 1;
  exp->net = std::make_unique<quadratic_model>(quadratic_dim);
  plan_experiment(*exp); // x^0 = 0: the model's init
  return exp;
}

} // namespace murmur::testing
