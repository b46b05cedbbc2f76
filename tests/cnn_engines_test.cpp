// A native CNN through both engines and on the virtual clock: LeNet-5 on
// Fashion-MNIST images, the actors against the lock-step loop bit for bit,
// and the same bytes at 1 and 2 threads.
#include "actors/runtime.hpp"
#include "core/config/config.hpp"
#include "core/data/dataset.hpp"
#include "core/run/lockstep.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/problems.hpp"
#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace murmur;

namespace {

std::vector<std::string> lenet_sets(const std::string& out) {
  return {"model.kind=lenet5",    "run.agents=4",
          "run.rounds=6",         "run.eval_every=3",
          "eval.max_agents=0",    "eval.test_samples=200",
          "optimizer.lr=0.05",    "optimizer.momentum=0.9",
          "clock.kind=virtual",   "cost.step_seconds=0.1",
          "cost.speed=lognormal", "run.output=\"" + out + "\"",
          "run.name=cnn"};
}

bool have_fashion_mnist() {
  return std::filesystem::exists(default_fashion_mnist_dir);
}

} // namespace

TEST_CASE("LeNet-5: actors match lock-step bit for bit at every evaluation") {
  if (!have_fashion_mnist())
    return testing::skip(std::string{default_fashion_mnist_dir} +
                         " absent (Debian's dataset-fashion-mnist)");
  testing::scratch_dir dir{"cnn-engines"};
  const auto cfg = load_config("", lenet_sets(dir.path().string()));
  auto a = build_experiment(cfg);
  testing::row_recorder got;
  run_actors(*a, got, 2);
  REQUIRE(got.rows.size() == 3); // rounds 0, 3, 6
  auto b = build_experiment(cfg);
  lockstep loop{*b};
  for (auto& row : got.rows) {
    while (loop.rounds_done() < row.round)
      loop.run_round();
    auto ref = evaluate_round(*b, row.round, loop.reports());
    CAPTURE(row.round);
    CHECK(row.test_loss == ref.test_loss);
    CHECK(row.consensus_distance == ref.consensus_distance);
    CHECK(row.train_loss == ref.train_loss);
    CHECK(row.min_agent_accuracy == ref.min_agent_accuracy);
  }
  CHECK(got.rows.back().test_loss < got.rows.front().test_loss); // it learned
}

TEST_CASE("LeNet-5: a virtual run is byte-identical with 1 and 2 threads") {
  if (!have_fashion_mnist())
    return testing::skip(std::string{default_fashion_mnist_dir} +
                         " absent (Debian's dataset-fashion-mnist)");
  testing::scratch_dir dir{"cnn-threads"};
  auto one = load_config("", lenet_sets(dir.path().string()));
  one.run.threads = 1;
  auto two = one;
  two.run.threads = 2;
  two.run.name = "cnn2";
  auto a = run_experiment(one, false);
  auto b = run_experiment(two, false);
  for (auto file : {"metrics.csv", "agents.csv"}) {
    CAPTURE(file);
    auto csv = testing::slurp(a.folder / file);
    CHECK(csv.size() > 100);
    CHECK(csv == testing::slurp(b.folder / file));
  }
  CHECK(a.rows.back().consensus_distance > 0); // the agents differ ...
  CHECK(a.rows.back().test_loss < a.rows.front().test_loss); // ... and learn
}
