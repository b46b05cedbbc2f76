// The synchronous mailer's message protocol, stepped by hand on CAF's test
// coordinator: what it hands its trainer, when, and in which order.
#include "actors/mailer.hpp"
#include "actors/messages.hpp"
#include "actors/system.hpp"
#include "tests/problems.hpp"

#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include <memory>
#include <vector>

using namespace murmur;

namespace {

using publish_now = caf::atom_constant<caf::atom("pubnow")>;

/// What the fake trainer was handed, in order.
struct delivered {
  std::vector<std::pair<round_t, inbox>> inboxes;
};

/// Publishes on request and records every inbox its mailer returns.
caf::behavior fake_trainer(caf::event_based_actor* self, caf::actor mailer,
                           std::shared_ptr<delivered> got) {
  return {
    [=](publish_now, round_t k) {
      auto model = std::make_shared<vec>(vec::Constant(1, 100.0f + k));
      self->send(mailer, publish_atom::value, k,
                 outbox{{payload{model}}, false});
    },
    [=](inbox_atom, round_t k, inbox& in) {
      got->inboxes.emplace_back(k, std::move(in));
    },
  };
}

caf::behavior ignore_all(caf::event_based_actor*) {
  return {[](const exchange&) {}};
}

/// Agent 0 of a 4-agent ring (in-neighbours 1 and 3) with its mailer, a fake
/// trainer and silent neighbours, on the test coordinator.
struct ring_fixture {
  std::unique_ptr<experiment> exp = testing::quadratic_experiment(
    4, 10, {"topology.kind=ring", "algorithm.name=dpsgd"});
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  network_ledger ledger{exp->cost->links(), exp->agents()}; // instant
  run_env env;
  std::shared_ptr<delivered> got = std::make_shared<delivered>();
  caf::actor mailer0;
  caf::actor trainer0;

  ring_fixture() {
    configure_system(cfg, 1, clock_kind::simulated);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    env = run_env{exp.get(), nullptr, true, sys->clock().now(),
                  [](const run_outcome&) {}};
    env.ledger = &ledger;
    auto all = std::make_shared<std::vector<caf::actor>>();
    mailer0 = sys->spawn(mailer, &env, agent_id{0}, all);
    all->push_back(mailer0);
    for (int i = 1; i < 4; ++i)
      all->push_back(sys->spawn(ignore_all));
    trainer0 = sys->spawn(fake_trainer, mailer0, got);
    sched->run();
  }
  ~ring_fixture() {
    caf::anon_send_exit(mailer0, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(trainer0, caf::exit_reason::user_shutdown);
    sched->run();
  }

  void arrive(agent_id from, round_t k) {
    auto model = std::make_shared<vec>(vec::Constant(1, float(10 * from + k)));
    caf::anon_send(mailer0, exchange{from, k, payload{model}});
    sched->run();
  }
  void publish(round_t k) {
    caf::anon_send(trainer0, publish_now::value, k);
    sched->run();
  }
};

} // namespace

TEST_CASE("mailer: an inbox waits for the own publish and every in-neighbour, "
          "in in-list order") {
  ring_fixture f;
  f.arrive(3, 0); // arrival order 3 then 1 ...
  f.publish(0);
  CHECK(f.got->inboxes.empty()); // agent 1 not heard from yet
  f.arrive(1, 0);
  REQUIRE(f.got->inboxes.size() == 1);
  auto& [k, in] = f.got->inboxes[0];
  CHECK(k == 0);
  REQUIRE(in.size() == 2);
  CHECK(in[0].from == 1); // ... delivered in the graph's order
  CHECK(in[1].from == 3);
  CHECK((*in[0].msg.data)[0] == 10.0f);
  CHECK((*in[1].msg.data)[0] == 30.0f);
}

TEST_CASE("mailer: future rounds are buffered, duplicates dropped") {
  ring_fixture f;
  f.arrive(1, 1); // a neighbour already in round 1
  f.arrive(3, 1);
  f.arrive(1, 0);
  f.arrive(1, 0); // a duplicate: the first one stays
  f.publish(0);
  CHECK(f.got->inboxes.empty()); // round 0 still misses agent 3
  f.arrive(3, 0);
  REQUIRE(f.got->inboxes.size() == 1);
  CHECK(f.got->inboxes[0].first == 0);
  f.publish(1); // round 1 was complete but for our own publish
  REQUIRE(f.got->inboxes.size() == 2);
  CHECK(f.got->inboxes[1].first == 1);
  CHECK((*f.got->inboxes[1].second[0].msg.data)[0] == 11.0f);
}

TEST_CASE("mailer: a departed neighbour's unsent rounds arrive as lost") {
  ring_fixture f;
  f.arrive(1, 0);
  f.arrive(3, 0);
  f.publish(0);
  REQUIRE(f.got->inboxes.size() == 1);
  // Agent 3 leaves having sent rounds 0 only.
  caf::anon_send(f.mailer0, depart_atom::value, agent_id{3}, round_t{1});
  f.sched->run();
  f.arrive(1, 1);
  f.publish(1);
  REQUIRE(f.got->inboxes.size() == 2);
  auto& in = f.got->inboxes[1].second;
  REQUIRE(in.size() == 2);
  CHECK(in[0].msg.data != nullptr);
  CHECK(in[1].from == 3);
  CHECK(in[1].msg.data == nullptr); // lost: the slot stays, empty
}
