// DRACO: row-stochastic weights over what arrived, the arrival buffer
// (capacity, newest per sender, staleness), and the asynchronous runtime:
// consensus on the quadratic, determinism across threads, stragglers that
// slow only their own compute clock.
#include "actors/runtime.hpp"
#include "core/algorithms/async.hpp"
#include "core/algorithms/mixing_ops.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/problems.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

using namespace murmur;

namespace {

payload constant(float v) {
  return payload{std::make_shared<vec>(vec::Constant(3, v))};
}

double row_sum(const mixing_row& w) {
  return std::accumulate(w.weights.begin(), w.weights.end(), w.self);
}

using capture = testing::row_recorder;

/// DRACO on the virtual clock for `seconds`, evaluated every second.
std::vector<std::string> draco_sets(round_t seconds,
                                    std::vector<std::string> extra) {
  std::vector<std::string> sets{
    "algorithm.name=draco", "clock.kind=virtual",
    "run.eval_seconds=1",   "run.time_budget=" + std::to_string(seconds),
    "optimizer.lr=0.01",    "topology.kind=ring"};
  sets.insert(sets.end(), extra.begin(), extra.end());
  return sets;
}

capture run_quadratic(std::size_t agents, round_t ticks,
                      std::vector<std::string> extra) {
  auto exp =
    testing::quadratic_experiment(agents, ticks, draco_sets(ticks, extra));
  capture c;
  run_actors(*exp, c, 2);
  return c;
}

vec average(const std::vector<agent_report>& r) {
  vec sum = vec::Zero(r.front().model->size());
  for (auto& a : r)
    sum += *a.model;
  return sum / static_cast<float>(r.size());
}

} // namespace

TEST_CASE("draco's mixing weights are row-stochastic over what arrived") {
  std::vector<inbox> cases{
    {},
    {{1, constant(3)}, {2, constant(6)}, {5, constant(9)}},
    {{1, constant(3)}, {2, payload{}}, {5, constant(9)}},   // 2 lost
    {{1, constant(3)}, {2, constant(6)}, {1, constant(9)}}, // 1 twice
    {{4, payload{}}, {7, payload{}}},                       // all lost
  };
  // Expected mix of self (= 0) with the counted messages.
  std::vector<float> expected{0, 18.f / 4, 12.f / 3, 15.f / 3, 0};
  std::vector<double> self_weight{1, 0.25, 1. / 3, 1. / 3, 1};
  for (std::size_t c = 0; c < cases.size(); ++c) {
    CAPTURE(c);
    auto w = row_stochastic_weights(cases[c]);
    REQUIRE(w.weights.size() == cases[c].size());
    CHECK(row_sum(w) == doctest::Approx(1).epsilon(1e-12));
    CHECK(w.self == doctest::Approx(self_weight[c]));
    for (std::size_t k = 0; k < cases[c].size(); ++k)
      if (!cases[c][k].msg.data)
        CHECK(w.weights[k] == 0);
    vec out(3);
    mix_into(out, vec::Zero(3), w, cases[c]);
    CHECK(out[0] == doctest::Approx(expected[c]));
  }
  // The duplicate sender counts once, with its last message.
  auto w = row_stochastic_weights(cases[3]);
  CHECK(w.weights[0] == 0);
  CHECK(w.weights[2] == doctest::Approx(1. / 3));
}

TEST_CASE("the arrival buffer keeps capacity, newest per sender, freshness") {
  using v = arrival_buffer::verdict;
  arrival_buffer b{2, 1.0};
  CHECK(b.offer(1, 0.0, 0.5, constant(1)) == v::accepted);
  CHECK(b.offer(1, 0.3, 0.6, constant(2)) == v::replaced);
  CHECK(b.offer(1, 0.2, 0.7, constant(3)) == v::older);
  CHECK(b.offer(2, 0.1, 0.7, constant(4)) == v::accepted);
  CHECK(b.offer(3, 0.6, 0.8, constant(5)) == v::full);
  CHECK(b.size() == 2);
  // Older than tau_max on arrival: never filed.
  CHECK(b.offer(2, 0.5, 1.6, constant(6)) == v::stale);
  // At the drain (t = 1.2) sender 2's message (sent 0.1) is too old.
  auto in = b.drain(1.2);
  REQUIRE(in.size() == 1);
  CHECK(in[0].from == 1);
  CHECK((*in[0].msg.data)[0] == 2);
  CHECK(b.size() == 0);
  // A message that went stale frees its slot for a new sender.
  CHECK(b.offer(4, 1.0, 1.1, constant(7)) == v::accepted);
  CHECK(b.offer(0, 1.5, 1.6, constant(8)) == v::accepted);
  CHECK(b.offer(5, 2.2, 2.3, constant(9)) == v::accepted); // 4 evicted
  in = b.drain(2.3);
  REQUIRE(in.size() == 2);
  CHECK(in[0].from == 0); // ordered by sender, not arrival
  CHECK(in[1].from == 5);
  // Unlimited capacity and no staleness limit.
  arrival_buffer open{0, 0};
  for (agent_id i = 0; i < 50; ++i)
    CHECK(open.offer(i, 0.0, 1e6, constant(1)) == v::accepted);
  CHECK(open.drain(2e6).size() == 50);
}

TEST_CASE("draco reaches consensus near the quadratic's optimum") {
  std::size_t n = 8;
  auto c = run_quadratic(n, 60, {});
  REQUIRE(c.rows.size() == 61);
  CHECK(c.rows.back().round == 60);
  CHECK(c.rows.back().time_seconds == doctest::Approx(60));
  auto optimum = testing::quadratic_optimum(n);
  auto start = optimum.norm(); // x^0 = 0
  CHECK((average(c.agents) - optimum).norm() < 0.05 * start);
  // A constant step size leaves a consensus gap of order lr (0.01 here).
  CHECK(c.rows.back().consensus_distance < 1e-2 * start * start);
  // Every agent computed and every broadcast was counted.
  for (auto& a : c.agents) {
    CHECK(a.steps > 400);         // about 10 per second for 60 s
    CHECK(a.messages_sent > 800); // 2 neighbours, about 10 per second
    CHECK(a.messages_delivered > 0);
  }
  // Without gossip (every message stale on arrival) agents stay apart.
  auto alone =
    run_quadratic(n, 60, {"network.latency=0.5", "algorithm.tau_max=0.1"});
  for (auto& a : alone.agents)
    CHECK(a.messages_delivered == 0);
  CHECK(alone.rows.back().consensus_distance >
        50 * c.rows.back().consensus_distance);
}

TEST_CASE("draco counts the models it mixed, not the buffer's admissions") {
  // Ten broadcasts per compute cycle: the buffer replaces each neighbour's
  // model about ten times between two mixing steps, and only the newest is
  // mixed. A mixing step uses at most one model per neighbour (2 on a ring).
  auto c = run_quadratic(8, 20, {"algorithm.comm_rate=100"});
  for (auto& a : c.agents) {
    CAPTURE(a.steps);
    CAPTURE(a.messages_delivered);
    CHECK(a.messages_delivered <= 2 * a.steps);
    CHECK(a.messages_delivered > a.steps); // mostly both neighbours
    CHECK(a.messages_sent > 5 * a.messages_delivered);
  }
}

TEST_CASE("a virtual draco run is byte-identical with 1 and 2 threads") {
  testing::scratch_dir tmp{"draco-threads"};
  auto config = [&](int threads) {
    auto c = load_config("", {"data.name=synthetic",
                              "algorithm.name=draco",
                              "clock.kind=virtual",
                              "run.agents=12",
                              "run.time_budget=6",
                              "run.rounds=2",
                              "run.eval_seconds=1",
                              "optimizer.lr=0.2",
                              "topology.kind=random-geometric",
                              "topology.radius=0.5",
                              "cost.speed=lognormal",
                              "cost.step_seconds=0.1",
                              "network.latency=0.005",
                              "network.uplink=1e5",
                              "network.downlink=2e5",
                              "algorithm.psi=2",
                              "algorithm.tau_max=0.5",
                              "algorithm.erasure=0.2",
                              "stragglers.delay=exponential",
                              "stragglers.delay_mean=0.02",
                              "run.output=\"" + tmp.path().string() + "\"",
                              "run.name=d"});
    c.run.threads = threads;
    return c;
  };
  auto a = run_experiment(config(1), false);
  auto b = run_experiment(config(2), false);
  auto csv = testing::slurp(a.folder / "metrics.csv");
  CHECK(a.rows.size() == 7); // t = 0..6 s, whatever run.rounds says
  CHECK(csv == testing::slurp(b.folder / "metrics.csv"));
  CHECK(testing::slurp(a.folder / "agents.csv") ==
        testing::slurp(b.folder / "agents.csv"));
  CHECK(a.rows.back().test_accuracy > a.rows.front().test_accuracy + 0.3);
}

TEST_CASE("slowing one agent slows its compute clock, not its broadcasts") {
  std::size_t n = 6;
  auto fast = run_quadratic(n, 20, {});
  auto slow = run_quadratic(n, 20, {"stragglers.events=[\"at 1s slow 3 5x\"]"});
  REQUIRE(fast.agents.size() == n);
  REQUIRE(slow.agents.size() == n);
  // About 10 steps in the first second, then a fifth of the rate.
  CHECK(slow.agents[3].steps < 0.4 * fast.agents[3].steps);
  for (std::size_t i = 0; i < n; ++i) {
    CAPTURE(i);
    // Broadcast clocks are independent of compute: identical counts.
    CHECK(slow.agents[i].messages_sent == fast.agents[i].messages_sent);
    CHECK(slow.agents[i].bytes_sent == fast.agents[i].bytes_sent);
    if (i != 3) // the others' compute clocks did not move either
      CHECK(slow.agents[i].steps == fast.agents[i].steps);
  }
}

TEST_CASE("asynchronous algorithms need a time budget") {
  auto err =
    testing::error_of([] { load_config("", {"algorithm.name=draco"}); });
  CHECK(err.find("run.time_budget") == 0);
  err = testing::error_of([] {
    load_config(
      "", {"algorithm.name=draco", "run.time_budget=5", "run.engine=lockstep"});
  });
  CHECK(err.find("run.engine") == 0);
  err = testing::error_of([] {
    load_config(
      "", {"algorithm.name=draco", "run.time_budget=5", "algorithm.erasure=1"});
  });
  CHECK(err.find("algorithm.erasure") == 0);
}

TEST_CASE("rayleigh outage follows the formula and grows with distance") {
  CHECK(rayleigh_outage(0, 1, 3, 1) == 0);
  CHECK(rayleigh_outage(0.5, 2, 3, 4) ==
        doctest::Approx(1 - std::exp(-2 * 0.125 / 4)));
  CHECK(rayleigh_outage(0.2, 1, 3, 0.1) < rayleigh_outage(0.4, 1, 3, 0.1));
  topology t;
  t.positions = {{0, 0}, {0.3, 0.4}};
  async_schedule s;
  s.erasure = 0.25;
  CHECK(delivery_loss(s, t, 0, 1) == 0.25);
  s.channel = channel_model::rayleigh;
  s.mean_snr = 0.5;
  CHECK(delivery_loss(s, t, 0, 1) ==
        doctest::Approx(1 - std::exp(-std::pow(0.5, 3) / 0.5)));
}

TEST_CASE("deliveries are lost at the channel's rate") {
  auto delivered_fraction = [](const capture& c) {
    double sent = 0;
    double kept = 0;
    for (auto& a : c.agents) {
      sent += static_cast<double>(a.messages_sent);
      kept += static_cast<double>(a.messages_delivered);
    }
    return kept / sent;
  };
  // No latency, no psi, no tau_max, and mixing 100x as often as anyone
  // broadcasts, so no model waits long enough to be replaced by a newer
  // one: every delivery that is not lost is mixed (but the last few).
  std::vector<std::string> rare{"algorithm.compute_rate=500",
                                "algorithm.comm_rate=5"};
  CHECK(delivered_fraction(run_quadratic(8, 20, rare)) ==
        doctest::Approx(1).epsilon(0.02));
  auto lossy = rare;
  lossy.push_back("algorithm.erasure=0.3");
  CHECK(delivered_fraction(run_quadratic(8, 20, lossy)) ==
        doctest::Approx(0.7).epsilon(0.05));
  std::vector<std::string> fading{
    "topology.kind=random-geometric", "topology.radius=0.6",
    "algorithm.channel=rayleigh",     "algorithm.mean_snr=0.05",
    "algorithm.compute_rate=500",     "algorithm.comm_rate=5"};
  auto exp = testing::quadratic_experiment(8, 20, draco_sets(20, fading));
  double loss = 0;
  std::size_t links = 0;
  auto& g = exp->comm.phases[0];
  for (agent_id i = 0; i < 8; ++i)
    for (auto j : g.out[i]) {
      loss += delivery_loss(exp->asynchronous()->schedule, exp->comm, i, j);
      ++links;
    }
  loss /= static_cast<double>(links);
  CHECK(loss > 0.2); // the channel matters at this SNR
  capture c;
  run_actors(*exp, c, 1);
  CHECK(delivered_fraction(c) == doctest::Approx(1 - loss).epsilon(0.08));
  // Rayleigh needs positions.
  auto err = testing::error_of([] {
    testing::quadratic_experiment(
      4, 5, draco_sets(5, {"algorithm.channel=rayleigh"}));
  });
  CHECK(err.find("algorithm.channel") == 0);
}

TEST_CASE("draco runs on the real clock and stops at its time budget") {
  testing::scratch_dir tmp{"draco-real"};
  auto cfg = load_config(
    "", {"data.name=synthetic", "algorithm.name=draco", "clock.kind=real",
         "run.agents=4", "run.time_budget=0.6", "run.eval_seconds=0.2",
         "algorithm.compute_rate=200", "algorithm.comm_rate=100",
         "optimizer.lr=0.2", "run.threads=2",
         "run.output=\"" + tmp.path().string() + "\"", "run.name=r"});
  auto r = run_experiment(cfg, false);
  REQUIRE(r.rows.size() >= 3);
  CHECK(r.rows.back().time_seconds >= 0.6);
  CHECK(r.rows.back().time_seconds < 5);
  CHECK(r.rows.back().bytes_sent > 0);
  CHECK(r.rows.back().test_accuracy > r.rows.front().test_accuracy + 0.2);
}

TEST_CASE("draco's local steps lengthen its compute cycle") {
  // compute_rate counts local steps: 4 per cycle make cycles 4x longer, so
  // about 10 steps per second either way (not 40 for free).
  auto one = run_quadratic(4, 60, {});
  auto four = run_quadratic(4, 60, {"algorithm.local_steps=4"});
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(four.agents[i].steps % 4 == 0);
    CHECK(four.agents[i].steps > 450);
    CHECK(four.agents[i].steps < 750);
    CHECK(one.agents[i].steps > 450);
    CHECK(one.agents[i].steps < 750);
  }
}

TEST_CASE("a killed draco agent leaves, the others go on") {
  std::size_t n = 6;
  auto c = run_quadratic(n, 20, {"stragglers.events=[\"at 2.5s kill 3\"]"});
  REQUIRE(c.rows.size() == 21); // every tick evaluated, without agent 3
  CHECK(c.rows.back().round == 20);
  REQUIRE(c.agents.size() == n);
  CHECK(c.agents[3].steps < 40); // about 10 per second for 2.5 s
  for (std::size_t i = 0; i < n; ++i)
    if (i != 3)
      CHECK(c.agents[i].steps > 150);
}

TEST_CASE("draco's learning-rate schedule spans the steps of its budget") {
  auto exp = testing::quadratic_experiment(
    4, 5,
    draco_sets(5, {"algorithm.compute_rate=20", "algorithm.local_steps=2"}));
  CHECK(schedule_horizon(*exp) == 100); // 20 steps/s x 5 s, in cycles of 2
  auto rounds = testing::quadratic_experiment(
    4, 5, testing::round_gossip_sets("gossip-learning", "complete"));
  CHECK(schedule_horizon(*rounds) == 400); // 200 rounds of 1 s x 2 steps
  auto sync = testing::quadratic_experiment(4, 7, {"optimizer.lr=0.1"});
  CHECK(schedule_horizon(*sync) == 7);
}
