// The actor runtime against the actor-free lock-step loop, for every
// synchronous algorithm in the registry: the same policies driven both ways
// must end on the same models bit for bit (final test loss, consensus
// distance, training loss and bytes of the last evaluation), on the virtual
// clock with contended links (the actors' messages then arrive in a
// different order than without them).
#include "actors/runtime.hpp"
#include "core/run/lockstep.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

using namespace murmur;

namespace {

/// Options worth covering beyond each algorithm's defaults.
const std::map<std::string, std::vector<std::vector<std::string>>>& variants() {
  static const std::map<std::string, std::vector<std::vector<std::string>>> v{
    {"dpsgd", {{"algorithm.order=mix-then-step"}}},
    {"relaysgd",
     {{"algorithm.tree=double-binary", "algorithm.lr_correction=auto"},
      {"algorithm.variant=grad"}}},
    {"detag",
     {{"algorithm.R=3", "algorithm.eta=0.3", "algorithm.init=first-gradient",
       "algorithm.ordering=local-tracker"}}},
    {"goco", {{"algorithm.p=0.3"}}},
  };
  return v;
}

/// Every configuration to compare: each synchronous algorithm with its
/// defaults, then its variants.
std::vector<std::vector<std::string>> configurations() {
  std::vector<std::vector<std::string>> all;
  for (auto& name : algorithm_registry::names()) {
    auto& factory = algorithm_registry::get(name, "").make;
    if (runs_by_time(factory))
      continue;
    all.push_back({"algorithm.name=" + name});
    auto extra = variants().find(name);
    if (extra != variants().end())
      for (auto sets : extra->second) {
        sets.insert(sets.begin(), "algorithm.name=" + name);
        all.push_back(sets);
      }
  }
  return all;
}

} // namespace

TEST_CASE("every synchronous algorithm: actors match lock-step bit for bit") {
  const std::size_t n = 8;
  const round_t rounds = 48;
  auto all = configurations();
  CHECK(all.size() >= 11); // six synchronous algorithms and their variants
  for (auto sets : all) {
    std::string shown;
    for (auto& s : sets)
      shown += s + " ";
    CAPTURE(shown);
    sets.push_back("topology.kind=ring");
    sets.push_back("optimizer.lr=0.2");
    sets.push_back("optimizer.momentum=0.5");
    sets.push_back("clock.kind=virtual");
    sets.push_back("cost.step_seconds=0.01");
    sets.push_back("network.latency=0.001");
    sets.push_back("network.uplink=2e4");
    sets.push_back("network.downlink=3e4");
    auto a = testing::quadratic_experiment(n, rounds, sets);
    testing::row_recorder got;
    auto end = run_actors(*a, got, 2);
    CHECK(end.why == stop_reason::rounds);
    auto b = testing::quadratic_experiment(n, rounds, sets);
    lockstep loop{*b};
    while (loop.rounds_done() < rounds)
      loop.run_round();
    auto ref = evaluate_round(*b, rounds, loop.reports());
    REQUIRE(got.rows.size() == 2); // round 0 and the last round
    auto& last = got.rows.back();
    CHECK(last.round == rounds);
    CHECK(last.test_loss == ref.test_loss);
    CHECK(last.consensus_distance == ref.consensus_distance);
    CHECK(last.train_loss == ref.train_loss);
    CHECK(last.bytes_sent == ref.bytes_sent);
    CHECK(last.test_loss != got.rows.front().test_loss); // it did train
  }
}
