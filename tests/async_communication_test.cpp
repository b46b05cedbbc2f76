// The asynchronous algorithms have no closed-form trajectory, so their
// communication is checked by where it must take the agents on the
// heterogeneous quadratic (agent i: 0.5 ||x - c_i||^2): alone, every agent
// goes to its own centre c_i; communicating, every agent must end far closer
// to the consensus the mixing implies than to its own centre:
//   - doubly-stochastic mixing (Gossip Learning's symmetric merges on the
//     complete graph, dpsgd-periodic's Metropolis-Hastings weights, DRACO on
//     a ring where every row is 1/3): the global optimum, the mean of the c_i;
//   - DRACO's row-stochastic 1/(1+m) weights on a graph of unequal degrees:
//     the fixed point of x <- W x + u weighs agent i's centre by the
//     stationary distribution of W, pi_i proportional to deg_i + 1.
#include "actors/runtime.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace murmur;

namespace {

constexpr std::size_t agents = 8;

std::vector<vec> final_models(const std::vector<std::string>& sets,
                              round_t seconds) {
  auto exp = testing::quadratic_experiment(agents, seconds, sets);
  testing::row_recorder rec;
  run_actors(*exp, rec, 2);
  std::vector<vec> models;
  for (auto& a : rec.agents)
    models.push_back(*a.model);
  return models;
}

/// Every agent ends within `share` of the centres' spread around `target`
/// (the largest ||c_i - target||), and every agent whose own centre lies
/// beyond half that spread ends nearer `target` than its centre by the same
/// share: alone, those agents would end a whole spread away.
void check_near(const std::vector<vec>& models, const vec& target,
                double share) {
  auto centres = testing::quadratic_centres(agents);
  REQUIRE(models.size() == agents);
  std::vector<double> alone;
  for (std::size_t i = 0; i < agents; ++i)
    alone.push_back(
      (centres.row(static_cast<Eigen::Index>(i)).transpose() - target).norm());
  double spread = *std::max_element(alone.begin(), alone.end());
  REQUIRE(spread > 1);
  for (std::size_t i = 0; i < agents; ++i) {
    double got = (models[i] - target).norm();
    CAPTURE(i);
    CAPTURE(alone[i]);
    CAPTURE(got);
    CHECK(got < share * spread);
    if (alone[i] > spread / 2)
      CHECK(got < share * alone[i]);
  }
}

std::vector<std::string> draco_sets(const std::string& graph) {
  return {"algorithm.name=draco", "clock.kind=virtual",
          "run.eval_seconds=10",  "run.time_budget=200",
          "optimizer.lr=0.003",   "topology.kind=" + graph};
}

} // namespace

TEST_CASE("gossip learning takes every agent to the global optimum, not "
          "its own") {
  auto sets = testing::round_gossip_sets("gossip-learning", "complete");
  sets.push_back("optimizer.lr=0.01");
  auto models = final_models(sets, 200);
  check_near(models, testing::quadratic_optimum(agents), 0.35);
}

TEST_CASE("dpsgd-periodic takes every agent to the global optimum, not its "
          "own") {
  auto sets = testing::round_gossip_sets("dpsgd-periodic", "ring");
  sets.push_back("optimizer.lr=0.01");
  auto models = final_models(sets, 200);
  check_near(models, testing::quadratic_optimum(agents), 0.35);
}

TEST_CASE("draco on a ring takes every agent to the global optimum, not its "
          "own") {
  auto models = final_models(draco_sets("ring"), 200);
  check_near(models, testing::quadratic_optimum(agents), 0.1);
}

TEST_CASE("draco's row-stochastic mixing is biased towards the consensus "
          "weighted by degree + 1") {
  auto sets = draco_sets("erdos-renyi");
  sets.push_back("topology.probability=0.4");
  // Broadcasts far more often than compute cycles, so that most mixing
  // steps hear from every neighbour: W's rows are then 1/(deg_i + 1).
  sets.push_back("algorithm.comm_rate=1000");
  auto exp = testing::quadratic_experiment(agents, 200, sets);
  auto& g = exp->comm.phases[0];
  auto centres = testing::quadratic_centres(agents);
  vec weighted = vec::Zero(testing::quadratic_dim);
  double total = 0;
  std::size_t low = agents, high = 0;
  for (agent_id i = 0; i < agents; ++i) {
    auto pi = static_cast<double>(g.in[i].size() + 1);
    low = std::min(low, g.in[i].size());
    high = std::max(high, g.in[i].size());
    weighted += static_cast<float>(pi) *
                centres.row(static_cast<Eigen::Index>(i)).transpose();
    total += pi;
  }
  weighted /= static_cast<float>(total);
  REQUIRE(low < high); // unequal degrees, else the two consensuses coincide
  vec uniform = testing::quadratic_optimum(agents);
  double apart = (weighted - uniform).norm();
  REQUIRE(apart > 0.05);
  auto models = final_models(sets, 200);
  check_near(models, weighted, 0.1);
  // The agents' mean moves from the optimum most of the way towards the
  // weighted consensus (alone, it would sit exactly on the optimum). Not
  // all of the way: a mixing step averages the neighbours heard from since
  // the last one, sometimes fewer than all, which flattens the weights.
  vec mean = vec::Zero(testing::quadratic_dim);
  for (auto& m : models)
    mean += m;
  mean /= static_cast<float>(agents);
  vec towards = weighted - uniform;
  double moved = (mean - uniform).dot(towards) / towards.squaredNorm();
  CAPTURE(moved);
  CHECK(moved > 0.5);
  CHECK(moved < 1.1);
}
