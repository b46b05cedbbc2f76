// The launcher's observer evaluating rounds whose models stay on the nodes
// (actors/observer.hpp, actors/model_holder.hpp), in one process: one real
// model holder and one that fails at the last step.

#include "actors/messages.hpp"
#include "actors/model_holder.hpp"
#include "actors/observer.hpp"
#include "actors/system.hpp"
#include "core/run/network_ledger.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <random>

using namespace murmur;

namespace {

/// Keeps the rows and the events of a run.
struct recording_sink : metrics_sink {
  void on_row(const metrics_row& row) override { rows.push_back(row); }
  void on_event(double, const std::string&, const std::string& text,
                const std::string&) override {
    events.push_back(text);
  }
  std::vector<metrics_row> rows;
  std::vector<std::string> events;
};

/// A holder that keeps and forwards like model_holder but refuses to give
/// the distances to the average: a node failing at the last step.
caf::behavior failing_holder(caf::event_based_actor* self,
                             const experiment* exp, caf::actor observer) {
  auto held = std::make_shared<held_models>();
  return {
    [=](report_atom, report& r) {
      held->add(r.from, std::move(r.data.model));
      r.data.model = nullptr;
      r.data.model_on_node = true;
      self->send(observer, report_atom::value, std::move(r));
    },
    [=](summary_atom, round_t) { return summarize(*exp, *held); },
    [=](fixsum_atom, round_t, const sum_exponents& all) {
      return partial_sum(*exp, *held, all).words();
    },
    [=](distance_atom, round_t, const payload&) -> caf::result<held_distances> {
      return caf::make_error(caf::sec::runtime_error, "fails at the last step");
    },
  };
}

} // namespace

TEST_CASE("a node failing during an evaluation drops only its own agents' "
          "models from that round") {
  constexpr std::size_t agents = 6;
  auto exp = testing::quadratic_experiment(agents, 1, {"eval.max_agents=0"});
  recording_sink sink;
  network_ledger ledger{exp->cost->links(), agents};
  std::promise<run_outcome> done;
  caf::actor_system_config cfg;
  configure_system(cfg, 2);
  caf::actor_system sys{cfg};
  run_env env{exp.get(), &sink, false, sys.clock().now(),
              [&done](const run_outcome& o) { done.set_value(o); }};
  env.ledger = &ledger;
  auto obs = sys.spawn(observer, &env);
  auto good = sys.spawn(model_holder, exp.get(), obs);
  auto bad = sys.spawn(failing_holder, exp.get(), obs);

  // Agents 0, 2, 4 on the good node, 1, 3, 5 on the failing one; rounds 0
  // and 1 (the last) are evaluated.
  std::mt19937_64 gen{5};
  std::normal_distribution<float> normal{0, 1};
  std::vector<std::vector<agent_report>> sent(2);
  caf::scoped_actor self{sys};
  for (round_t r = 0; r < 2; ++r)
    for (agent_id i = 0; i < agents; ++i) {
      vec x(static_cast<Eigen::Index>(exp->num_params()));
      for (Eigen::Index j = 0; j < x.size(); ++j)
        x[j] = normal(gen);
      agent_report data;
      data.model = std::make_shared<const vec>(x);
      data.train_loss = 0.5 + i;
      sent[r].push_back(data);
      self->send(i % 2 == 0 ? good : bad, report_atom::value,
                 report{i, r, data});
    }
  auto end = done.get_future();
  REQUIRE(end.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  CHECK(end.get().why == stop_reason::rounds);
  REQUIRE(sink.rows.size() == 2);
  for (round_t r = 0; r < 2; ++r) {
    // What one process gives when agents 1, 3 and 5 have no model.
    auto without = sent[r];
    for (agent_id i = 1; i < agents; i += 2)
      without[i].model = nullptr;
    auto want = evaluate_round(*exp, r, without);
    auto& got = sink.rows[r];
    CAPTURE(r);
    CHECK(got.online_agents == 3);
    CHECK(got.test_loss == want.test_loss);
    CHECK(got.consensus_distance == want.consensus_distance);
    CHECK(got.train_loss == want.train_loss);
  }
  int dropped = 0;
  for (auto& e : sink.events)
    dropped +=
      e.find("without the models of agents 1,3,5") != std::string::npos;
  CHECK(dropped == 2);
  for (auto& a : {obs, good, bad})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
