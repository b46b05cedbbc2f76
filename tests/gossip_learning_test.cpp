// Gossip Learning: the age-weighted merge then training of a received model,
// and runs on the asynchronous runtime against the reference's timing
// (sacs-epfl/plexus, dlsim/gl/community.py): one send per period to one
// online peer, a training on each receipt and only then.
#include "actors/runtime.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/problems.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

using namespace murmur;

namespace {

std::vector<std::string> gossip_sets() {
  return testing::round_gossip_sets("gossip-learning", "complete");
}

payload aged(float value, std::int64_t age) {
  return payload{
    std::make_shared<vec>(vec::Constant(testing::quadratic_dim, value)), age};
}

} // namespace

TEST_CASE("gossip learning merges models weighted by their age") {
  auto exp = testing::quadratic_experiment(4, 10, gossip_sets());
  auto [ctx, algo] = make_agent(*exp, 0);
  auto hood = exp->hood(0, 0);
  // Own age 0: the first model (age 3) replaces it; then a younger one
  // (age 1) weighs 1 / (1 + 3).
  algo->combine(ctx, 0, hood,
                {{1, aged(4, 3)}, {2, payload{}}, {3, aged(0, 1)}});
  CHECK(ctx.x()[0] == doctest::Approx(3));
  auto box = algo->publish(ctx, 0, hood);
  CHECK(box.items.front().count == 3); // the age is the older one's
  algo->before_send(ctx, 0, hood);
  CHECK(algo->publish(ctx, 0, hood).items.front().count == 5); // + 2 steps
}

TEST_CASE("gossip learning merges a received model, then trains the merge") {
  auto exp = testing::quadratic_experiment(4, 10, gossip_sets());
  auto hood = exp->hood(0, 0);
  auto [ctx, algo] = make_agent(*exp, 0);
  auto [twin, twin_algo] = make_agent(*exp, 0);
  algo->before_send(ctx, 0, hood); // age 2
  twin_algo->before_send(twin, 0, hood);
  REQUIRE(twin.x() == ctx.x());
  vec own = ctx.x();
  // On receipt (age 6): merge, then train the merged model.
  algo->combine(ctx, 1, hood, {{1, aged(4, 6)}});
  algo->before_send(ctx, 1, hood);
  CHECK(algo->publish(ctx, 1, hood).items.front().count == 8); // max + 2
  // The same by hand: (2 x + 6 x_j) / 8, then the twin's same two steps.
  auto merged = std::make_shared<vec>(
    (2 * own + 6 * vec::Constant(testing::quadratic_dim, 4)) / 8);
  twin.set_model(merged);
  twin_algo->before_send(twin, 1, hood);
  CHECK((ctx.x() - twin.x()).norm() < 1e-6f);
  // Training first and merging after would give another model.
  auto [other, other_algo] = make_agent(*exp, 0);
  other_algo->before_send(other, 0, hood);
  other_algo->before_send(other, 1, hood);
  vec trained_first =
    (2 * other.x() + 6 * vec::Constant(testing::quadratic_dim, 4)) / 8;
  CHECK((ctx.x() - trained_first).norm() > 1e-3f);
}

TEST_CASE("gossip learning sends every period and trains on each receipt") {
  // Two agents: each one's only peer is the other, so every send at
  // t = 1, 2, ... s reaches the other at once, which merges and trains
  // 2 x 0.125 s: steps land at t = 1.25, 2.25, ... A Poisson send clock
  // would miss these counts.
  auto exp = testing::quadratic_experiment(
    2, 10, testing::timed_gossip_sets("gossip-learning", "complete"));
  testing::row_recorder c;
  run_actors(*exp, c, 2);
  REQUIRE(c.rows.size() == 61);
  for (auto& row : c.rows) {
    double t = row.time_seconds;
    CAPTURE(t);
    if (!testing::at_event(t, 1, 1)) {
      CHECK(row.messages_sent == 2 * testing::events_by(t, 1, 1));
      CHECK(row.messages_delivered == 2 * testing::events_by(t, 1, 1));
    }
    CHECK(row.local_steps == 2 * 2 * testing::events_by(t, 1.25, 1));
  }
}

TEST_CASE("gossip learning sends to one peer per period and learns") {
  std::size_t n = 8;
  auto exp = testing::quadratic_experiment(n, 10, gossip_sets());
  testing::row_recorder c;
  run_actors(*exp, c, 2);
  REQUIRE(c.agents.size() == n);
  for (auto& a : c.agents) {
    // One send per 1 s period, at t = 1, ..., 199 before the run ends at
    // 200 s, each to a single peer (the complete graph would otherwise give
    // 7 deliveries per send).
    CHECK(a.messages_sent == 199);
    // A training of 2 x 0.1 s merges at least one model that arrived, and
    // only trainings count as compute.
    CHECK(a.steps % 2 == 0);
    CHECK(a.steps > 0);
    CHECK(a.steps <= 2 * a.messages_delivered);
    CHECK(a.busy_seconds == doctest::Approx(0.1 * a.steps));
  }
  CHECK(c.rows.back().test_loss < 0.5 * c.rows.front().test_loss);
}

TEST_CASE("gossip learning under churn: offline agents neither send nor "
          "report a model") {
  testing::scratch_dir dir{"gossip-churn"};
  // Agent i replays device i mod 4; edges fall between evaluation ticks.
  auto trace = dir.write("avail.csv", "0,0,1000\n"
                                      "1,0,45\n"
                                      "1,95,1000\n"
                                      "2,25,1000\n"
                                      "3,0,1000\n");
  auto sets = gossip_sets();
  sets.push_back("churn.kind=trace");
  sets.push_back("churn.trace=\"" + trace.string() + "\"");
  std::size_t n = 8;
  auto exp = testing::quadratic_experiment(n, 10, sets);
  exp->online = std::make_unique<availability>(
    make_availability(exp->cfg.churn, n, 200, exp->cfg.seed));
  testing::row_recorder c;
  run_actors(*exp, c, 2);
  REQUIRE(c.rows.size() == 21);
  for (auto& row : c.rows)
    CHECK(row.online_agents == exp->online->online_count(row.time_seconds));
  CHECK(c.rows[5].online_agents == 6); // t = 50: devices 1 off
  // Agents 1 and 5 were away from t = 45 (before that instant's send) to
  // 95, and their send clock restarted on return: sends at t = 1..44 and
  // 96..199, 148 where the others made 199.
  CHECK(c.agents[0].messages_sent == 199);
  CHECK(c.agents[1].messages_sent == 148);
  CHECK(c.agents[1].busy_seconds < 0.85 * c.agents[0].busy_seconds);
  CHECK(c.rows.back().test_loss < 0.5 * c.rows.front().test_loss);
}

TEST_CASE("virtual gossip-learning and dpsgd-periodic runs are "
          "byte-identical with 1 and 2 threads") {
  testing::scratch_dir tmp{"round-gossip-threads"};
  for (std::string name : {"gossip-learning", "dpsgd-periodic"}) {
    CAPTURE(name);
    auto config = [&](int threads) {
      auto c = load_config(
        "",
        {"data.name=synthetic", "algorithm.name=" + name,
         "algorithm.period=0.5", "algorithm.local_steps=3",
         "clock.kind=virtual", "run.agents=12", "run.time_budget=6",
         "run.eval_seconds=1", "optimizer.lr=0.2",
         "topology.kind=random-regular", "topology.degree=4",
         "cost.speed=lognormal", "cost.step_seconds=0.05",
         "network.latency=0.005", "network.uplink=1e5", "network.downlink=2e5",
         "run.output=\"" + tmp.path().string() + "\"", "run.name=" + name});
      c.run.threads = threads;
      return c;
    };
    auto a = run_experiment(config(1), false);
    auto b = run_experiment(config(2), false);
    CHECK(a.rows.size() == 7);
    CHECK(testing::slurp(a.folder / "metrics.csv") ==
          testing::slurp(b.folder / "metrics.csv"));
    CHECK(testing::slurp(a.folder / "agents.csv") ==
          testing::slurp(b.folder / "agents.csv"));
    CHECK(a.rows.back().messages_sent > 0);
  }
}
