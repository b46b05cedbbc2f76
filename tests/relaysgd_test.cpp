// RelaySum/RelaySGD (NeurIPS 2021): the mechanism on its own (distributed
// mean estimation, lost messages), the learning-rate correction, RelaySGD on
// the quadratic, and actors against lock-step for the three algorithms of
// relaysgd.cpp, gradient_tracking.cpp and detag.cpp.
#include "actors/runtime.hpp"
#include "core/algorithms/relay_sum.hpp"
#include "core/run/lockstep.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <limits>

using namespace murmur;

namespace {

std::vector<graph> named_trees(relay_tree kind, std::size_t n) {
  topology none;
  none.name = "unused";
  none.phases.push_back(undirected_graph(n, {}));
  return relay_trees(kind, none);
}

/// A distinct vector per agent; their sum is what RelaySum must deliver.
vec agent_value(agent_id i, std::size_t d) {
  vec v(static_cast<Eigen::Index>(d));
  for (std::size_t j = 0; j < d; ++j)
    v[static_cast<Eigen::Index>(j)] =
      static_cast<float>(i * i) + 0.5f * static_cast<float>(j) + 1;
  return v;
}

struct mean_estimation {
  mean_estimation(const std::vector<graph>& trees, std::size_t d)
    : comm(tree_union(trees)) {
    for (agent_id i = 0; i < comm.size(); ++i) {
      nodes.emplace_back(tree_peers(trees, i), d);
      values.push_back(agent_value(i, d));
    }
  }

  /// u = 0 and x_ref = 0: every agent keeps relaying its own value.
  void step() {
    std::vector<outbox> out;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      out.push_back(nodes[i].publish(values[i], 1));
    auto in = deliver(comm, out);
    for (std::size_t i = 0; i < nodes.size(); ++i)
      nodes[i].receive(in[i]);
  }

  /// Own plus received value of agent i.
  vec sum_at(std::size_t i) const {
    vec s = values[i];
    for (std::size_t t = 0; t < nodes[i].trees(); ++t)
      nodes[i].add_received(t, tree_slice(s, t, nodes[i].trees()));
    return s;
  }

  std::int64_t fewest_heard() const {
    std::int64_t least = std::numeric_limits<std::int64_t>::max();
    for (auto& node : nodes)
      for (std::size_t t = 0; t < node.trees(); ++t)
        least = std::min(least, 1 + node.received_count(t));
    return least;
  }

  graph comm;
  std::vector<relay_node> nodes;
  std::vector<vec> values;
};

std::size_t tree_diameter(const std::vector<graph>& trees) {
  std::size_t d = 0;
  for (auto& t : trees)
    d = std::max(d, diameter(t));
  return d;
}

void run(lockstep& loop, round_t rounds) {
  while (loop.rounds_done() < rounds)
    loop.run_round();
}

double worst_distance(const lockstep& loop, std::size_t agents,
                      const vec& target) {
  double worst = 0;
  for (agent_id i = 0; i < agents; ++i)
    worst =
      std::max(worst, static_cast<double>((loop.agent(i).x() - target).norm()));
  return worst;
}

} // namespace

TEST_CASE("RelaySum mean estimation is exact after a tree diameter of steps") {
  const std::size_t d = 5;
  for (auto kind :
       {relay_tree::chain, relay_tree::binary, relay_tree::double_binary})
    for (std::size_t n : {7, 16}) {
      CAPTURE(to_string(kind));
      CAPTURE(n);
      auto trees = named_trees(kind, n);
      mean_estimation m{trees, d};
      vec total = vec::Zero(d);
      for (auto& v : m.values)
        total += v;
      auto diam = tree_diameter(trees);
      for (std::size_t s = 1; s < diam; ++s) {
        m.step();
        CHECK(m.fewest_heard() < static_cast<std::int64_t>(n));
      }
      // Exact from step `diameter` on, and it stays exact (steady state).
      for (int extra = 0; extra < 3; ++extra) {
        m.step();
        CHECK(m.fewest_heard() == static_cast<std::int64_t>(n));
        for (std::size_t i = 0; i < n; ++i)
          CHECK((m.sum_at(i) - total).norm() < 1e-5f * total.norm());
      }
    }
}

TEST_CASE("RelaySum does not relay a lost message and drops its counter") {
  auto trees = named_trees(relay_tree::chain, 4);
  mean_estimation m{trees, 1};
  std::vector<outbox> out;
  for (std::size_t i = 0; i < 4; ++i)
    out.push_back(m.nodes[i].publish(m.values[i], 1));
  auto in = deliver(m.comm, out);
  in[1][0].msg.data = nullptr; // 0 -> 1 lost
  for (std::size_t i = 0; i < 4; ++i)
    m.nodes[i].receive(in[i]);
  CHECK(m.nodes[1].received_count(0) == 1); // only from 2
  m.step();
  // Agent 2 hears from 1 (itself and nothing from 0) and from 3.
  CHECK(m.nodes[2].received_count(0) == 2);
  CHECK(m.sum_at(2)[0] ==
        doctest::Approx(m.values[1][0] + m.values[2][0] + m.values[3][0]));
  m.step();
  CHECK(m.nodes[2].received_count(0) == 3);
}

TEST_CASE("RelaySGD lr correction from the impulse experiment (2.7 table)") {
  relay_options opts;
  auto chain =
    relay_correction_factors(named_trees(relay_tree::chain, 16), opts);
  auto binary =
    relay_correction_factors(named_trees(relay_tree::binary, 16), opts);
  auto doubled =
    relay_correction_factors(named_trees(relay_tree::double_binary, 16), opts);
  MESSAGE("16-node chain " << chain[0] << ", binary " << binary[0]
                           << ", double binary " << doubled[0] << " / "
                           << doubled[1]);
  CHECK(chain[0] == doctest::Approx(5.4).epsilon(0.05));
  CHECK(binary[0] == doctest::Approx(3.3).epsilon(0.05));
  REQUIRE(doubled.size() == 2);
  CHECK(doubled[0] == doctest::Approx(binary[0]).epsilon(1e-4));
  CHECK(doubled[1] == doctest::Approx(binary[0]).epsilon(1e-4));
  CHECK(relay_correction_factors(named_trees(relay_tree::chain, 8), opts)[0] ==
        doctest::Approx(2.75).epsilon(0.05));
  // RelaySum/Grad loses no mass, so it needs no correction.
  opts.variant = relay_variant::grad;
  CHECK(relay_correction_factors(named_trees(relay_tree::chain, 16), opts)[0] ==
        doctest::Approx(1).epsilon(1e-4));
}

TEST_CASE("RelaySGD bfs tree needs a connected graph and names topology.kind") {
  topology islands;
  islands.name = "islands";
  islands.phases.push_back(undirected_graph(4, {{0, 1}, {2, 3}}));
  CHECK_THROWS_WITH_AS(relay_trees(relay_tree::bfs, islands),
                       doctest::Contains("topology.kind"), input_error);
}

TEST_CASE("RelaySGD on the quadratic reaches the optimum on every tree") {
  const std::size_t n = 8;
  const round_t rounds = 600;
  vec optimum = testing::quadratic_optimum(n);
  for (std::string tree : {"bfs", "chain", "binary", "double-binary"})
    for (std::string variant : {"model", "grad"})
      for (std::string correction : {"none", "auto"}) {
        CAPTURE(tree);
        CAPTURE(variant);
        CAPTURE(correction);
        auto exp = testing::quadratic_experiment(
          n, rounds,
          {"algorithm.name=relaysgd", "algorithm.tree=" + tree,
           "algorithm.variant=" + variant,
           "algorithm.lr_correction=" + correction, "topology.kind=ring",
           "optimizer.lr=0.1"});
        lockstep loop{*exp};
        run(loop, rounds);
        vec mean = vec::Zero(testing::quadratic_dim);
        for (agent_id i = 0; i < n; ++i)
          mean += loop.agent(i).x() / static_cast<float>(n);
        CHECK((mean - optimum).norm() < 1e-4);
        // RelaySum/Grad never averages models: offsets picked up while the
        // relays warm up stay, so only its mean is exact.
        if (variant == "model")
          CHECK(worst_distance(loop, n, optimum) < 1e-4);
      }
}
