// The runtime end to end: mixing, determinism of the actors and the lock-step
// loop (each algorithm's trajectory is checked in oracle_test.cpp).
#include "actors/runtime.hpp"
#include "core/algorithms/mixing_ops.hpp"
#include "core/run/lockstep.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/problems.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace murmur;
namespace fs = std::filesystem;

namespace {

using testing::slurp;

/// metrics.csv without the wall-clock column, the only one allowed to vary.
/// metrics.csv without the columns the real clock measures in wall time
/// (time_seconds, compute_seconds).
std::string metrics_without_wall(const fs::path& dir) {
  std::istringstream in{slurp(dir / "metrics.csv")};
  std::string line;
  std::string out;
  std::vector<bool> keep;
  while (std::getline(in, line)) {
    std::istringstream cells{line};
    std::string cell;
    for (std::size_t col = 0; std::getline(cells, cell, ','); ++col) {
      if (keep.size() <= col)
        keep.push_back(cell != "time_seconds" && cell != "compute_seconds");
      if (keep[col])
        out += cell + ",";
    }
    out += "\n";
  }
  return out;
}

run_config synthetic_config(const fs::path& output,
                            const std::vector<std::string>& extra) {
  std::vector<std::string> sets{"data.name=synthetic",
                                "run.agents=8",
                                "run.rounds=40",
                                "run.eval_every=10",
                                "run.threads=2",
                                "run.output=\"" + output.string() + "\"",
                                "run.name=t",
                                "optimizer.lr=0.2",
                                "partition.kind=dirichlet",
                                "partition.alpha=0.5"};
  sets.insert(sets.end(), extra.begin(), extra.end());
  return load_config("", sets);
}

} // namespace

TEST_CASE("gossip alone converges to the exact average and preserves it") {
  std::size_t n = 8;
  topology_spec spec;
  auto g = make_topology(n, 1, spec).phases[0];
  auto w = metropolis_hastings(g);
  std::vector<std::shared_ptr<vec>> x(n);
  vec exact = vec::Zero(3);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = std::make_shared<vec>(vec::Constant(3, static_cast<float>(i * i)));
    (*x[i])[1] = static_cast<float>(i % 3);
    exact += *x[i];
  }
  exact /= static_cast<float>(n);
  for (int step = 0; step < 300; ++step) {
    std::vector<std::shared_ptr<vec>> next(n);
    for (std::size_t i = 0; i < n; ++i) {
      inbox in;
      for (auto j : g.in[i])
        in.push_back({j, payload{x[j]}});
      next[i] = std::make_shared<vec>(3);
      mix_into(*next[i], *x[i], w[i], in);
    }
    x = next;
    vec mean = vec::Zero(3);
    for (auto& xi : x)
      mean += *xi;
    mean /= static_cast<float>(n);
    REQUIRE((mean - exact).norm() < 1e-4);
  }
  for (auto& xi : x)
    CHECK((*xi - exact).norm() < 1e-4);
}

TEST_CASE("mixing renormalises its row over the messages that arrived") {
  mixing_row w{1.0 / 3, {1.0 / 3, 1.0 / 3}};
  vec self = vec::Constant(2, 1);
  inbox in{{1, payload{std::make_shared<vec>(vec::Constant(2, 2))}},
           {2, payload{std::make_shared<vec>(vec::Constant(2, 4))}}};
  vec out(2);
  mix_into(out, self, w, in);
  CHECK(out[0] == doctest::Approx(7.0 / 3));
  in[0].msg.data = nullptr; // lost: renormalise over self and agent 2
  mix_into(out, self, w, in);
  CHECK(out[1] == doctest::Approx(2.5));
}

TEST_CASE("mixing rounds as one fused multiply-add per term, in inbox order") {
  rng gen{5};
  std::uniform_real_distribution<float> value{-1, 1};
  auto random_vec = [&] {
    auto v = std::make_shared<vec>(1037); // not a multiple of any lane count
    for (auto& x : *v)
      x = value(gen);
    return v;
  };
  const auto self = random_vec();
  for (std::size_t neighbours = 0; neighbours <= 5; ++neighbours) {
    for (std::size_t lost = 0; lost <= neighbours; ++lost) { // lost == n: none
      mixing_row w{0.3, {}};
      inbox in;
      for (std::size_t k = 0; k < neighbours; ++k) {
        w.weights.push_back(0.1 + 0.05 * static_cast<double>(k));
        in.push_back({static_cast<agent_id>(k + 1),
                      payload{k == lost ? nullptr : random_vec()}});
      }
      // The reference: the self term, then one fused multiply-add per term
      // that arrived, in inbox order, then the renormalisation.
      vec want(1037);
      for (Eigen::Index i = 0; i < want.size(); ++i)
        want[i] = static_cast<float>(w.self) * (*self)[i];
      double arrived = w.self;
      for (std::size_t k = 0; k < neighbours; ++k)
        if (in[k].msg.data) {
          for (Eigen::Index i = 0; i < want.size(); ++i)
            want[i] = std::fma(static_cast<float>(w.weights[k]),
                               (*in[k].msg.data)[i], want[i]);
          arrived += w.weights[k];
        }
      if (lost < neighbours)
        want *= static_cast<float>(1 / arrived);
      vec got(1037);
      mix_into(got, *self, w, in);
      CAPTURE(neighbours);
      CAPTURE(lost);
      CHECK(got == want);
    }
  }
}

TEST_CASE("same seed gives the same metrics, on actors and lock-step alike") {
  testing::scratch_dir tmp{"determinism"};
  auto& dir = tmp.path();
  auto a = run_experiment(synthetic_config(dir, {}), false);
  auto b = run_experiment(synthetic_config(dir, {}), false);
  auto c =
    run_experiment(synthetic_config(dir, {"run.engine=lockstep"}), false);
  auto d = run_experiment(synthetic_config(dir, {"seed=2"}), false);
  CHECK(a.folder != b.folder); // never overwrites an earlier run
  auto ma = metrics_without_wall(a.folder);
  CHECK(ma.size() > 100);
  CHECK(ma == metrics_without_wall(b.folder));
  CHECK(ma == metrics_without_wall(c.folder));
  CHECK(ma != metrics_without_wall(d.folder));
  CHECK(fs::exists(a.folder / "summary.json"));
  CHECK(slurp(a.folder / "config.toml").find("seed = 1") != std::string::npos);
  // Learning happened: the synthetic teacher is easy.
  CHECK(a.rows.back().test_accuracy > 0.8);
  CHECK(a.rows.back().test_accuracy > a.rows.front().test_accuracy + 0.3);
}
