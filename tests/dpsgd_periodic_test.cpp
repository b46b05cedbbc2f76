// D-PSGD with a fixed round duration: its mixing over whoever was heard from
// (closed form on a ring), its sends at the end of each training as in the
// reference (sacs-epfl/plexus, dlsim/dl/community.py do_round), and runs on
// the asynchronous runtime with and without churn.
#include "actors/runtime.hpp"
#include "tests/problems.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

using namespace murmur;

namespace {

std::vector<std::string> periodic_sets() {
  return testing::round_gossip_sets("dpsgd-periodic", "ring");
}

payload filled(float value) {
  return payload{
    std::make_shared<vec>(vec::Constant(testing::quadratic_dim, value))};
}

} // namespace

TEST_CASE("dpsgd-periodic mixes the neighbours heard from, renormalised") {
  auto exp = testing::quadratic_experiment(4, 10, periodic_sets());
  auto [ctx, algo] = make_agent(*exp, 0); // in-neighbours 1 and 3, W = 1/3
  auto hood = exp->hood(0, 0);
  ctx.writable_model() = vec::Constant(testing::quadratic_dim, 2);
  // Only agent 3 was heard from: (x0/3 + x3/3) / (2/3).
  algo->combine(ctx, 0, hood, {{3, filled(8)}});
  CHECK(ctx.x()[0] == doctest::Approx(5));
  // Both, in sender order: the plain Metropolis-Hastings row.
  algo->combine(ctx, 1, hood, {{1, filled(1)}, {3, filled(0)}});
  CHECK(ctx.x()[0] == doctest::Approx(2));
  // Nobody: the model stays.
  algo->combine(ctx, 2, hood, {});
  CHECK(ctx.x()[0] == doctest::Approx(2));
}

TEST_CASE("dpsgd-periodic sends each trained model as the training ends") {
  // Rounds start at t = 0, 1, 2, ... s; each trains 2 x 0.125 s, then
  // broadcasts to both ring neighbours: sends and steps land together at
  // t = 0.25, 1.25, ..., and what was sent is mixed at the next round start.
  // A Poisson send clock would miss these counts.
  std::size_t n = 8;
  testing::row_recorder c;
  run_actors(*testing::quadratic_experiment(
               n, 10, testing::timed_gossip_sets("dpsgd-periodic", "ring")),
             c, 2);
  REQUIRE(c.rows.size() == 61);
  for (auto& row : c.rows) {
    double t = row.time_seconds;
    CAPTURE(t);
    auto trainings = testing::events_by(t, 0.25, 1);
    CHECK(row.local_steps == n * 2 * trainings);
    CHECK(row.messages_sent == n * 2 * trainings);
    if (!testing::at_event(t, 0, 1))
      CHECK(row.messages_delivered == n * 2 * testing::events_by(t, 1, 1));
  }
}

TEST_CASE("dpsgd-periodic: a command between rounds does not start one early") {
  // Scripted commands land while the agents idle between rounds (t = 0.5 s
  // and 3.7 s); a no-op slowdown must leave every round where it was.
  auto run = [](std::vector<std::string> sets) {
    testing::row_recorder c;
    run_actors(*testing::quadratic_experiment(8, 10, std::move(sets)), c, 2);
    return c.rows;
  };
  auto sets = testing::timed_gossip_sets("dpsgd-periodic", "ring");
  auto plain = run(sets);
  sets.push_back(
    "stragglers.events=[\"at 0.5s slow 0-7 1x\", \"at 3.7s slow 2 1x\"]");
  auto commanded = run(sets);
  REQUIRE(plain.size() == commanded.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    CAPTURE(plain[i].time_seconds);
    CHECK(commanded[i].local_steps == plain[i].local_steps);
    CHECK(commanded[i].messages_sent == plain[i].messages_sent);
    CHECK(commanded[i].test_loss == plain[i].test_loss);
  }
}

TEST_CASE("dpsgd-periodic runs fixed rounds, learns, and goes on under "
          "churn") {
  std::size_t n = 8;
  testing::row_recorder full;
  run_actors(*testing::quadratic_experiment(n, 10, periodic_sets()), full, 2);
  REQUIRE(full.agents.size() == n);
  for (auto& a : full.agents) {
    // Local steps only: 2 x 0.1 s per 1 s round over 200 s.
    CHECK(a.busy_seconds == doctest::Approx(0.2 * 200).epsilon(0.05));
    // A broadcast to both ring neighbours at the end of each of the 200
    // rounds' training (t = 0.2, ..., 199.2).
    CHECK(a.messages_sent == 2 * 200);
  }
  CHECK(full.rows.back().test_loss < 0.5 * full.rows.front().test_loss);

  testing::scratch_dir dir{"periodic-churn"};
  auto trace = dir.write("avail.csv", "0,0,1000\n"
                                      "1,0,45\n"
                                      "1,95,1000\n");
  auto sets = periodic_sets();
  sets.push_back("churn.kind=trace");
  sets.push_back("churn.trace=\"" + trace.string() + "\"");
  auto exp = testing::quadratic_experiment(n, 10, sets);
  exp->online = std::make_unique<availability>(
    make_availability(exp->cfg.churn, n, 200, exp->cfg.seed));
  testing::row_recorder churned;
  run_actors(*exp, churned, 2);
  for (auto& row : churned.rows)
    CHECK(row.online_agents == exp->online->online_count(row.time_seconds));
  CHECK(churned.rows[5].online_agents == 4); // t = 50: odd agents away
  CHECK(churned.agents[1].busy_seconds < 0.85 * churned.agents[0].busy_seconds);
  CHECK(churned.rows.back().test_loss < 0.5 * churned.rows.front().test_loss);
}
