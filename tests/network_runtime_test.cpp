// The flow model in the runtime: transfers of the actors (virtual clock) and
// of the lock-step loop share links as core/time/flow_network says, and stop
// when an agent goes offline, against closed forms.
#include "actors/runtime.hpp"
#include "core/run/lockstep.hpp"
#include "tests/problems.hpp"
#include "tests/scratch.hpp"

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

TEST_CASE("an agent going offline stops its transfers and frees its uplink "
          "share, and transfers to it then fail at once") {
  // Three agents, complete graph, dpsgd-periodic with 10 s rounds whose
  // 2 x 0.125 s training ends at t = 0.25, 10.25, 20.25: each agent then
  // sends its model (M = 56 bytes) to both others through an 8 byte/s
  // uplink, 4 byte/s per copy. Agent 2 goes offline for good at t = 2.25,
  // 8 bytes into each of its transfers and of those to it: they stop. Agent
  // 0's copy to agent 1 then has the whole uplink: its last 48 bytes land at
  // 2.25 + 6 = 8.25 (not 14.25), in time for the mix at t = 10. Agent 2's
  // models never arrive. From then on a copy sent to agent 2 fails at once,
  // so the one to agent 1 has the whole uplink again: sent at 10.25, it
  // lands at 17.25, in time for the mix at t = 20 (sharing the uplink with
  // a copy to nobody, it would land at 24.25, after it).
  testing::scratch_dir dir{"offline-transfers"};
  auto trace = dir.write("avail.csv", "0,0,1000\n"
                                      "1,0,1000\n"
                                      "2,0,2.25\n");
  auto run = [&](std::size_t threads) {
    auto exp = testing::quadratic_experiment(
      3, 10,
      {"algorithm.name=dpsgd-periodic", "algorithm.period=10",
       "algorithm.local_steps=2", "cost.step_seconds=0.125",
       "clock.kind=virtual", "run.time_budget=29", "run.eval_seconds=1",
       "topology.kind=complete", "network.latency=0", "network.uplink=8",
       "churn.kind=trace", "churn.trace=\"" + trace.string() + "\""});
    exp->online = std::make_unique<availability>(
      make_availability(exp->cfg.churn, 3, 29, exp->cfg.seed));
    testing::row_recorder c;
    run_actors(*exp, c, threads);
    return c;
  };
  auto c = run(2);
  REQUIRE(c.agents.size() == 3);
  REQUIRE(wire_bytes(payload{
            std::make_shared<vec>(vec::Zero(testing::quadratic_dim))}) == 56);
  for (auto& row : c.rows) {
    CAPTURE(row.time_seconds);
    if (row.time_seconds < 9.5)
      CHECK(row.messages_delivered == 0);
    else if (row.time_seconds > 10.5 && row.time_seconds < 19.5)
      CHECK(row.messages_delivered == 2); // 0 <- 1 and 1 <- 0, mixed at 10
    else if (row.time_seconds > 20.5)
      CHECK(row.messages_delivered == 4); // and again at 20
  }
  CHECK(c.agents[0].messages_delivered == 2);
  CHECK(c.agents[1].messages_delivered == 2);
  // Senders are charged what left: agent 2 sent 8 bytes of each copy;
  // agents 0 and 1 one whole model and 8 bytes at t = 0.25, then one whole
  // model at t = 10.25 and one at t = 20.25 (the copies to agent 2 failed).
  CHECK(c.agents[2].bytes_sent == 16);
  CHECK(c.agents[0].bytes_sent == 56 + 8 + 56 + 56);
  CHECK(c.agents[1].bytes_sent == c.agents[0].bytes_sent);
  // Deterministic: the same with one thread.
  auto one = run(1);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(one.agents[i].bytes_sent == c.agents[i].bytes_sent);
    CHECK(one.agents[i].messages_delivered == c.agents[i].messages_delivered);
    CHECK(one.agents[i].bytes_received == c.agents[i].bytes_received);
  }
}

TEST_CASE("transfers to an agent back online go through again") {
  // As above, but agent 2 is back at t = 12. The copies sent to it at
  // t = 10.25 fail; those sent at t = 20.25 and 30.25 go through. Each
  // survivor's uplink (8 byte/s): from 20.25 two copies at 4 byte/s (40
  // bytes each by 30.25), from 30.25 four at 2 byte/s (the old two finish
  // at 38.25), from 38.25 two at 4 byte/s until the budget ends at 39.
  // Agent 2 thus receives, from each survivor, 56 + 16 + 3 = 75 bytes after
  // its return and 8 before it left. (Back online, it adopts the first
  // model that arrives, at 38.25, before training again: it sends nothing
  // more.)
  testing::scratch_dir dir{"rejoin-transfers"};
  auto trace = dir.write("avail.csv", "0,0,1000\n"
                                      "1,0,1000\n"
                                      "2,0,2.25\n"
                                      "2,12,1000\n");
  auto exp = testing::quadratic_experiment(
    3, 10,
    {"algorithm.name=dpsgd-periodic", "algorithm.period=10",
     "algorithm.local_steps=2", "cost.step_seconds=0.125", "clock.kind=virtual",
     "run.time_budget=39", "run.eval_seconds=1", "topology.kind=complete",
     "network.latency=0", "network.uplink=8", "churn.kind=trace",
     "churn.trace=\"" + trace.string() + "\""});
  exp->online = std::make_unique<availability>(
    make_availability(exp->cfg.churn, 3, 39, exp->cfg.seed));
  testing::row_recorder c;
  run_actors(*exp, c, 2);
  REQUIRE(c.agents.size() == 3);
  CHECK(c.agents[2].bytes_received == 2 * (8 + 56 + 16 + 3));
  // Survivors: 56 + 8 at 0.25, 56 at 10.25, 2 x 56 at 20.25 and at 30.25.
  CHECK(c.agents[0].bytes_sent == 56 + 8 + 56 + 2 * 56 + 2 * 56);
  CHECK(c.agents[1].bytes_sent == c.agents[0].bytes_sent);
  CHECK(c.agents[2].bytes_sent == 16);
}
