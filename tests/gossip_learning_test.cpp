// Gossip Learning: the age-weighted merge, and runs on the asynchronous
// runtime (one receiver per send, fixed rounds, compute charged per round).
#include "actors/runtime.hpp"
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

TEST_CASE("gossip learning sends to one peer per round and learns") {
  std::size_t n = 8;
  auto exp = testing::quadratic_experiment(n, 10, gossip_sets());
  testing::row_recorder c;
  run_actors(*exp, c, 2);
  REQUIRE(c.agents.size() == n);
  for (auto& a : c.agents) {
    // Poisson sends at one per second for 200 s, each to a single peer
    // (the complete graph would otherwise give 7 deliveries per send).
    CHECK(a.messages_sent > 140);
    CHECK(a.messages_sent < 260);
    // Only the local steps count: 2 x 0.1 s per 1 s round.
    CHECK(a.busy_seconds == doctest::Approx(0.2 * 200).epsilon(0.05));
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
  // Agents 1 and 5 were away 50 s of 200: they sent about a quarter less.
  CHECK(c.agents[1].messages_sent < c.agents[0].messages_sent);
  CHECK(c.agents[1].busy_seconds < 0.85 * c.agents[0].busy_seconds);
  CHECK(c.rows.back().test_loss < 0.5 * c.rows.front().test_loss);
}
