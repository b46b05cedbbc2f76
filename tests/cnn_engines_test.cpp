// A native CNN through both engines and on the virtual clock: LeNet-5 on
// Fashion-MNIST images, the actors against the lock-step loop bit for bit,
// and the same bytes at 1 and 2 threads.
#include "core/config/config.hpp"
#include "core/data/dataset.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/engines_match.hpp"
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

const std::string no_fashion_mnist = std::string{default_fashion_mnist_dir} +
                                     " absent (Debian's dataset-fashion-mnist)";

} // namespace

TEST_CASE("LeNet-5: actors match lock-step bit for bit at every evaluation") {
  if (!have_fashion_mnist())
    return testing::skip(no_fashion_mnist);
  testing::scratch_dir dir{"cnn-engines"};
  testing::check_actors_match_lockstep(
    load_config("", lenet_sets(dir.path().string())), 3); // 0, 3, 6
}

TEST_CASE("LeNet-5: a virtual run is byte-identical with 1 and 2 threads") {
  if (!have_fashion_mnist())
    return testing::skip(no_fashion_mnist);
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
