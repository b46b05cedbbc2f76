// The flow model in the runtime: transfers of the actors (virtual clock) and
// of the lock-step loop share links as core/time/flow_network says, against
// closed forms.
#include "actors/runtime.hpp"
#include "core/run/lockstep.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace murmur;

namespace {

constexpr double megabyte = 1e6;

/// Runs `sets` on the quadratic both ways, returning the actors' recorder
/// and the lock-step loop's modelled seconds.
struct both_ways {
  testing::row_recorder actors;
  double lockstep_seconds = 0;
  std::uint64_t lockstep_bytes = 0;
  std::uint64_t model_bytes = 0;
};

both_ways run_both(std::size_t n, round_t rounds,
                   std::vector<std::string> sets) {
  sets.push_back("clock.kind=virtual");
  sets.push_back("cost.step_seconds=0");
  both_ways out;
  auto a = testing::quadratic_experiment(n, rounds, sets);
  out.model_bytes = wire_bytes(payload{std::make_shared<vec>(
    vec::Zero(static_cast<Eigen::Index>(a->num_params())))});
  auto end = run_actors(*a, out.actors, 2);
  REQUIRE(end.why == stop_reason::rounds);
  auto b = testing::quadratic_experiment(n, rounds, sets);
  lockstep loop{*b};
  while (loop.rounds_done() < rounds)
    loop.run_round();
  out.lockstep_seconds = loop.seconds();
  for (auto& r : loop.reports())
    out.lockstep_bytes += r.bytes_sent;
  return out;
}

} // namespace

TEST_CASE("a star's rounds last the hub's 8 uplink transfers") {
  // 9 agents, hub 0: it sends 8 models per round through its 1 MB/s uplink
  // while each leaf sends one through its own; the hub's uplink is the
  // bottleneck and never idles, so a round lasts 8 M / B on both engines.
  const round_t rounds = 20;
  auto got = run_both(9, rounds,
                      {"algorithm.name=dpsgd", "topology.kind=star",
                       "network.latency=0", "network.uplink=1e6"});
  double round = 8.0 * static_cast<double>(got.model_bytes) / megabyte;
  auto& last = got.actors.rows.back();
  CHECK(last.round == rounds);
  CHECK(last.time_seconds / rounds == doctest::Approx(round).epsilon(1e-9));
  CHECK(got.lockstep_seconds / rounds == doctest::Approx(round).epsilon(1e-9));
  // The hub's uplink carried its full share of every evaluation interval.
  CHECK(last.busiest_link_utilisation == doctest::Approx(1.0).epsilon(1e-6));
  auto& hub = got.actors.agents.front();
  CHECK(hub.network_seconds == doctest::Approx(last.time_seconds));
  CHECK(hub.bytes_received == 8 * rounds * got.model_bytes);
}

TEST_CASE("ring all-reduce: 2(n-1)/n model sizes per agent, closed-form time") {
  const std::size_t n = 6;
  const round_t rounds = 5;
  const double latency = 0.01;
  auto got = run_both(n, rounds,
                      {"algorithm.name=allreduce", "network.latency=0.01",
                       "network.uplink=1e6", "network.downlink=1e6"});
  auto m = static_cast<double>(got.model_bytes);
  auto per_round =
    static_cast<std::uint64_t>(std::llround(2.0 * (n - 1) * m / n));
  double round =
    static_cast<double>(per_round) / megabyte + 2 * (n - 1) * latency;
  auto& last = got.actors.rows.back();
  CHECK(last.bytes_sent == rounds * n * per_round);
  CHECK(got.lockstep_bytes == rounds * n * per_round);
  CHECK(last.time_seconds / rounds == doctest::Approx(round).epsilon(1e-9));
  CHECK(got.lockstep_seconds / rounds == doctest::Approx(round).epsilon(1e-9));
  for (auto& a : got.actors.agents) {
    CHECK(a.bytes_received == rounds * per_round);
    CHECK(a.network_seconds == doctest::Approx(rounds * round).epsilon(1e-9));
  }
}

TEST_CASE("all-reduce patterns: direct sends n-1 models, tree (1 + children)") {
  const std::size_t n = 7; // a full binary tree of height 2 (0; 1, 2; 3..6)
  auto run = [&](const std::string& pattern) {
    return run_both(n, 2,
                    {"algorithm.name=allreduce", "algorithm.pattern=" + pattern,
                     "network.latency=0.01", "network.uplink=1e6"});
  };
  auto direct = run("direct");
  auto m = static_cast<double>(direct.model_bytes);
  CHECK(direct.actors.rows.back().bytes_sent ==
        2 * n * (n - 1) * direct.model_bytes);
  // Every uplink sends n-1 models: (n-1) M / B + one latency a round.
  CHECK(direct.lockstep_seconds / 2 ==
        doctest::Approx((n - 1) * m / megabyte + 0.01).epsilon(1e-9));
  auto tree = run("tree");
  // Root: 2 children; 1, 2: parent + 2 children; leaves: parent only.
  CHECK(tree.actors.rows.back().bytes_sent ==
        2 * (2 + 3 + 3 + 4 * 1) * tree.model_bytes);
  // The busiest uplinks send 3 models; every transfer pays 2 x height hops.
  CHECK(tree.lockstep_seconds / 2 ==
        doctest::Approx(3 * m / megabyte + 4 * 0.01).epsilon(1e-9));
  CHECK(tree.actors.rows.back().time_seconds / 2 ==
        doctest::Approx(3 * m / megabyte + 4 * 0.01).epsilon(1e-9));
}
