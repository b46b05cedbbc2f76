// Gradient tracking (update-tracking form) on the
// quadratic reference problem.
#include "core/run/lockstep.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

using namespace murmur;

namespace {

constexpr std::size_t agents = 8;

std::unique_ptr<experiment> ring_run(const std::string& algorithm,
                                     round_t rounds, double lr) {
  return testing::quadratic_experiment(agents, rounds,
                                       {"algorithm.name=" + algorithm,
                                        "topology.kind=ring",
                                        "optimizer.lr=" + std::to_string(lr)});
}

vec mean_model(const lockstep& loop) {
  vec mean = vec::Zero(testing::quadratic_dim);
  for (agent_id i = 0; i < agents; ++i)
    mean += loop.agent(i).x();
  return mean / static_cast<float>(agents);
}

} // namespace

TEST_CASE("gradient tracking: the average model follows exact gradient "
          "descent on the global objective") {
  // sum_i c_i = 0 is kept by doubly-stochastic mixing, so the mean model
  // moves by the mean update -lr mean_i (x_i - c_i) = -lr grad F(x_bar):
  // exactly gradient descent, whatever the disagreement between agents.
  const double lr = 0.3;
  auto exp = ring_run("gradient-tracking", 40, lr);
  lockstep loop{*exp};
  Eigen::VectorXd centre = testing::quadratic_optimum(agents).cast<double>();
  Eigen::VectorXd descent = Eigen::VectorXd::Zero(testing::quadratic_dim);
  double disagreement = 0;
  while (loop.rounds_done() < 40) {
    loop.run_round();
    descent -= lr * (descent - centre);
    CHECK((mean_model(loop).cast<double>() - descent).norm() < 1e-5);
    disagreement += (loop.agent(0).x() - mean_model(loop)).norm();
  }
  CHECK(disagreement > 0.1); // agents differ; the invariant is not trivial
}

TEST_CASE("gradient tracking reaches the exact optimum at a constant lr "
          "where D-PSGD keeps a bias") {
  const round_t rounds = 800;
  vec optimum = testing::quadratic_optimum(agents);
  auto gt = ring_run("gradient-tracking", rounds, 0.1);
  auto dpsgd = ring_run("dpsgd", rounds, 0.1);
  lockstep gt_loop{*gt};
  lockstep dpsgd_loop{*dpsgd};
  while (gt_loop.rounds_done() < rounds) {
    gt_loop.run_round();
    dpsgd_loop.run_round();
  }
  double gt_error = (gt_loop.agent(0).x() - optimum).norm();
  double dpsgd_error = (dpsgd_loop.agent(0).x() - optimum).norm();
  MESSAGE("agent 0 distance to the optimum: gradient tracking "
          << gt_error << ", D-PSGD " << dpsgd_error);
  CHECK(gt_error < 1e-4);
  CHECK(dpsgd_error > 1e-2);
  CHECK(gt_error * 100 < dpsgd_error);
}
