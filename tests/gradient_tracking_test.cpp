// Gradient tracking (update-tracking form) on the quadratic reference
// problem: no heterogeneity bias (its trajectory: oracle_test.cpp).
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

} // namespace

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
